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
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from reference import check_agreement, lean_run, library_run, paired, plain_run, report  # noqa: E402

LEVEL = 60
SETS = [
    f"products.item.replenishment={{policy: base_stock, level: {LEVEL}}}",
    f"products.item.initial_on_hand={LEVEL}",
]


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
    ours = partial(library_run, sets=SETS)
    system = {"reorder_point": LEVEL - 1, "batch": 1, "on_hand": LEVEL}
    for hand_written, label in (
        (plain_run, "plain SimPy model"),
        (lean_run, "leaner hand-written model"),
    ):
        runs = paired(ours, partial(hand_written, **system), args.days, args.repeat)
        report(f"In-process (library API vs {label}):", *runs[:3], customers)
        ok &= check_agreement(runs[3], runs[4])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
