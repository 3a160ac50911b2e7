"""Memory stays flat as the horizon grows: peak RSS of the reference system at 10,000 and
at 100,000 days (no trace), each in its own process. Goal: ratio <= 1.2.

    python benchmarks/memory.py
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _measure import child, simulate_body  # noqa: E402


def main() -> int:
    peaks = {}
    for days in (10_000, 100_000):
        out = child(simulate_body(str(HERE / "reference.yaml"), [f"horizon_days={days}"]))
        peaks[days] = out["peak_mb"]
        customers = out["result"]["units_demanded"]
        seconds = out["result"]["run_seconds"]
        print(
            f"  {days:>7,} days: {customers:>11,.0f} customers, run {seconds:6.2f} s, "
            f"peak RSS {out['peak_mb']:.1f} MB"
        )
    ratio = peaks[100_000] / peaks[10_000]
    print(f"Peak RSS at 100,000 days / at 10,000 days: {ratio:.3f} (goal <= 1.2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
