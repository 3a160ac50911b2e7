"""Speed of backorder-sim against a lean hand-written SimPy model of the same system.

Runs, in one session and on the same machine state:
  1. in-process: the library API (`simulator.run`) against `plain_simpy.run`;
  2. whole process: `backorder-sim run reference.yaml --format json --workers 1` against
     `python plain_simpy.py`, start-up and imports included.
Each pair is repeated (order alternated) and the median of the paired ratios is reported.
Both models must agree on fill rate and mean wait within noise (see TOLERANCE).

    python benchmarks/reference.py            # the full 100,000-day reference system
    python benchmarks/reference.py --days 20000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import plain_simpy  # noqa: E402
from _measure import compile_package  # noqa: E402

from simulator import load_scenario, run  # noqa: E402

SCENARIO = HERE / "reference.yaml"
TOLERANCE = {"fill_rate": 0.015, "mean_wait_days": 0.05}
"""Agreement required between the two models (absolute for fill rate, relative for the mean
wait). The models use different random streams; across seeds, single 100,000-day runs of the
plain model spread with sd 0.0035 in fill rate and about 1% in mean wait, so these bounds
are about four standard deviations of a difference."""


def library_run(days: float, sets: Sequence[str] = ()) -> tuple[float, dict[str, float]]:
    """The reference scenario (with ``sets``) through the library API, in this process."""
    loaded = load_scenario(SCENARIO, sets=[*sets, f"horizon_days={days}"])
    start = time.perf_counter()
    result = run(loaded, executor="serial").to_dict()
    seconds = time.perf_counter() - start
    metrics = result["policies"]["full-backorders"]["metrics"]
    return seconds, {
        k: metrics[k]["mean"] for k in ("fill_rate", "mean_wait_days", "units_demanded")
    }


def plain_run(days: float, **system: Any) -> tuple[float, dict[str, float]]:
    """The plain hand-written model; ``system`` overrides its parameters."""
    start = time.perf_counter()
    out = plain_simpy.run(horizon=days, **system)
    return time.perf_counter() - start, out


def lean_run(days: float, **system: Any) -> tuple[float, dict[str, float]]:
    """The leaner hand-written model; ``system`` overrides its parameters."""
    start = time.perf_counter()
    out = plain_simpy.run_lean(horizon=days, **system)
    return time.perf_counter() - start, out


def cli_process(days: float) -> tuple[float, dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        scenario = Path(tmp) / "reference.yaml"
        scenario.write_text(
            SCENARIO.read_text().replace("horizon_days: 100000", f"horizon_days: {days}")
        )
        cmd = ["backorder-sim", "run", str(scenario), "--format", "json", "--workers", "1"]
        start = time.perf_counter()
        proc = subprocess.run(cmd, check=True, capture_output=True, text=True)
        seconds = time.perf_counter() - start
    metrics = json.loads(proc.stdout)["policies"]["full-backorders"]["metrics"]
    return seconds, {k: metrics[k]["mean"] for k in ("fill_rate", "mean_wait_days")}


def plain_process(days: float, variant: str = "plain") -> tuple[float, dict[str, float]]:
    cmd = [sys.executable, str(HERE / "plain_simpy.py"), str(days), variant]
    start = time.perf_counter()
    proc = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, json.loads(proc.stdout)


def paired(
    ours, theirs, days: float, repeat: int
) -> tuple[list[float], list[float], list[float], dict, dict]:
    ratios, ours_s, theirs_s = [], [], []
    out_ours: dict[str, float] = {}
    out_theirs: dict[str, float] = {}
    for i in range(repeat):
        if i % 2 == 0:
            a, out_ours = ours(days)
            b, out_theirs = theirs(days)
        else:
            b, out_theirs = theirs(days)
            a, out_ours = ours(days)
        ours_s.append(a)
        theirs_s.append(b)
        ratios.append(b / a)
    return ratios, ours_s, theirs_s, out_ours, out_theirs


def check_agreement(ours: dict[str, float], theirs: dict[str, float]) -> bool:
    fill_gap = abs(ours["fill_rate"] - theirs["fill_rate"])
    wait_gap = abs(ours["mean_wait_days"] - theirs["mean_wait_days"]) / theirs["mean_wait_days"]
    ok = fill_gap <= TOLERANCE["fill_rate"] and wait_gap <= TOLERANCE["mean_wait_days"]
    print(
        f"  agreement: fill rate {ours['fill_rate']:.4f} vs {theirs['fill_rate']:.4f} "
        f"(gap {fill_gap:.4f}), mean wait {ours['mean_wait_days']:.3f} vs "
        f"{theirs['mean_wait_days']:.3f} days (gap {wait_gap:.1%}): {'ok' if ok else 'DISAGREE'}"
    )
    return ok


def lean_process(days: float) -> tuple[float, dict[str, float]]:
    return plain_process(days, "lean")


def report(
    label: str, ratios: list[float], ours_s: list[float], theirs_s: list[float], customers: float
) -> None:
    ours, theirs = statistics.median(ours_s), statistics.median(theirs_s)
    runs = ", ".join(f"{r:.2f}" for r in ratios)
    print(label)
    print(f"  backorder-sim: {customers / ours:>11,.0f} customers/s  (median {ours:.2f} s)")
    print(f"  plain SimPy:   {customers / theirs:>11,.0f} customers/s  (median {theirs:.2f} s)")
    print(f"  ratio (ours faster by): {statistics.median(ratios):.2f}x  (paired runs: {runs})")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=float, default=100_000.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    customers = 20 * args.days
    print(f"Reference system: {args.days:g} days, about {customers:,.0f} customers")
    print(f"{args.repeat} paired runs each, order alternated; medians reported")
    print(compile_package())

    runs = paired(library_run, plain_run, args.days, args.repeat)
    report("In-process (library API vs plain SimPy model):", *runs[:3], customers)
    ok = check_agreement(runs[3], runs[4])

    runs = paired(library_run, lean_run, args.days, args.repeat)
    report("In-process (library API vs the leaner hand-written model):", *runs[:3], customers)
    ok &= check_agreement(runs[3], runs[4])

    runs = paired(cli_process, plain_process, args.days, args.repeat)
    report(
        "Whole process (backorder-sim run --format json --workers 1 vs python plain_simpy.py):",
        *runs[:3],
        customers,
    )
    ok &= check_agreement(runs[3], runs[4])

    runs = paired(cli_process, lean_process, args.days, args.repeat)
    report(
        "Whole process against the leaner model (plain_simpy.py DAYS lean):", *runs[:3], customers
    )
    ok &= check_agreement(runs[3], runs[4])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
