"""Start-up time of the command line against a bare Python interpreter, in one session.

Measures, alternating the commands in every round so that a busy machine disturbs them
alike:
  - ``python -c pass`` (the baseline: the interpreter and site start-up alone);
  - ``backorder-sim --help``;
  - ``backorder-sim validate scenarios/quickstart.yaml``;
  - ``python -c "import simulator"`` (the package alone).
Each is a fresh process, started the way a shell starts it (the console script of this
environment). Reported: the median wall time, and its excess over the baseline's median.

Goals (issue 15): ``--help`` within 0.15 s of bare Python, ``validate quickstart.yaml``
within 0.4 s in all.

    python benchmarks/startup.py            # 15 rounds
    python benchmarks/startup.py --repeat 31
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"


def commands() -> dict[str, list[str]]:
    """The commands to time, by label."""
    script = shutil.which("backorder-sim", path=str(Path(sys.executable).parent))
    cli = [script] if script else [sys.executable, "-c", "from simulator.cli import main; main()"]
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "import simulator": [sys.executable, "-c", "import simulator"],
        "backorder-sim --help": [*cli, "--help"],
        "backorder-sim validate quickstart.yaml": [*cli, "validate", str(QUICKSTART)],
    }


def timed(argv: list[str]) -> float:
    """Wall time of one run of ``argv`` (its output discarded); it must succeed."""
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="rounds (default 15)")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _measure import compile_package

    print(compile_package())
    todo = commands()
    times: dict[str, list[float]] = {label: [] for label in todo}
    for argv in todo.values():  # warm the file cache once
        timed(argv)
    for round_ in range(args.repeat):
        labels = list(todo) if round_ % 2 == 0 else list(reversed(todo))
        for label in labels:
            times[label].append(timed(todo[label]))
    base = statistics.median(times["python -c pass"])
    print(f"{'command':42s} {'median s':>9s} {'min s':>7s} {'over python':>12s}")
    for label, values in times.items():
        median = statistics.median(values)
        print(f"{label:42s} {median:9.3f} {min(values):7.3f} {median - base:+12.3f}")
    help_over = statistics.median(times["backorder-sim --help"]) - base
    validate = statistics.median(times["backorder-sim validate quickstart.yaml"])
    print(f"--help over bare python: {help_over:.3f} s (goal <= 0.15)")
    print(f"validate quickstart.yaml: {validate:.3f} s (goal <= 0.40)")


if __name__ == "__main__":
    main()
