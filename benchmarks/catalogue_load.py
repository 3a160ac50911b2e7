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

from simulator import load_scenario

PRODUCT = """\
  sku{i:06d}:
    price: {price}
    holding_cost_per_unit_day: 0.02
    initial_on_hand: 40
    demand:
      rate_per_day: 0.5
      order_size: {{dist: poisson, mean: 2, min: 1}}
    replenishment: {{policy: rQ, reorder_point: 15, order_quantity: 25}}
    sourcing: {{suppliers: [wholesaler], rule: single}}
"""


def write_catalogue(path: Path, products: int) -> None:
    """A scenario file with `products` products (about 16 values each), written as text."""
    head = (
        f"name: Catalogue of {products:,} products\nhorizon_days: 30\nreplications: 1\n"
        "suppliers:\n  wholesaler: {lead_time_days: {dist: exponential, mean: 3}}\n"
        "policies:\n  - {name: full-backorders, backorder: {allow: true}}\nproducts:\n"
    )
    body = "".join(PRODUCT.format(i=i, price=10 + i % 7) for i in range(products))
    path.write_text(head + body)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "catalogue.yaml"
        write_catalogue(path, args.products)
        size = path.stat().st_size
        times, cpu = [], []
        for _ in range(args.repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            loaded = load_scenario(path)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        assert len(loaded.scenario.products) == args.products
        start = time.perf_counter()
        done = subprocess.run(["backorder-sim", "validate", str(path)], capture_output=True)
        whole = time.perf_counter() - start
        assert done.returncode == 0, done.stderr.decode()[-500:]
    print(f"catalogue: {args.products:,} products, {size / 1e6:.1f} MB of YAML")
    print(
        f"  load_scenario: median {statistics.median(cpu):.1f} s CPU "
        f"({statistics.median(times):.1f} s wall) over {args.repeat} runs"
    )
    print(f"  backorder-sim validate (whole process): {whole:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
