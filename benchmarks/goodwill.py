"""What goodwill costs: the reference system with and without customers who remember.

Runs, in one session and on the same machine state, the reference system
(benchmarks/reference.yaml) through the library API twice per round, order alternated:
without goodwill, and with goodwill on (``late_order`` 0.02, ``lost_order`` 0.1,
``recovery_days`` 30; the reference system has full backorders and no patience, so its
only bad experiences are late orders: about 6% of orders, one loss each, which keeps G
near 0.7). Reports the median over rounds of the paired ratio of CPU times (on / off);
the target is at most 1.5.

With goodwill on there are fewer orders (the customers lost to goodwill), but every late
order changes G; runs of plain customers are still booked in one step, each customer of a
run compared in bulk with the threshold G had at their time (the promises passing during
the run settled first).

    python benchmarks/goodwill.py                 # 30,000 days, 3 rounds
    python benchmarks/goodwill.py --days 100000 --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

from simulator import load_scenario, run  # noqa: E402

SCENARIO = HERE / "reference.yaml"
GOODWILL = (
    "customers.goodwill.late_order=0.02",
    "customers.goodwill.lost_order=0.1",
    "customers.goodwill.recovery_days=30",
)


def timed(days: float, sets: tuple[str, ...]) -> tuple[float, dict[str, float | None]]:
    """CPU seconds of one run of the reference system (with ``sets``), and a few metrics."""
    loaded = load_scenario(SCENARIO, sets=[*sets, f"horizon_days={days}"])
    start = time.process_time()
    result = run(loaded, executor="serial").to_dict()
    seconds = time.process_time() - start
    metrics = result["policies"]["full-backorders"]["metrics"]
    keys = ("units_demanded", "potential_orders", "mean_goodwill", "served_late_share")
    return seconds, {k: metrics[k]["mean"] for k in keys}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=float, default=30_000.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"Reference system, {args.days:g} days, {args.repeat} paired rounds (CPU time)")
    ratios, off_s, on_s = [], [], []
    for i in range(args.repeat):
        if i % 2 == 0:
            off, off_m = timed(args.days, ())
            on, on_m = timed(args.days, GOODWILL)
        else:
            on, on_m = timed(args.days, GOODWILL)
            off, off_m = timed(args.days, ())
        off_s.append(off)
        on_s.append(on)
        ratios.append(on / off)
    print(
        f"  goodwill off: {statistics.median(off_s):.2f} s, {off_m['units_demanded']:,.0f} orders"
    )
    print(
        f"  goodwill on:  {statistics.median(on_s):.2f} s, {on_m['units_demanded']:,.0f} orders "
        f"of {on_m['potential_orders']:,.0f} potential, mean goodwill "
        f"{on_m['mean_goodwill']:.3f}, late share {on_m['served_late_share']:.3f}"
    )
    runs = ", ".join(f"{r:.2f}" for r in ratios)
    print(
        f"  ratio on/off: {statistics.median(ratios):.2f}x  (paired rounds: {runs}; target <= 1.5)"
    )
    fastest = min(on_s) / min(off_s)
    print(f"  ratio of the fastest runs: {fastest:.2f}x (less disturbed by a busy machine)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
