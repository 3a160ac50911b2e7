"""The metrics of one replication: the names of DESIGN.md §2 and the record that holds them."""

from __future__ import annotations

from dataclasses import dataclass, field

Value = float | None
"""A metric value; None when its denominator is zero in this replication (undefined)."""

STORE_METRICS: tuple[str, ...] = (
    "fill_rate",
    "order_fill_rate",
    "eventual_fill_rate",
    "backorder_rate",
    "lost_sales_rate",
    "cancellation_rate",
    "unserved_rate",
    "mean_wait_days",
    "p50_wait_days",
    "p90_wait_days",
    "p95_wait_days",
    "max_wait_days",
    "mean_wait_all_units_days",
    "mean_quoted_wait_days",
    "eta_on_time_rate",
    "eta_mean_lateness_days",
    "mean_backlog_units",
    "mean_on_hand_units",
    "mean_on_order_units",
    "ready_rate",
    "replenishment_orders",
    "revenue",
    "retained_revenue",
    "lost_revenue",
    "purchase_cost",
    "ordering_cost",
    "holding_cost",
    "backlog_penalty_cost",
    "lost_sale_penalty_cost",
    "profit",
    "backup_share",
    "units_demanded",
    "units_filled_immediately",
    "units_filled_from_backorder",
    "units_backordered",
    "units_refused",
    "units_declined",
    "units_cancelled",
    "open_backlog_units_end",
)
"""Every store-level (and per-product) metric, in the order reports list them."""

MONEY_METRICS: frozenset[str] = frozenset(
    {
        "revenue",
        "retained_revenue",
        "lost_revenue",
        "purchase_cost",
        "ordering_cost",
        "holding_cost",
        "backlog_penalty_cost",
        "lost_sale_penalty_cost",
        "profit",
        "spend",
    }
)
"""Metrics in currency units (over the measurement window)."""

RATE_METRICS: frozenset[str] = frozenset({"backup_share"})
"""Fractions in [0, 1] besides the ``*_rate`` metrics."""


def is_money(metric: str) -> bool:
    """True for a metric in currency units."""
    return metric in MONEY_METRICS or metric.endswith(("_cost", "_revenue"))


def is_rate(metric: str) -> bool:
    """True for a metric that is a fraction in [0, 1] (a rate or a share)."""
    return metric.endswith(("_rate", "_share")) or metric in RATE_METRICS


SUPPLIER_METRICS: tuple[str, ...] = (
    "orders",
    "units",
    "spend",
    "mean_lead_time_days",
    "disrupted_days",
)
"""Every per-supplier metric."""


@dataclass
class ReplicationMetrics:
    """What one replication of one policy measured, ready for summary statistics."""

    store: dict[str, Value]
    """Store level: all products' units pooled. Keys: STORE_METRICS."""
    products: dict[str, dict[str, Value]] = field(default_factory=dict)
    """Per product id, keys STORE_METRICS."""
    suppliers: dict[str, dict[str, Value]] = field(default_factory=dict)
    """Per supplier id, keys SUPPLIER_METRICS."""
    wait_hist: dict[int, int] = field(default_factory=dict)
    """Store level: backordered units shipped in the window, by wait, in bins of
    ``WAIT_HIST_DAYS``: bin b holds waits in [b·w, (b+1)·w). For charts; small whatever
    the horizon."""


WAIT_HIST_DAYS = 0.1
"""Width of a bin of :attr:`ReplicationMetrics.wait_hist`."""
