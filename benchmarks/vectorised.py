"""A fully vectorised numpy model of the reference system: the floor for whole-process speed.

The reference system (reference.yaml: Poisson customers wanting one unit each, continuous
(r, Q), exponential lead times that may cross, full FIFO backorders) has a closed form that
needs no event loop:

- every customer lowers the inventory position by one (shipped or backordered), so with
  r = 30, Q = 100 and 130 on hand at the start, order k (k = 1, 2, ...) is placed at the
  arrival of customer 100·k, and arrives a lead time later;
- stock goes to customers first come, first served, and deliveries are used in the order
  they arrive (orders may cross), so customer i (1-based) is served by the initial stock
  when i <= 130, else by the ⌈(i − 130)/100⌉-th delivery in time order; customer i ships at
  the later of its arrival and that delivery.

Fill rate: the customers who ship at their arrival; mean wait: over the backordered
customers who ship by the horizon (as DESIGN §2 defines them).

Runs, alternating the order in every round, and prints the median paired ratios:
  1. whole process: ``backorder-sim run reference.yaml --format json --workers 1`` against
     ``python vectorised.py --child DAYS`` (Python, numpy and the computation);
  2. in-process: the library API (``simulator.run``) against the numpy model alone.
Both models must agree on fill rate and mean wait within the reference benchmark's bounds.
Last, the floor of the libraries a run needs (``python -c "import numpy, simpy, pydantic,
yaml, click"``, paired with the numpy model again) and what 2x the numpy model leaves for
the rest: the package's own start-up, reading the scenario, and the simulation, which the
in-process run measured alone.

    python benchmarks/vectorised.py              # 100,000 days, 5 rounds
    python benchmarks/vectorised.py --days 20000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RATE, REORDER_POINT, BATCH, MEAN_LEAD, ON_HAND = 20.0, 30, 100, 3.0, 130


def vectorised(horizon: float = 100_000.0, seed: int = 1) -> dict[str, float]:
    """The reference system in closed form with numpy: fill rate, mean wait, customers."""
    rng = np.random.default_rng(seed)
    expected = RATE * horizon
    gaps = rng.exponential(1.0 / RATE, size=int(expected + 10 * np.sqrt(expected) + 100))
    arrivals = np.cumsum(gaps)
    arrivals = arrivals[arrivals <= horizon]
    n = arrivals.size
    # order k is placed at the arrival of customer ON_HAND - REORDER_POINT + (k - 1) * BATCH
    first = ON_HAND - REORDER_POINT
    placed = arrivals[first - 1 :: BATCH]
    deliveries = np.sort(placed + rng.exponential(MEAN_LEAD, size=placed.size))
    index = np.arange(1, n + 1)
    which = (index - ON_HAND - 1) // BATCH  # the delivery that brings customer i's unit
    supply = np.zeros(n)
    late = which >= 0
    covered = late & (which < deliveries.size)
    supply[covered] = deliveries[which[covered]]
    supply[late & ~covered] = np.inf
    ships = np.maximum(arrivals, supply)
    immediate = ships <= arrivals
    waited = ~immediate & (ships <= horizon)
    waits = ships[waited] - arrivals[waited]
    return {
        "customers": float(n),
        "fill_rate": float(immediate.mean()),
        "mean_wait_days": float(waits.mean()) if waits.size else 0.0,
    }


CHILD_CPU: dict[str, list[float]] = {"ours": [], "numpy": []}
"""CPU seconds (user + system) of each whole-process run, which a busy machine disturbs
less than the wall time."""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cli_process(days: float) -> tuple[float, dict[str, float]]:
    """Whole process: ``backorder-sim run reference.yaml --format json --workers 1``."""
    sys.path.insert(0, str(HERE))
    from reference import cli_process as run_cli

    before = _children_cpu()
    out = run_cli(days)
    CHILD_CPU["ours"].append(_children_cpu() - before)
    return out


def numpy_process(days: float) -> tuple[float, dict[str, float]]:
    """Whole process: ``python vectorised.py --child DAYS``."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(days)]
    before = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(cmd, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    CHILD_CPU["numpy"].append(_children_cpu() - before)
    return seconds, json.loads(proc.stdout)


LIBRARIES = "import numpy, simpy, pydantic, yaml, click"
"""What every ``backorder-sim run`` imports before any code of its own: the core
dependencies (pydantic for the scenario, PyYAML to read it, click for the command line)."""


def libraries_process(days: float) -> tuple[float, dict[str, float]]:
    """Whole process: ``python -c LIBRARIES`` (the floor of a run's start-up)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", LIBRARIES], check=True)
    return time.perf_counter() - start, {}


def library_run(days: float) -> tuple[float, dict[str, float]]:
    """In-process: the library API on the reference scenario."""
    sys.path.insert(0, str(HERE))
    from reference import library_run as run_library

    return run_library(days)


def numpy_run(days: float) -> tuple[float, dict[str, float]]:
    """In-process: the numpy model alone."""
    start = time.perf_counter()
    out = vectorised(days)
    return time.perf_counter() - start, out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=float, default=100_000.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(vectorised(args.child)))
        return 0
    sys.path.insert(0, str(HERE))
    from _measure import compile_package
    from reference import check_agreement, paired

    customers = RATE * args.days
    print(f"Reference system: {args.days:g} days, about {customers:,.0f} customers")
    print(f"{args.repeat} paired runs each, order alternated; medians reported")
    print(compile_package())
    ok = True
    simulation = 0.0  # the in-process run's median: the simulation alone
    for label, ours, theirs in (
        (
            "Whole process (backorder-sim run --format json vs python vectorised.py)",
            cli_process,
            numpy_process,
        ),
        ("In-process (library API vs the numpy model)", library_run, numpy_run),
    ):
        _, ours_s, theirs_s, out_ours, out_theirs = paired(ours, theirs, args.days, args.repeat)
        slower = [a / b for a, b in zip(ours_s, theirs_s, strict=True)]
        print(label)
        print(f"  backorder-sim: median {statistics.median(ours_s):.2f} s")
        print(f"  numpy model:   median {statistics.median(theirs_s):.2f} s")
        runs = ", ".join(f"{r:.2f}" for r in slower)
        print(f"  backorder-sim / numpy: {statistics.median(slower):.2f}x  (paired runs: {runs})")
        if ours is library_run:
            simulation = statistics.median(ours_s)
        if ours is cli_process:
            cpu = [a / b for a, b in zip(CHILD_CPU["ours"], CHILD_CPU["numpy"], strict=True)]
            print(
                f"  CPU time: {statistics.median(CHILD_CPU['ours']):.2f} s vs "
                f"{statistics.median(CHILD_CPU['numpy']):.2f} s, "
                f"{statistics.median(cpu):.2f}x  (paired runs: "
                + ", ".join(f"{r:.2f}" for r in cpu)
                + ")"
            )
        ok &= check_agreement(out_ours, out_theirs)
    _, floor_s, numpy_s, _, _ = paired(libraries_process, numpy_process, args.days, args.repeat)
    floor, numpy_whole = statistics.median(floor_s), statistics.median(numpy_s)
    budget = 2 * numpy_whole - floor
    print(f'Libraries floor (python -c "{LIBRARIES}")')
    print(f"  median {floor:.2f} s, against the numpy model's {numpy_whole:.2f} s (paired)")
    verdict = "within reach" if simulation < budget else "out of reach, whatever start-up costs"
    print(f"  2x the numpy model leaves {budget:.2f} s for the package's start-up, reading the")
    print(f"  scenario and simulating; the simulation alone took {simulation:.2f} s (in process)")
    print(f"  2x is {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
