"""What ``optimize`` is asked: the objective, the constraints, the grid, the budget and δ.

The same fields come from the scenario's ``optimize:`` block and from the command line;
an option given on the command line replaces the block's field (never merged with it).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simulator.experiment.errors import ExperimentError, did_you_mean
from simulator.metrics.record import STORE_METRICS

_CONSTRAINT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=)\s*(\S+)\s*$")


def _metric(name: str, what: str) -> str:
    if name not in STORE_METRICS:
        raise ExperimentError(f"{what}: unknown metric {name!r}{did_you_mean(name, STORE_METRICS)}")
    return name


@dataclass(frozen=True)
class Goal:
    """The metric to optimise and whether larger (``max``) or smaller (``min``) is better."""

    metric: str
    goal: str

    def __post_init__(self) -> None:
        _metric(self.metric, "objective")
        if self.goal not in ("max", "min"):
            raise ExperimentError(f"objective: goal (={self.goal!r}) must be 'max' or 'min'")

    @property
    def sign(self) -> float:
        """+1 to maximise, -1 to minimise: sign × value is "larger is better"."""
        return 1.0 if self.goal == "max" else -1.0

    def to_dict(self) -> dict[str, str]:
        """``{"metric", "goal"}``."""
        return {"metric": self.metric, "goal": self.goal}


def parse_goal(text: str) -> Goal:
    """``"METRIC:max"`` or ``"METRIC:min"`` (``"METRIC"`` alone maximises)."""
    metric, _, goal = text.strip().partition(":")
    return Goal(metric.strip(), goal.strip() or "max")


@dataclass(frozen=True)
class Constraint:
    """A service level that must hold: ``metric >= value`` or ``metric <= value``."""

    metric: str
    op: str
    value: float

    def __post_init__(self) -> None:
        _metric(self.metric, f"constraint {self}")
        if self.op not in (">=", "<="):
            raise ExperimentError(f"constraint {self}: the operator must be >= or <=")
        if not math.isfinite(self.value):
            raise ExperimentError(f"constraint {self}: the value must be a finite number")

    def __str__(self) -> str:
        return f"{self.metric}{self.op}{self.value:g}"

    def shortfall(self, estimate: float | None) -> float:
        """How far ``estimate`` is from meeting the constraint (0 when it does; inf if None)."""
        if estimate is None:
            return math.inf
        gap = self.value - estimate if self.op == ">=" else estimate - self.value
        return max(0.0, gap)

    def to_dict(self) -> dict[str, Any]:
        """``{"metric", "op", "value"}``."""
        return {"metric": self.metric, "op": self.op, "value": self.value}


def parse_constraint(text: str) -> Constraint:
    """``"METRIC>=VALUE"`` or ``"METRIC<=VALUE"``, e.g. ``"fill_rate>=0.95"``."""
    found = _CONSTRAINT.match(text)
    if found is None:
        raise ExperimentError(
            f"constraint {text!r}: must be METRIC>=VALUE or METRIC<=VALUE, e.g. fill_rate>=0.95"
        )
    metric, op, raw = found.groups()
    try:
        value = float(raw)
    except ValueError:
        raise ExperimentError(f"constraint {text!r}: {raw!r} is not a number") from None
    return Constraint(metric, op, value)


@dataclass(frozen=True)
class OptimizeSpec:
    """Everything the search needs besides the scenario and the run options."""

    vary: dict[str, list[Any]]
    """Each varied dotted key and its values, in the order given (the first varies slowest)."""
    goal: Goal
    """The objective."""
    constraints: tuple[Constraint, ...]
    """Every constraint; a candidate is feasible when it meets all of them with confidence."""
    budget: int | None
    """The most replications the whole search may simulate (None: no cap but the grid's)."""
    indifference: float | None
    """δ: differences smaller than this do not matter (None: 1% of the best first-stage
    objective, see :func:`default_indifference`)."""


def build_spec(
    block: Mapping[str, Any] | None,
    scenario_objective: Mapping[str, str],
    *,
    vary: Sequence[str] = (),
    objective: str | None = None,
    constraints: Sequence[str] = (),
    budget: int | None = None,
    indifference: float | None = None,
) -> OptimizeSpec:
    """The spec from the scenario's ``optimize:`` block (as plain data) and the options.

    Each option that is given replaces the block's field. The objective defaults to the
    block's, then to the scenario's top-level ``objective``. Raises ExperimentError.
    """
    from simulator.experiment.grid import parse_vary

    block = dict(block or {})
    grid: dict[str, list[Any]] = {}
    if vary:
        for spec in vary:
            key, values = parse_vary(spec)
            if key in grid:
                raise ExperimentError(f"--vary {key}: given twice")
            grid[key] = list(values)
    else:
        for key, values in (block.get("vary") or {}).items():
            if isinstance(values, str):
                grid[key] = _block_range(key, values)
            else:
                grid[key] = list(values)
    if not grid:
        raise ExperimentError(
            "nothing to vary: give --vary KEY=START:STOP:STEP (or KEY=V1,V2,...), "
            "or an optimize: {vary: ...} block in the scenario"
        )
    for key, values in grid.items():
        if not values:
            raise ExperimentError(f"vary {key}: no values")
    if objective is not None:
        goal = parse_goal(objective)
    elif block.get("objective") is not None:
        goal = Goal(**block["objective"])
    else:
        goal = Goal(**scenario_objective)
    texts = list(constraints) if constraints else list(block.get("constraints") or [])
    parsed = tuple(parse_constraint(text) for text in texts)
    cap = budget if budget is not None else block.get("budget")
    if cap is not None and cap < 1:
        raise ExperimentError(f"budget (={cap}) must be >= 1")
    delta = indifference if indifference is not None else block.get("indifference")
    if delta is not None and not delta > 0:
        raise ExperimentError(f"indifference (={delta}) must be > 0")
    return OptimizeSpec(grid, goal, parsed, cap, None if delta is None else float(delta))


def _block_range(key: str, text: str) -> list[Any]:
    """The values of a ``START:STOP:STEP`` string in the ``optimize.vary`` block."""
    from simulator.experiment.grid import parse_vary

    where = f"optimize.vary.{key}"
    try:
        values = parse_vary(f"{key}={text}")[1]
    except ExperimentError as exc:
        raise ExperimentError(str(exc).replace(f"--vary {key}", where, 1)) from None
    if len(values) == 1 and isinstance(values[0], str):
        raise ExperimentError(f"{where}: must be a list of values or START:STOP:STEP, got {text!r}")
    return list(values)


def default_indifference(best_mean: float) -> float:
    """The default δ: 1% of the magnitude of the best first-stage mean of the objective
    (0.01 when that mean is 0)."""
    scale = abs(best_mean)
    return 0.01 * scale if scale > 0 else 0.01
