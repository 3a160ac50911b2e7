"""What a run produced: per policy, every metric summarised across replications."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulator.collector import paused_gc
from simulator.experiment.rendering import render
from simulator.experiment.targets import PrecisionOutcome
from simulator.metrics.record import STORE_METRICS, ReplicationMetrics, Value
from simulator.metrics.summary import Summary


def _metrics_dict(summaries: dict[str, Summary]) -> dict[str, dict[str, float | int | None]]:
    return {name: summary.to_dict() for name, summary in summaries.items()}


@dataclass(frozen=True)
class PolicyResult:
    """One policy's results: summaries at store, product and supplier level."""

    name: str
    """The policy's name, as in the scenario file."""
    metrics: dict[str, Summary]
    """Store-level summaries (all products pooled), keyed by metric name (DESIGN §2)."""
    products: dict[str, dict[str, Summary]]
    """Per product id, summaries keyed by metric name."""
    suppliers: dict[str, dict[str, Summary]]
    """Per supplier id, summaries keyed by supplier metric name."""
    replications: list[ReplicationMetrics] = field(repr=False)
    """The raw metrics of each replication, in replication order (for paired differences:
    element r of every policy comes from the same customers)."""

    def values(self, metric: str, product: str | None = None) -> list[Value]:
        """``metric``'s value in each replication, in replication order; None where it is
        undefined. Store level, or ``product``'s own metrics when a product id is given.

        A KeyError names an unknown metric or product.
        """
        known = STORE_METRICS if not self.replications else self.replications[0].store
        if metric not in known:
            raise KeyError(f"unknown metric {metric!r}; known: {', '.join(known)}")
        if product is None:
            return [rep.store.get(metric) for rep in self.replications]
        if product not in self.products:
            raise KeyError(f"unknown product {product!r}; known: {', '.join(self.products)}")
        return [rep.products.get(product, {}).get(metric) for rep in self.replications]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of one policy: ``{"metrics", "products", "suppliers"}``."""
        return {
            "metrics": _metrics_dict(self.metrics),
            "products": {pid: {"metrics": _metrics_dict(m)} for pid, m in self.products.items()},
            "suppliers": {sid: {"metrics": _metrics_dict(m)} for sid, m in self.suppliers.items()},
        }


@dataclass(frozen=True)
class RunResult:
    """The outcome of running some policies of a scenario over common replications."""

    scenario: str
    """The scenario's name."""
    seed: int
    """The seed the replications were drawn from; the same seed gives the same numbers."""
    replications: int
    """Replications per policy."""
    window_days: float
    """Length of the measurement window: horizon_days - warmup_days."""
    policies: dict[str, PolicyResult]
    """Per policy name, in the scenario's order (the baseline first when it was run)."""
    precision: PrecisionOutcome | None = None
    """How the precision targets ended, when replications were added until they were met
    (None for a fixed number of replications)."""

    def __repr__(self) -> str:
        return (
            f"RunResult(scenario={self.scenario!r}, policies={list(self.policies)!r}, "
            f"replications={self.replications}, seed={self.seed}, "
            f"window_days={self.window_days:g})"
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of DESIGN §4 (plain dicts, lists, numbers, None), plus
        ``"precision"`` (:meth:`PrecisionOutcome.to_dict`) when targets were given."""
        with paused_gc():  # millions of small dicts for a big catalogue, and no cycles
            return self._to_dict()

    def _to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "replications": self.replications,
            "window_days": self.window_days,
            "policies": {name: policy.to_dict() for name, policy in self.policies.items()},
            **({} if self.precision is None else {"precision": self.precision.to_dict()}),
        }

    def values(self, metric: str, product: str | None = None) -> dict[str, list[Value]]:
        """Per policy, ``metric``'s value in each replication, in replication order
        (None where undefined): the raw material for a notebook's own statistics. Element
        r of every policy comes from the same customers, so they can be paired."""
        return {name: policy.values(metric, product) for name, policy in self.policies.items()}

    # Conveniences for notebooks. The reporting layer sits above this one and registers
    # the renderers (simulator.experiment.rendering); these look them up.

    def table(
        self,
        *,
        width: int | None = None,
        metrics: list[str] | None = None,
        all_metrics: bool = False,
        products: bool = False,
    ) -> str:
        """The results as a plain-text table: policies as columns, ``mean ± half-width``;
        ``width`` (default 80), ``metrics``, ``all_metrics`` and ``products`` as
        ``--metrics``, ``--all`` and ``--products`` (see
        :func:`simulator.reporting.table.render_table`)."""
        text: str = render(
            self, "table", width=width, metrics=metrics, all_metrics=all_metrics, products=products
        )
        return text

    def to_json(self) -> str:
        """The results as the JSON text ``--format json`` prints."""
        text: str = render(self, "json")
        return text

    def to_csv(self) -> str:
        """The results as the CSV text ``--format csv`` prints (one row per metric)."""
        text: str = render(self, "csv")
        return text

    def _repr_html_(self) -> str:
        """The results as an HTML table (Jupyter shows it)."""
        text: str = render(self, "html")
        return text

    def to_frame(self, level: str = "store") -> Any:
        """A pandas DataFrame, one row per policy and metric (``policy, metric, mean, sd,
        ci95_low, ci95_high, n``); ``level`` ``"products"`` or ``"suppliers"`` adds a
        ``product`` or ``supplier`` column. Needs pandas (the ``frames`` extra)."""
        return render(self, "frame", level=level)
