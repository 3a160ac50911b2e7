"""A lean, hand-written SimPy model of the reference system: the yardstick for speed.

One arrival generator, plain counters, a deque of backorders and one short process per
replenishment order, as a competent SimPy user would write it. Run as a script it prints
its own JSON summary, so the benchmarks can time it as a whole process too.
"""

from __future__ import annotations

import json
import sys
import time
from collections import deque

import numpy as np
import simpy


def run(
    horizon: float = 100_000.0,
    rate: float = 20.0,
    reorder_point: int = 30,
    batch: int = 100,
    mean_lead: float = 3.0,
    on_hand: int = 130,
    seed: int = 1,
) -> dict[str, float]:
    """Simulate the reference system; return fill rate, mean wait and customers served."""
    env = simpy.Environment()
    rng = np.random.default_rng(seed)
    waiting: deque[float] = deque()
    state = {"on_hand": on_hand, "on_order": 0, "backlog": 0}
    counts = {"customers": 0, "filled": 0, "backordered_shipped": 0, "wait": 0.0}

    def review() -> None:
        position = state["on_hand"] + state["on_order"] - state["backlog"]
        if position <= reorder_point:
            quantity = -(-(reorder_point + 1 - position) // batch) * batch
            state["on_order"] += quantity
            env.process(delivery(quantity))

    def delivery(quantity: int):  # type: ignore[no-untyped-def]
        yield env.timeout(rng.exponential(mean_lead))
        state["on_order"] -= quantity
        state["on_hand"] += quantity
        while waiting and state["on_hand"] > 0:
            placed = waiting.popleft()
            state["on_hand"] -= 1
            state["backlog"] -= 1
            counts["backordered_shipped"] += 1
            counts["wait"] += env.now - placed
        review()

    def customers():  # type: ignore[no-untyped-def]
        while True:
            yield env.timeout(rng.exponential(1.0 / rate))
            counts["customers"] += 1
            if state["backlog"] == 0 and state["on_hand"] > 0:
                state["on_hand"] -= 1
                counts["filled"] += 1
            else:
                state["backlog"] += 1
                waiting.append(env.now)
            review()

    review()
    env.process(customers())
    env.run(until=horizon)
    return {
        "customers": counts["customers"],
        "fill_rate": counts["filled"] / counts["customers"],
        "mean_wait_days": counts["wait"] / max(counts["backordered_shipped"], 1),
    }


if __name__ == "__main__":
    horizon = float(sys.argv[1]) if len(sys.argv) > 1 else 100_000.0
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    start = time.perf_counter()
    result = run(horizon=horizon, seed=seed)
    result["seconds"] = time.perf_counter() - start
    print(json.dumps(result))
