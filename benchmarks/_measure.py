"""Run a piece of Python in a fresh child process and report its time and peak memory.

Each measurement gets its own interpreter, so peak RSS is that run's alone.
"""

from __future__ import annotations

import compileall
import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

_WRAPPER = """
import json, resource, time
start = time.perf_counter()
{body}
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": seconds, "peak_mb": peak_mb, "result": result}}))
"""


def child(body: str) -> dict:
    """Run ``body`` (which must set ``result`` to something JSON-able) in a new process."""
    code = _WRAPPER.format(body=textwrap.dedent(body).strip())
    proc = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def simulate_body(
    scenario: str, sets: list[str], executor: str = "serial", workers: int = 1
) -> str:
    """Child code that loads ``scenario`` with ``sets`` and runs it; result = store metrics,
    plus ``load_seconds`` and ``run_seconds`` (the simulation and its summary), and
    ``run_cpu_seconds`` (the same in CPU time of this process, which a busy shared machine
    disturbs less)."""
    return f"""
from simulator import load_scenario, run
began = time.perf_counter()
loaded = load_scenario({scenario!r}, sets={sets!r})
loaded_at = time.perf_counter()
cpu_at = time.process_time()
res = run(loaded, executor={executor!r}, workers={workers}).to_dict()
ran_at = time.perf_counter()
cpu_seconds = time.process_time() - cpu_at
policy = next(iter(res["policies"].values()))
result = {{k: v["mean"] for k, v in policy["metrics"].items()}}
result["load_seconds"] = loaded_at - began
result["run_seconds"] = ran_at - loaded_at
result["run_cpu_seconds"] = cpu_seconds
"""


def compile_package() -> str:
    """Byte-compile the ``simulator`` package where it is imported from, as installing it does,
    and say so (a line for the benchmark's output).

    ``pip install`` writes every module's bytecode, and a checkout gets it on its first
    import; but where ``PYTHONDONTWRITEBYTECODE`` is set (or the tree is read-only) none is
    ever written, and every new process compiles the whole package again (about 0.07 s on
    the reference machine), a cost no installed copy pays. Whole-process benchmarks call
    this first, so that they time what a user runs. It changes nothing where the bytecode
    is already there."""
    spec = importlib.util.find_spec("simulator")
    if spec is None or spec.origin is None:
        return "(the simulator package is not importable here: nothing byte-compiled)"
    package = Path(spec.origin).parent
    compileall.compile_dir(package, quiet=1)
    return f"(the simulator package at {package} byte-compiled first, as an install is)"
