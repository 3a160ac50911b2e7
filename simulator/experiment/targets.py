"""Precision targets: what ``--precision METRIC=HALF_WIDTH`` asks for and what a run reached.

The loop that adds replications until the targets are met is in
:mod:`simulator.experiment.precision`; these are its plain data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from simulator.experiment.errors import ExperimentError, did_you_mean
from simulator.metrics.record import STORE_METRICS

DEFAULT_MAX_REPLICATIONS = 1000
"""The cap on replications when targets are given without ``--max-replications``."""


@dataclass(frozen=True)
class PrecisionTarget:
    """The widest 95% half-width accepted for one store-level metric."""

    metric: str
    """A store-level metric name (DESIGN §2)."""
    half_width: float
    """The target half-width: in the metric's units, or a fraction of the baseline mean's
    magnitude when ``relative`` (0.01 for ``1%``)."""
    relative: bool = False
    """True for a ``%`` target."""

    def __post_init__(self) -> None:
        if self.metric not in STORE_METRICS:
            raise ExperimentError(
                f"--precision: unknown metric {self.metric!r}"
                f"{did_you_mean(self.metric, STORE_METRICS)}"
            )
        if not (math.isfinite(self.half_width) and self.half_width > 0):
            raise ExperimentError(
                f"--precision {self.metric}: the half-width must be a number > 0, "
                f"got {self.half_width!r}"
            )

    def __str__(self) -> str:
        if self.relative:
            return f"{self.metric}={100.0 * self.half_width:g}%"
        return f"{self.metric}={self.half_width:g}"

    def absolute(self, baseline_mean: float | None) -> float | None:
        """The target in the metric's units; None when a relative target has no baseline
        mean to scale (undefined, or 0)."""
        if not self.relative:
            return self.half_width
        if baseline_mean is None or baseline_mean == 0.0:
            return None
        return self.half_width * abs(baseline_mean)


def parse_precision(spec: str) -> PrecisionTarget:
    """``"profit=500"`` or ``"fill_rate=0.5%"`` as a target; ExperimentError if malformed."""
    metric, sep, value = spec.partition("=")
    metric, value = metric.strip(), value.strip()
    if not sep or not metric or not value:
        raise ExperimentError(
            f"--precision: expected METRIC=HALF_WIDTH or METRIC=PERCENT%, got {spec!r}"
        )
    relative = value.endswith("%")
    number = value[:-1].strip() if relative else value
    try:
        half = float(number)
    except ValueError:
        raise ExperimentError(
            f"--precision {metric}: the half-width must be a number > 0, got {value!r}"
        ) from None
    return PrecisionTarget(metric, half / 100.0 if relative else half, relative)


@dataclass(frozen=True)
class TargetCheck:
    """One target measured on one interval (a policy's, or a paired difference's)."""

    target: PrecisionTarget
    """What was asked for."""
    subject: str
    """Which interval: a policy name, or ``"POLICY - BASELINE"`` for a paired difference."""
    wanted: float | None
    """The target half-width in the metric's units (None: a relative target without a
    baseline mean to scale)."""
    reached: float | None
    """The half-width reached (None: no interval yet, fewer than 2 defined values)."""

    @property
    def met(self) -> bool:
        """True when the interval is at least as narrow as the target."""
        return self.wanted is not None and self.reached is not None and self.reached <= self.wanted

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "metric": self.target.metric,
            "target": str(self.target),
            "of": self.subject,
            "half_width_wanted": self.wanted,
            "half_width_reached": self.reached,
            "met": self.met,
        }


@dataclass(frozen=True)
class PrecisionOutcome:
    """How a run with precision targets ended."""

    targets: tuple[PrecisionTarget, ...]
    """The targets, in the order given."""
    checks: tuple[TargetCheck, ...]
    """Every target on every interval it applies to, at the end."""
    replications: int
    """Replications run (per policy)."""
    max_replications: int
    """The cap."""
    history: tuple[int, ...]
    """The replication counts at which the targets were checked, in order; the last is
    ``replications``."""

    @property
    def met(self) -> bool:
        """True when every target was met."""
        return all(check.met for check in self.checks)

    def message(self) -> str:
        """One line: met after n replications, or stopped at the cap with what was reached."""
        if self.met:
            return (
                f"precision target met after {self.replications} replications "
                f"({', '.join(str(t) for t in self.targets)})"
            )
        missed = [check for check in self.checks if not check.met]
        parts = []
        for check in missed:
            reached = "no interval" if check.reached is None else f"±{check.reached:,.4g}"
            wanted = "undefined" if check.wanted is None else f"±{check.wanted:,.4g}"
            parts.append(f"{check.target.metric} of {check.subject}: {reached} (target {wanted})")
        return (
            f"precision target not met: stopped at the cap of {self.max_replications} "
            f"replications; reached " + "; ".join(parts)
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (the ``"precision"`` key of a run or compare document)."""
        return {
            "targets": [str(t) for t in self.targets],
            "met": self.met,
            "replications": self.replications,
            "max_replications": self.max_replications,
            "checked_at": list(self.history),
            "checks": [check.to_dict() for check in self.checks],
            "message": self.message(),
        }
