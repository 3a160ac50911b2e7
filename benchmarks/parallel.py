"""Replications in parallel: 20 replications of the reference system run
serially and on a local process pool, with identical metrics. Goal on 2 cores: process
throughput >= 1.7x serial.

    python benchmarks/parallel.py [--workers 2] [--days 100000]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _measure import child  # noqa: E402

BODY = """
import time
from simulator import load_scenario, run
loaded = load_scenario({scenario!r}, sets=["horizon_days={days}", "replications=20"])
began = time.perf_counter()
metrics = run(loaded, executor={executor!r}, workers={workers}).to_dict()
result = {{"run_seconds": time.perf_counter() - began, "metrics": metrics}}
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--days", type=float, default=100_000)
    args = parser.parse_args()
    runs = {}
    for executor, workers in (("serial", 1), ("process", args.workers)):
        body = BODY.format(
            scenario=str(HERE / "reference.yaml"),
            days=args.days,
            executor=executor,
            workers=workers,
        )
        runs[executor] = child(body)
        print(
            f"  {executor:>7} ({workers} worker{'s' if workers > 1 else ''}): "
            f"run {runs[executor]['result']['run_seconds']:.2f} s, "
            f"whole process {runs[executor]['seconds']:.2f} s"
        )
    same = runs["serial"]["result"]["metrics"] == runs["process"]["result"]["metrics"]
    speedup = runs["serial"]["result"]["run_seconds"] / runs["process"]["result"]["run_seconds"]
    whole = runs["serial"]["seconds"] / runs["process"]["seconds"]
    print(
        f"20 replications x {args.days:g} days on {os.cpu_count()} cores: process / serial "
        f"throughput = {speedup:.2f}x for the run ({whole:.2f}x whole process, imports "
        f"included); goal >= 1.7 on 2 cores. Identical results: {same}"
    )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
