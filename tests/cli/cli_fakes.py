"""Stand-in models for CLI tests: importable by worker processes, deterministic in the seed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from simulator.metrics.record import STORE_METRICS, SUPPLIER_METRICS, ReplicationMetrics
from simulator.scenario.schema import Backorder, Scenario


def fake_simulate(
    scenario: Scenario, backorder: Backorder, seed: np.random.SeedSequence
) -> ReplicationMetrics:
    """Numbers that depend only on the seed and the policy; some metrics undefined."""
    x = float(np.random.default_rng(seed).random())
    store: dict[str, float | None] = {m: None for m in STORE_METRICS}
    store["fill_rate"] = 0.8 * x + (0.15 if backorder.allow else 0.0)
    store["profit"] = 100_000.0 * x
    store["mean_wait_days"] = 2.0 + x if backorder.allow else None
    return ReplicationMetrics(
        store=store,
        products={pid: dict(store) for pid in scenario.products},
        suppliers={sid: {m: 10.0 * x for m in SUPPLIER_METRICS} for sid in scenario.suppliers},
    )


def interrupted_simulate(
    scenario: Scenario, backorder: Backorder, seed: np.random.SeedSequence
) -> ReplicationMetrics:
    """What the model sees when the user presses Ctrl-C mid-run (in-process)."""
    raise KeyboardInterrupt


def slow_simulate(
    scenario: Scenario, backorder: Backorder, seed: np.random.SeedSequence
) -> ReplicationMetrics:
    """A slow replication that leaves a mark (``$CLI_FAKES_STARTED``) once work has begun,
    and appends a line to ``$CLI_FAKES_CALLS`` for each replication it starts."""
    mark = os.environ.get("CLI_FAKES_STARTED")
    if mark:
        Path(mark).touch()
    calls = os.environ.get("CLI_FAKES_CALLS")
    if calls:
        with open(calls, "a", encoding="utf-8") as handle:
            handle.write(f"{backorder.allow} {seed.spawn_key}\n")
    time.sleep(0.5)
    return fake_simulate(scenario, backorder, seed)


if __name__ == "__main__":
    # `python cli_fakes.py ARGS...`: the real command line with the slow model in place.
    # Imported by module name, so that worker processes can unpickle the function.
    from cli_fakes import slow_simulate as slow

    from simulator.cli import main
    from simulator.model import simulation

    simulation.simulate = slow
    main()
