"""backorder-sim: simulate a store, its customers and its suppliers to compare backorder policies.

The library API, for notebooks and scripts::

    from simulator import compare, load_scenario, run

    result = run("holiday.yaml", replications=20)  # every policy, common random numbers
    print(result.table())  # policies side by side: mean ± 95% half-width
    data = result.to_dict()  # the JSON of `backorder-sim run --format json`
    verdict = compare("holiday.yaml")  # paired differences, ranking, recommendation
    print(verdict.recommendation)

Names are imported on first use, so ``import simulator`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.api import compare, load_scenario, run, trace, write_report
    from simulator.experiment.compare import CompareResult
    from simulator.experiment.errors import ExperimentError
    from simulator.experiment.result import PolicyResult, RunResult
    from simulator.metrics.summary import Summary
    from simulator.scenario import LoadedScenario, ScenarioError

__all__ = [
    "CompareResult",
    "ExperimentError",
    "LoadedScenario",
    "PolicyResult",
    "RunResult",
    "ScenarioError",
    "Summary",
    "__version__",
    "compare",
    "load_scenario",
    "run",
    "trace",
    "write_report",
]

_LAZY: dict[str, str] = {
    "compare": "simulator.api",
    "CompareResult": "simulator.experiment.compare",
    "load_scenario": "simulator.api",
    "run": "simulator.api",
    "trace": "simulator.api",
    "write_report": "simulator.api",
    "ExperimentError": "simulator.experiment.errors",
    "PolicyResult": "simulator.experiment.result",
    "RunResult": "simulator.experiment.result",
    "Summary": "simulator.metrics.summary",
    "LoadedScenario": "simulator.scenario",
    "ScenarioError": "simulator.scenario",
}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("backorder-sim")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        value: Any = _version()
    elif name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
