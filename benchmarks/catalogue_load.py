"""Loading a 100,000-product catalogue: seconds to read, check and validate it.

Writes a scenario with N products (default 100,000), each with a price, costs, demand with
an order-size distribution, an (r, Q) replenishment and its own sourcing, in block-style
YAML as a planner's export would be. Then, in --repeat paired rounds (alternated, so a busy
machine slows each the same), measures the CPU time of:

- the baseline: PyYAML composing the file's node tree with libyaml (``yaml.compose`` with
  ``CSafeLoader``): the floor of any reader built on PyYAML's node tree;
- the fast reader of plain block YAML alone (``simulator.scenario.yaml_plain``: the data,
  with the line map left to be built when a message needs it), if the checkout has it;
- ``load_scenario`` on it, in this process (read, lines, checks, validation);
- ``backorder-sim validate`` on it, as a whole process (start-up, load, warnings, exit).

It prints the medians and each as a ratio of the baseline of the same rounds, which moves
less with the machine's load than seconds do, and the peak memory of ``validate``. To
measure another checkout of the package (an older commit, for a before/after), put it
first on the path:
``PYTHONPATH=/path/to/checkout python benchmarks/catalogue_load.py``.

    python benchmarks/catalogue_load.py [--products 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import math
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

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


def cpu_without_gc(work: Callable[[], None]) -> float:
    """CPU seconds of ``work()`` (freeing what it made included), the cyclic garbage
    collector off meanwhile (as the loader keeps it; written here, not imported, so that
    an older checkout can be measured)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        start = time.process_time()
        work()
        return time.process_time() - start
    finally:
        if collecting:
            gc.enable()


def compose_cpu(path: Path) -> float:
    """CPU seconds for PyYAML to compose the file's node tree with libyaml (the baseline)."""
    text = path.read_text()
    loader_type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    def compose() -> None:
        loader = loader_type(text)
        loader.get_single_node()
        loader.dispose()

    return cpu_without_gc(compose)


def plain_cpu(path: Path) -> float:
    """CPU seconds of the fast reader alone on the file (NaN if the checkout has none)."""
    try:
        from simulator.scenario.yaml_lines import SafeLineLoader
        from simulator.scenario.yaml_plain import read_plain
    except ImportError:  # an older checkout
        return math.nan
    text = path.read_text()

    def read() -> None:
        assert read_plain(text, path.name, SafeLineLoader("")) is not None, "declined"

    return cpu_without_gc(read)


def load_cpu(path: Path, products: int) -> float:
    """CPU seconds of ``load_scenario`` on the file (and of freeing what it built)."""
    start = time.process_time()
    loaded = load_scenario(path)
    assert len(loaded.scenario.products) == products
    del loaded
    return time.process_time() - start


VALIDATE = [sys.executable, "-c", "import sys; from simulator.cli import main; sys.exit(main())"]
"""``backorder-sim`` run by this Python (so that PYTHONPATH picks the checkout measured)."""


def validate_cpu(path: Path) -> float:
    """CPU seconds (user + system) of a whole ``backorder-sim validate`` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    # run from the file's folder: ``python -c`` puts the working directory first on the path
    done = subprocess.run([*VALIDATE, "validate", path.name], capture_output=True, cwd=path.parent)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert done.returncode == 0, done.stderr.decode()[-500:]
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rounds: dict[str, list[float]] = {"compose": [], "plain": [], "load": [], "validate": []}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "catalogue.yaml"
        write_catalogue(path, args.products)
        size = path.stat().st_size
        for index in range(args.repeat):
            steps = [
                ("compose", lambda: compose_cpu(path)),
                ("plain", lambda: plain_cpu(path)),
                ("load", lambda: load_cpu(path, args.products)),
                ("validate", lambda: validate_cpu(path)),
            ]
            for name, step in steps if index % 2 == 0 else steps[::-1]:
                rounds[name].append(step())
    median = {name: statistics.median(values) for name, values in rounds.items()}
    base = median["compose"]
    print(f"catalogue: {args.products:,} products, {size / 1e6:.1f} MB of YAML")
    print(f"  {'':44s} {'CPU s':>7s}  {'/ baseline':>10s}")
    shown = {
        "compose": "baseline: libyaml node tree (yaml.compose)",
        "plain": "fast reader alone (yaml_plain, lazy lines)",
        "load": "load_scenario (in this process)",
        "validate": "backorder-sim validate (whole process)",
    }
    for name, label in shown.items():
        if not math.isnan(median[name]):
            print(f"  {label:44s} {median[name]:7.2f}  {median[name] / base:9.2f}x")
    print(
        f"  medians of {args.repeat} paired rounds; single rounds: "
        + "; ".join(f"{name} " + ", ".join(f"{v:.1f}" for v in rounds[name]) for name in rounds)
    )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2  # KiB -> GiB
    print(f"  peak memory of validate: {peak:.2f} GB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
