"""The worst case for speed: base stock, so every customer places a replenishment order.

The reference system with (r, Q) = (30, 100) replaced by base stock S = 60 (60 on hand at
the start): each customer's unit is reordered at once, so every customer brings a supplier
order, a delivery event and an allocation, and no run of customers can be booked in one
step. Runs in-process, paired with the same system in the hand-written SimPy models of
plain_simpy.py (reorder point 59, batch 1), order alternated; prints customers per second,
the median ratio, and checks both agree on fill rate and mean wait.

    python benchmarks/base_stock.py [--days 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import plain_simpy  # noqa: E402
from reference import check_agreement, paired, report  # noqa: E402

from simulator import load_scenario, run  # noqa: E402

LEVEL = 60
SETS = [
    f"products.item.replenishment={{policy: base_stock, level: {LEVEL}}}",
    f"products.item.initial_on_hand={LEVEL}",
]


def library_run(days: float) -> tuple[float, dict[str, float]]:
    loaded = load_scenario(HERE / "reference.yaml", sets=[*SETS, f"horizon_days={days}"])
    start = time.perf_counter()
    result = run(loaded, executor="serial").to_dict()
    seconds = time.perf_counter() - start
    metrics = result["policies"]["full-backorders"]["metrics"]
    return seconds, {k: metrics[k]["mean"] for k in ("fill_rate", "mean_wait_days")}


def hand_written(model: str, days: float) -> tuple[float, dict[str, float]]:
    fn = plain_simpy.run if model == "plain" else plain_simpy.run_lean
    start = time.perf_counter()
    out = fn(horizon=days, reorder_point=LEVEL - 1, batch=1, on_hand=LEVEL)
    return time.perf_counter() - start, out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=float, default=20_000.0)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    customers = 20 * args.days
    print(f"Base stock S = {LEVEL}: {args.days:g} days, about {customers:,.0f} customers")
    print(f"{args.repeat} paired runs each, order alternated; medians reported")
    ok = True
    for model, label in (("plain", "plain SimPy model"), ("lean", "leaner hand-written model")):
        runs = paired(library_run, partial(hand_written, model), args.days, args.repeat)
        report(f"In-process (library API vs {label}):", *runs[:3], customers)
        ok &= check_agreement(runs[3], runs[4])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
