"""Which metrics a table shows, under which heading: the short default, ``--metrics``, ``--all``.

Light on purpose (no rich, no numpy): the command line checks ``--metrics`` names with it
before any simulation starts.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from simulator.metrics.record import STORE_METRICS, SUPPLIER_METRICS

GROUPS: dict[str, tuple[str, ...]] = {
    "service": (
        "fill_rate",
        "order_fill_rate",
        "eventual_fill_rate",
        "backorder_rate",
        "lost_sales_rate",
        "cancellation_rate",
        "unserved_rate",
    ),
    "waiting": (
        "mean_wait_days",
        "p50_wait_days",
        "p90_wait_days",
        "p95_wait_days",
        "max_wait_days",
        "mean_wait_all_units_days",
        "mean_quoted_wait_days",
        "eta_on_time_rate",
        "eta_mean_lateness_days",
    ),
    "stock": (
        "mean_on_hand_units",
        "mean_backlog_units",
        "mean_on_order_units",
        "ready_rate",
        "replenishment_orders",
        "backup_share",
    ),
    "money": (
        "revenue",
        "retained_revenue",
        "lost_revenue",
        "purchase_cost",
        "ordering_cost",
        "holding_cost",
        "backlog_penalty_cost",
        "lost_sale_penalty_cost",
        "profit",
    ),
    "units": (
        "units_demanded",
        "units_filled_immediately",
        "units_filled_from_backorder",
        "units_backordered",
        "units_refused",
        "units_declined",
        "units_cancelled",
        "open_backlog_units_end",
    ),
}
"""Every store metric under its heading, in the order tables list them. A metric in no
group (one added later) is listed under ``other``."""

OTHER = "other"
"""The heading of metrics in no group."""

SHORT: dict[str, tuple[str, ...]] = {
    "service": ("fill_rate", "eventual_fill_rate", "lost_sales_rate", "cancellation_rate"),
    "waiting": ("mean_wait_days", "p90_wait_days", "mean_quoted_wait_days", "eta_on_time_rate"),
    "stock": ("mean_on_hand_units", "mean_backlog_units", "mean_on_order_units", "backup_share"),
    "money": (
        "revenue",
        "retained_revenue",
        "purchase_cost",
        "ordering_cost",
        "holding_cost",
        "backlog_penalty_cost",
        "lost_sale_penalty_cost",
        "profit",
    ),
}
"""The default table: what a planner reads first. Rows that cannot say anything in a run
are left out (see :mod:`simulator.reporting.table`)."""

COSTS: frozenset[str] = frozenset(
    {"purchase_cost", "ordering_cost", "holding_cost", "backlog_penalty_cost"}
    | {"lost_sale_penalty_cost"}
)
"""The costs that profit subtracts; a cost that is 0 everywhere was not set."""


def group_of(metric: str) -> str:
    """The heading a store metric is listed under."""
    for group, names in GROUPS.items():
        if metric in names:
            return group
    return OTHER


def known_metrics() -> tuple[str, ...]:
    """Every metric name a table row can show: store metrics, then supplier metrics."""
    return (*STORE_METRICS, *SUPPLIER_METRICS)


def parse_metrics(text: str, known: Iterable[str] | None = None) -> list[str]:
    """The metric names of ``--metrics a,b,...`` in the order given (repeats dropped).

    Raises ValueError naming an unknown metric, with the closest known one.
    """
    choices = list(known if known is not None else known_metrics())
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise ValueError(f"expected metric names separated by commas, got {text!r}")
    for name in names:
        if name not in choices:
            close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ValueError(f"unknown metric '{name}'{hint}")
    return list(dict.fromkeys(names))


def grouped(names: Sequence[str]) -> dict[str, list[str]]:
    """Store metrics under their headings (in the order of :data:`GROUPS`, ``other``
    last), each heading's metrics in the order given."""
    out: dict[str, list[str]] = {group: [] for group in (*GROUPS, OTHER)}
    for name in names:
        out[group_of(name)].append(name)
    return {group: metrics for group, metrics in out.items() if metrics}
