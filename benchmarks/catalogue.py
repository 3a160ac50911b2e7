"""A 1,000-product catalogue: time and peak memory, and cost per customer against the
reference system measured in the same run; and one replication of a 100,000-product
catalogue spread over 2 workers (below).

1,000 products, 5 customers a day each, 365 days, one replication (about 1.8 million
customers), all restocked by (r, Q) = (15, Q) from one supplier with exponential lead times
(mean 3 days). Goal: cost per customer within 2x of the one-product reference system's.

Two settings are measured, because a replenishment cycle (an order, its delivery, the
allocation of what arrives) costs far more than a customer booked in a run:
  Q = 100: the reference's replenishment orders per customer (0.01), the like-for-like
           catalogue;
  Q = 25:  the reference's days of cover, so four times its orders per customer.
Each catalogue run is paired with a reference run, each in a fresh process; the median of
the paired ratios over --repeat pairs is reported. Cost is CPU time of the run (building
the model, simulating, summarising), which steal from other machines' work disturbs less
than wall time; wall times are printed too.

A second point, 100,000 products (--big-products), runs one replication of a shorter
horizon (--big-days, default 30 days: 15 million customers, where 365 days would take
several minutes a run) serially, on the process pool and on a Dask LocalCluster, 2 workers
each (--workers): there the replication is cut into pieces of independent parts that run
as tasks (simulator/experiment/parts.py). Each run is a fresh process; the scenario is
built from a generated mapping, and its load time is reported apart (loading the same
catalogue from YAML takes longer: benchmarks/catalogue_load.py). The cluster is started
before the clock runs and its start-up reported apart. Reported per executor: wall time
of the run, CPU time (the parent's and its workers'), peak RSS of the parent and of each
worker; the runs' JSON results must be identical. The order of the three runs alternates
from round to round; medians of --big-repeat rounds.

    python benchmarks/catalogue.py [--repeat 5] [--order-quantity 100 --order-quantity 25]
                                   [--big-products 100000] [--big-days 30] [--big-repeat 3]
                                   [--workers 2] [--only-big | --no-big]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import child, simulate_body

HERE = Path(__file__).resolve().parent
PRODUCTS = 1000
RATE = 5.0
DAYS = 365.0
REFERENCE_DAYS = 100_000.0


def catalogue_scenario(path: Path, order_quantity: int = 25) -> None:
    products = {
        f"sku{i:04d}": {
            "price": 10,
            "initial_on_hand": 40,
            "demand": {"rate_per_day": RATE},
            "replenishment": {
                "policy": "rQ",
                "reorder_point": 15,
                "order_quantity": order_quantity,
            },
        }
        for i in range(PRODUCTS)
    }
    scenario = {
        "name": "Catalogue of 1,000 products",
        "seed": 1,
        "horizon_days": DAYS,
        "replications": 1,
        "products": products,
        "suppliers": {"wholesaler": {"lead_time_days": {"dist": "exponential", "mean": 3}}},
        "policies": [{"name": "full-backorders", "backorder": {"allow": True}}],
    }
    path.write_text(yaml.safe_dump(scenario, sort_keys=False))


def _line(label: str, runs: list[dict]) -> str:
    """One setting's medians: run time, cost per customer, peak memory, orders per customer."""
    customers = runs[0]["result"]["units_demanded"]
    cpu = statistics.median(r["result"]["run_cpu_seconds"] for r in runs)
    run = statistics.median(r["result"]["run_seconds"] for r in runs)
    whole = statistics.median(r["seconds"] for r in runs)
    peak = max(r["peak_mb"] for r in runs)
    orders = runs[0]["result"]["replenishment_orders"] / customers
    return (
        f"{label}: {customers:,.0f} customers, run {cpu:.2f} s CPU ({cpu / customers * 1e6:.2f} "
        f"us per customer; {run:.2f} s wall), whole process {whole:.2f} s wall, "
        f"peak RSS {peak:.0f} MB, {orders:.3f} replenishment orders per customer"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--order-quantity",
        type=int,
        action="append",
        help="Q of every product; repeat to measure several (default: 100 and 25)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="paired runs per setting")
    parser.add_argument("--big-products", type=int, default=100_000)
    parser.add_argument("--big-days", type=float, default=30.0)
    parser.add_argument("--big-repeat", type=int, default=3, help="rounds of the big point")
    parser.add_argument("--workers", type=int, default=2, help="workers of the big point")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--only-big", action="store_true", help="measure the big point only")
    which.add_argument("--no-big", action="store_true", help="skip the big point")
    args = parser.parse_args()
    if not args.only_big:
        small(args)
    same = True
    if not args.no_big:
        same = big(args)
    return 0 if same else 1


def small(args: argparse.Namespace) -> None:
    """The 1,000-product catalogue against the reference system, in paired runs."""
    quantities = args.order_quantity or [100, 25]
    reference = simulate_body(str(HERE / "reference.yaml"), [f"horizon_days={REFERENCE_DAYS}"])
    print(
        f"Catalogue: {PRODUCTS} products x {RATE:g}/day x {DAYS:g} days, one replication, "
        f"(r, Q) = (15, Q); reference system: {REFERENCE_DAYS:g} days. "
        f"Medians of {args.repeat} paired runs."
    )
    ref_runs: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        for q in quantities:
            path = Path(tmp) / f"catalogue-{q}.yaml"
            catalogue_scenario(path, q)
            cat_runs, ratios = [], []
            for _ in range(args.repeat):
                cat = child(simulate_body(str(path), []))
                ref = child(reference)
                cat_runs.append(cat)
                ref_runs.append(ref)
                ratios.append(_cost(cat) / _cost(ref))
            print("  " + _line(f"Q = {q}", cat_runs))
            print(
                f"    cost per customer, catalogue / reference: {statistics.median(ratios):.2f}x "
                f"(paired runs: {', '.join(f'{r:.2f}' for r in ratios)}; goal <= 2)"
            )
    print("  " + _line("reference", ref_runs))


BIG = """
import gc, hashlib, json, resource
began = time.perf_counter()
from simulator import load_scenario, run
data = {{
    "name": "Catalogue of {products:,} products", "seed": 1, "horizon_days": {days},
    "replications": 1,
    "suppliers": {{"wholesaler": {{"lead_time_days": {{"dist": "exponential", "mean": 3}}}}}},
    "policies": [{{"name": "full-backorders", "backorder": {{"allow": True}}}}],
    "products": {{
        f"sku{{i:06d}}": {{
            "price": 10, "initial_on_hand": 40, "demand": {{"rate_per_day": {rate}}},
            "replenishment": {{"policy": "rQ", "reorder_point": 15, "order_quantity": 25}},
        }}
        for i in range({products})
    }},
}}
loaded = load_scenario(data)
del data
gc.collect()
load_seconds = time.perf_counter() - began
cluster, client, scheduler, cluster_seconds = None, None, None, 0.0
if {executor!r} == "dask":
    from distributed import Client
    from simulator.experiment.dask_executor import local_cluster
    started = time.perf_counter()
    cluster = local_cluster({workers})
    client = Client(cluster, set_as_default=False)
    scheduler = cluster.scheduler_address
    cluster_seconds = time.perf_counter() - started
    cpu_before = sum(client.run(time.process_time).values())
cpu_at, wall_at = time.process_time(), time.perf_counter()
res = run(loaded, executor={executor!r}, workers={workers}, scheduler=scheduler)
run_seconds = time.perf_counter() - wall_at
parent_cpu = time.process_time() - cpu_at
run_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
worker_cpu, worker_peaks = 0.0, []
if client is not None:
    worker_cpu = sum(client.run(time.process_time).values()) - cpu_before
    peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_peaks = sorted(client.run(peak).values())
    client.close()
    cluster.close()
else:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker_cpu = children.ru_utime + children.ru_stime
    if children.ru_maxrss:
        worker_peaks = [children.ru_maxrss / 1024]
text = json.dumps(res.to_dict(), sort_keys=True)
store = res.policies["full-backorders"].metrics
result = {{
    "load_seconds": load_seconds, "cluster_seconds": cluster_seconds,
    "run_seconds": run_seconds, "parent_cpu": parent_cpu, "worker_cpu": worker_cpu,
    "run_peak_mb": run_peak_mb,
    "worker_peaks": worker_peaks, "customers": store["units_demanded"].mean,
    "digest": hashlib.sha256(text.encode()).hexdigest(),
}}
"""


def big(args: argparse.Namespace) -> bool:
    """One replication of the big catalogue serially, on the pool and on Dask; True when
    all three give identical results."""
    runs: dict[str, list[dict]] = {"serial": [], "process": [], "dask": []}
    order = list(runs)
    print(
        f"Catalogue: {args.big_products:,} products x {RATE:g}/day x {args.big_days:g} days, "
        f"one replication, (r, Q) = (15, 25); serial, process pool and Dask LocalCluster "
        f"({args.workers} workers). Medians of {args.big_repeat} rounds."
    )
    for number in range(args.big_repeat):
        for executor in order if number % 2 == 0 else order[::-1]:
            workers = 1 if executor == "serial" else args.workers
            body = BIG.format(
                products=args.big_products,
                days=args.big_days,
                rate=RATE,
                executor=executor,
                workers=workers,
            )
            measured = child(body)
            runs[executor].append(measured)
            got = measured["result"]
            peaks = ", ".join(f"{p:.0f}" for p in got["worker_peaks"]) or "-"
            start = got["cluster_seconds"]
            started = f", cluster start {start:.1f} s" if start else ""
            print(
                f"  round {number + 1}, {executor:>7}: run {got['run_seconds']:.1f} s wall, "
                f"CPU {got['parent_cpu']:.1f} s parent + {got['worker_cpu']:.1f} s workers; "
                f"peak RSS parent {got['run_peak_mb']:.0f} MB ({measured['peak_mb']:.0f} MB "
                f"with the JSON made after), workers {peaks} MB "
                f"(load {got['load_seconds']:.1f} s{started})"
            )

    def median(executor: str, key: str) -> float:
        return statistics.median(r["result"][key] for r in runs[executor])

    serial = [r["result"]["run_seconds"] for r in runs["serial"]]
    customers = runs["serial"][0]["result"]["customers"]
    print(f"  {customers:,.0f} customers; medians:")
    for executor in runs:
        ratios = [
            s / r["result"]["run_seconds"] for s, r in zip(serial, runs[executor], strict=True)
        ]
        peaks = [max(r["result"]["worker_peaks"], default=0.0) for r in runs[executor]]
        print(
            f"    {executor:>7}: run {median(executor, 'run_seconds'):.1f} s wall "
            f"(serial / this: {statistics.median(ratios):.2f}x, rounds "
            f"{', '.join(f'{x:.2f}' for x in ratios)}), CPU parent "
            f"{median(executor, 'parent_cpu'):.1f} s + workers "
            f"{median(executor, 'worker_cpu'):.1f} s, peak RSS parent "
            f"{median(executor, 'run_peak_mb'):.0f} MB, "
            f"largest worker {statistics.median(peaks):.0f} MB"
        )
    same = len({r["result"]["digest"] for rs in runs.values() for r in rs}) == 1
    print(f"  identical results on every executor: {same}")
    return same


def _cost(measured: dict) -> float:
    """CPU seconds of the run per customer."""
    return measured["result"]["run_cpu_seconds"] / measured["result"]["units_demanded"]


if __name__ == "__main__":
    sys.exit(main())
