"""Loading a 100,000-product catalogue: seconds to read, check and validate it.

Writes a scenario with N products (default 100,000), each with a price, costs, demand with
an order-size distribution, an (r, Q) replenishment and its own sourcing, in block-style
YAML as a planner's export would be, then times ``load_scenario`` on it (median of
--repeat runs in this process) and ``backorder-sim validate`` as a whole process.

    python benchmarks/catalogue_load.py [--products 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from simulator import load_scenario


def write_catalogue(path: Path, products: int) -> None:
    """A scenario file with `products` products (about 16 values each)."""
    catalogue = {
        f"sku{i:06d}": {
            "price": 10 + i % 7,
            "holding_cost_per_unit_day": 0.02,
            "initial_on_hand": 40,
            "demand": {"rate_per_day": 0.5, "order_size": {"dist": "poisson", "mean": 2, "min": 1}},
            "replenishment": {"policy": "rQ", "reorder_point": 15, "order_quantity": 25},
            "sourcing": {"suppliers": ["wholesaler"], "rule": "single"},
        }
        for i in range(products)
    }
    scenario = {
        "name": f"Catalogue of {products:,} products",
        "horizon_days": 30,
        "replications": 1,
        "products": catalogue,
        "suppliers": {"wholesaler": {"lead_time_days": {"dist": "exponential", "mean": 3}}},
        "policies": [{"name": "full-backorders", "backorder": {"allow": True}}],
    }
    path.write_text(yaml.safe_dump(scenario, sort_keys=False, width=200))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "catalogue.yaml"
        write_catalogue(path, args.products)
        size = path.stat().st_size
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            loaded = load_scenario(path)
            times.append(time.perf_counter() - start)
        assert len(loaded.scenario.products) == args.products
        start = time.perf_counter()
        done = subprocess.run(["backorder-sim", "validate", str(path)], capture_output=True)
        whole = time.perf_counter() - start
        assert done.returncode == 0, done.stderr.decode()[-500:]
    print(f"catalogue: {args.products:,} products, {size / 1e6:.1f} MB of YAML")
    print(f"  load_scenario: median {statistics.median(times):.1f} s over {args.repeat} runs")
    print(f"  backorder-sim validate (whole process): {whole:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
