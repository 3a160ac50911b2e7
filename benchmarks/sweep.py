"""A 200-point sweep of the reference system, in one run: serially, on a local process pool
and on a Dask LocalCluster (2 workers), as points per second and ratios to serial; plus the
sweep's overhead against the same replications run as plain model calls in one process.

Goals on 2 cores: sweep overhead <= 10%; Dask (2 workers) >= 1.6x serial; pool >= 1.7x.

    python benchmarks/sweep.py [--points 200] [--days 3000] [--replications 2] [--workers 2]
                               [--repeat 3]

Each measurement runs in its own child process. The serial sweep writes its CSV (with
``--out``, so the resume bookkeeping is paid for); the others return their rows, which must
equal the serial ones. The Dask figure is timed on a cluster started (as ``--executor
dask`` starts one, the model preloaded in its workers) before the clock runs; the
cluster's start-up, a few seconds, is reported apart. The baselines, with each
point's scenario prepared beforehand: "plain runs" is one serial ``run_experiment`` per
point (what a loop over ``--set`` values does); "bare model calls" calls the model for
every (point, replication) and summarises nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _measure import child  # noqa: E402

KEY = "products.item.replenishment.reorder_point"

SWEEP = """
import hashlib, json, time
from simulator import load_scenario, sweep
loaded = load_scenario({scenario!r}, sets=["horizon_days={days}", "replications={reps}"])
vary = ["{key}=10:{stop}:1"]
scheduler, cluster = None, None
started = time.perf_counter()
if {executor!r} == "dask":
    from simulator.experiment.dask_executor import local_cluster
    cluster = local_cluster({workers})
    scheduler = cluster.scheduler_address
cluster_seconds = time.perf_counter() - started
began = time.perf_counter()
res = sweep(loaded, vary, executor={executor!r}, workers={workers}, scheduler=scheduler,
            out={out!r})
seconds = time.perf_counter() - began
if cluster is not None:
    cluster.close()
text = json.dumps(res.rows, sort_keys=True)
result = {{"sweep_seconds": seconds, "cluster_seconds": cluster_seconds,
           "rows": len(res.rows), "digest": hashlib.sha256(text.encode()).hexdigest()}}
"""

PLAIN = """
import time
from simulator import load_scenario
from simulator.experiment import run_experiment
from simulator.experiment.grid import apply_settings
from simulator.model import simulation
from simulator.streams import replication_seeds
loaded = load_scenario({scenario!r}, sets=["horizon_days={days}", "replications={reps}"])
points = [apply_settings(loaded, {{{key!r}: value}}) for value in range(10, {stop} + 1)]
began = time.perf_counter()
for at in points:
    if {mode!r} == "runs":
        run_experiment(at, executor="serial")
    else:
        policy = at.policies[0]
        for seed in replication_seeds(at.scenario.seed, {reps}):
            simulation.simulate(policy.scenario, policy.backorder, seed)
result = {{"plain_seconds": time.perf_counter() - began}}
"""


def one_round(common: dict[str, object], args: argparse.Namespace) -> dict[str, float | bool]:
    """Every measurement once, each in its own child; the ratios of this round."""
    calls = child(PLAIN.format(**common, mode="calls"))["result"]["plain_seconds"]
    plain = child(PLAIN.format(**common, mode="runs"))["result"]["plain_seconds"]
    print(f"  plain model calls {calls:.2f} s; plain runs (one per point) {plain:.2f} s")
    runs = {}
    with tempfile.TemporaryDirectory() as folder:
        for executor, workers in (("serial", 1), ("process", args.workers), ("dask", args.workers)):
            out = str(Path(folder) / "grid.csv") if executor == "serial" else None
            body = SWEEP.format(**common, executor=executor, workers=workers, out=out)
            runs[executor] = child(body)["result"]
            seconds = runs[executor]["sweep_seconds"]
            extra = (
                f" (cluster start {runs[executor]['cluster_seconds']:.2f} s, not included)"
                if executor == "dask"
                else ""
            )
            print(
                f"  sweep, {executor:>7} ({workers} worker{'s' if workers > 1 else ''}): "
                f"{seconds:.2f} s, {args.points / seconds:.1f} points/s{extra}"
            )
    serial = runs["serial"]["sweep_seconds"]
    return {
        "overhead_runs": serial / plain - 1,
        "overhead_calls": serial / calls - 1,
        "process": serial / runs["process"]["sweep_seconds"],
        "dask": serial / runs["dask"]["sweep_seconds"],
        "same": len({r["digest"] for r in runs.values()}) == 1,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=200)
    parser.add_argument("--days", type=float, default=3000)
    parser.add_argument("--replications", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; medians are reported")
    args = parser.parse_args()
    common: dict[str, object] = {
        "scenario": str(HERE / "reference.yaml"),
        "days": args.days,
        "reps": args.replications,
        "key": KEY,
        "stop": 10 + args.points - 1,
    }
    print(
        f"{args.points} points x 1 policy x {args.replications} replications of "
        f"{args.days:g} days, {os.cpu_count()} cores, {args.repeat} rounds"
    )
    rounds = []
    for number in range(args.repeat):
        print(f"round {number + 1}:")
        rounds.append(one_round(common, args))

    def median(key: str) -> float:
        return statistics.median(float(r[key]) for r in rounds)

    same = all(r["same"] for r in rounds)
    print(
        f"medians over {args.repeat} rounds:\n"
        f"  sweep overhead vs plain runs: {100 * median('overhead_runs'):+.1f}% (goal <= 10%); "
        f"vs bare model calls: {100 * median('overhead_calls'):+.1f}%\n"
        f"  process pool / serial: {median('process'):.2f}x (goal >= 1.7)\n"
        f"  Dask LocalCluster / serial: {median('dask'):.2f}x (goal >= 1.6)\n"
        f"  identical rows on every executor: {same}"
    )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
