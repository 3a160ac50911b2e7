"""A 1,000-product catalogue: time and peak memory, and cost per customer against the
reference system measured in the same run.

1,000 products, 5 customers a day each, 365 days, one replication (about 1.8 million
customers), all restocked by (r, Q) from one supplier with exponential lead times. Goal:
cost per customer within 2x of the one-product reference system's.

Q = 25 gives each product the reference system's days of cover (Q = 100 at 20 a day), and
so four times its replenishment orders per customer; Q = 100 gives the reference's orders
per customer. Both are reported in docs/performance.md.

    python benchmarks/catalogue.py [--order-quantity 25]
"""

from __future__ import annotations

import argparse
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--order-quantity",
        type=int,
        default=25,
        help="Q of every product (25: the reference's days of cover; 100: its orders per customer)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "catalogue.yaml"
        catalogue_scenario(path, args.order_quantity)
        cat = child(simulate_body(str(path), []))
        ref = child(simulate_body(str(HERE / "reference.yaml"), [f"horizon_days={REFERENCE_DAYS}"]))
    cat_customers = cat["result"]["units_demanded"]
    ref_customers = ref["result"]["units_demanded"]
    cat_cost = cat["result"]["run_seconds"] / cat_customers * 1e6
    ref_cost = ref["result"]["run_seconds"] / ref_customers * 1e6
    print(
        f"Catalogue: {PRODUCTS} products x {RATE:g}/day x {DAYS:g} days, one replication, "
        f"(r, Q) = (15, {args.order_quantity})"
    )
    print(
        f"  {cat_customers:,.0f} customers: run {cat['result']['run_seconds']:.2f} s "
        f"({cat_cost:.2f} us per customer), "
        f"loading the file {cat['result']['load_seconds']:.2f} s, "
        f"whole process {cat['seconds']:.2f} s; peak RSS {cat['peak_mb']:.0f} MB; "
        f"{cat['result']['replenishment_orders'] / cat_customers:.3f} replenishment orders "
        "per customer"
    )
    print(f"Reference system ({REFERENCE_DAYS:g} days), same session:")
    print(
        f"  {ref_customers:,.0f} customers: run {ref['result']['run_seconds']:.2f} s "
        f"({ref_cost:.2f} us per customer), whole process {ref['seconds']:.2f} s; "
        f"peak RSS {ref['peak_mb']:.0f} MB; "
        f"{ref['result']['replenishment_orders'] / ref_customers:.3f} replenishment orders "
        "per customer"
    )
    ratio = cat_cost / ref_cost
    print(f"Cost per customer of the run, catalogue / reference: {ratio:.2f}x (goal <= 2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
