"""backorder-sim: simulate a store, its customers and its suppliers to compare backorder policies.

The library API, for notebooks and scripts::

    from simulator import compare, load_scenario, run, sweep

    result = run("holiday.yaml", replications=20)  # every policy, common random numbers
    print(result.table())  # policies side by side: mean ± 95% half-width
    data = result.to_dict()  # the JSON of `backorder-sim run --format json`
    verdict = compare("holiday.yaml")  # paired differences, ranking, recommendation
    print(verdict.recommendation)
    grid = sweep("holiday.yaml", ["products.widget.replenishment.reorder_point=80:160:20"])
    grid.rows  # one row per point and policy, as `backorder-sim sweep` writes them

Names are imported on first use, so ``import simulator`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.api import (
        compare,
        fit,
        load_scenario,
        optimize,
        run,
        sweep,
        trace,
        write_report,
    )
    from simulator.experiment.compare import CompareResult
    from simulator.experiment.errors import ExperimentError
    from simulator.experiment.optimize_answer import OptimizeResult
    from simulator.experiment.result import PolicyResult, RunResult
    from simulator.experiment.sweep import SweepResult
    from simulator.fitting import FitResult
    from simulator.history import HistoryError
    from simulator.metrics.summary import Summary
    from simulator.scenario import LoadedScenario, ScenarioError

__all__ = [
    "CompareResult",
    "ExperimentError",
    "FitResult",
    "HistoryError",
    "LoadedScenario",
    "OptimizeResult",
    "PolicyResult",
    "RunResult",
    "ScenarioError",
    "Summary",
    "SweepResult",
    "__version__",
    "compare",
    "fit",
    "load_scenario",
    "optimize",
    "run",
    "sweep",
    "trace",
    "write_report",
]

_LAZY: dict[str, str] = {
    "compare": "simulator.api",
    "CompareResult": "simulator.experiment.compare",
    "load_scenario": "simulator.api",
    "run": "simulator.api",
    "optimize": "simulator.api",
    "OptimizeResult": "simulator.experiment.optimize_answer",
    "sweep": "simulator.api",
    "SweepResult": "simulator.experiment.sweep",
    "fit": "simulator.api",
    "FitResult": "simulator.fitting",
    "HistoryError": "simulator.history",
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
