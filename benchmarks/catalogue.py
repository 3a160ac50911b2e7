"""A 1,000-product catalogue: time and peak memory, and cost per customer against the
reference system measured in the same run.

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

    python benchmarks/catalogue.py [--repeat 5] [--order-quantity 100 --order-quantity 25]
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
    args = parser.parse_args()
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
    return 0


def _cost(measured: dict) -> float:
    """CPU seconds of the run per customer."""
    return measured["result"]["run_cpu_seconds"] / measured["result"]["units_demanded"]


if __name__ == "__main__":
    sys.exit(main())
