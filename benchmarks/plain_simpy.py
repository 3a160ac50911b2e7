"""A lean, hand-written SimPy model of the reference system: the yardstick for speed.

One arrival generator, plain counters, a deque of backorders and one short process per
replenishment order, as a competent SimPy user would write it (`run`), and the same squeezed
further (`run_lean`: stdlib random numbers, locals in closures). Run as a script
(`python plain_simpy.py DAYS [plain|lean]`) it prints its own JSON summary, so the
benchmarks can time it as a whole process too.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections import deque
from collections.abc import Generator

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

    def delivery(quantity: int) -> Generator[simpy.Event, None, None]:
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

    def customers() -> Generator[simpy.Event, None, None]:
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


def run_lean(
    horizon: float = 100_000.0,
    rate: float = 20.0,
    reorder_point: int = 30,
    batch: int = 100,
    mean_lead: float = 3.0,
    on_hand: int = 130,
    seed: int = 1,
) -> dict[str, float]:
    """The same model squeezed further: the standard library's random numbers and local
    variables in closures instead of numpy and dictionaries."""
    env = simpy.Environment()
    expo = random.Random(seed).expovariate
    waiting: deque[float] = deque()
    stock, on_order, backlog = on_hand, 0, 0
    customers_seen, filled, shipped_late, wait = 0, 0, 0, 0.0

    def review() -> None:
        nonlocal on_order
        position = stock + on_order - backlog
        if position <= reorder_point:
            quantity = -(-(reorder_point + 1 - position) // batch) * batch
            on_order += quantity
            env.process(delivery(quantity))

    def delivery(quantity: int) -> Generator[simpy.Event, None, None]:
        nonlocal stock, on_order, backlog, shipped_late, wait
        yield env.timeout(expo(1.0 / mean_lead))
        on_order -= quantity
        stock += quantity
        while waiting and stock > 0:
            placed = waiting.popleft()
            stock -= 1
            backlog -= 1
            shipped_late += 1
            wait += env.now - placed
        review()

    def arrivals() -> Generator[simpy.Event, None, None]:
        nonlocal stock, backlog, customers_seen, filled
        timeout = env.timeout
        while True:
            yield timeout(expo(rate))
            customers_seen += 1
            if backlog == 0 and stock > 0:
                stock -= 1
                filled += 1
            else:
                backlog += 1
                waiting.append(env.now)
            review()

    review()
    env.process(arrivals())
    env.run(until=horizon)
    return {
        "customers": customers_seen,
        "fill_rate": filled / customers_seen,
        "mean_wait_days": wait / max(shipped_late, 1),
    }


if __name__ == "__main__":
    horizon = float(sys.argv[1]) if len(sys.argv) > 1 else 100_000.0
    variant = sys.argv[2] if len(sys.argv) > 2 else "plain"
    start = time.perf_counter()
    result = (run_lean if variant == "lean" else run)(horizon=horizon)
    result["seconds"] = time.perf_counter() - start
    print(json.dumps(result))
