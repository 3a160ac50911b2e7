"""Fitting a scenario to the planner's own data: demand per product, lead times per supplier.

    from simulator.fitting import fit_history

    result = fit_history("orders.csv", "deliveries.csv", columns={"time": "Order Date"})
    print(result.fragment_yaml())  # products.ID.demand and suppliers.ID.lead_time_days

See :mod:`simulator.fitting.demand`, :mod:`simulator.fitting.seasonality` and
:mod:`simulator.fitting.lead_time` for what is fitted and how it is tested.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping

from scipy import stats

from simulator.fitting.demand import DemandFit, fit_demand
from simulator.fitting.lead_time import MIN_EMPIRICAL, LeadTimeFit, fit_lead_times
from simulator.fitting.result import FitResult
from simulator.history import (
    DELIVERY_COLUMNS,
    ORDER_COLUMNS,
    DeliveryHistory,
    HistoryError,
    read_deliveries,
    read_orders,
)
from simulator.history.table import RowProblem as Problem

__all__ = ["DemandFit", "FitResult", "LeadTimeFit", "fit_history"]


def fit_history(
    orders: str | os.PathLike[str],
    deliveries: str | os.PathLike[str] | None = None,
    columns: Mapping[str, str] | None = None,
) -> FitResult:
    """Fit every product's demand from ``orders`` and every supplier's lead times from
    ``deliveries``. ``columns`` maps column names to the files' own headers.

    Raises HistoryError with every problem of both files.
    """
    columns = dict(columns or {})
    known = {c.name for c in ORDER_COLUMNS} | {c.name for c in DELIVERY_COLUMNS}
    unknown = [name for name in columns if name not in known]
    if unknown:
        raise HistoryError(
            [
                Problem(
                    f"--column {name}",
                    None,
                    "",
                    f"unknown column (one of {', '.join(sorted(known))})",
                )
                for name in unknown
            ]
        )
    problems: list[Problem] = []
    order_history = None
    delivery_history = None
    order_map = {k: v for k, v in columns.items() if k in {c.name for c in ORDER_COLUMNS}}
    try:
        order_history = read_orders(orders, order_map)
    except HistoryError as exc:
        problems += exc.problems
    if deliveries is not None:
        delivery_map = {k: v for k, v in columns.items() if k in {c.name for c in DELIVERY_COLUMNS}}
        try:
            delivery_history = read_deliveries(deliveries, delivery_map)
        except HistoryError as exc:
            problems += exc.problems
    if problems:
        raise HistoryError(problems)
    assert order_history is not None
    matched = set(order_history.matched)
    if delivery_history is not None:
        matched |= delivery_history.matched
    unmatched = [name for name in columns if name not in matched]
    if unmatched:
        raise HistoryError(
            [
                Problem(f"--column {name}={columns[name]}", None, "", "no file has this header")
                for name in unmatched
            ]
        )
    if order_history.origin is not None:
        day0 = order_history.origin.date().isoformat()
    else:
        day0 = f"{order_history.day0:g}"
    products = {pid: fit_demand(order_history, pid) for pid in order_history.products}
    suppliers: dict[str, LeadTimeFit] = {}
    if delivery_history is not None:
        for sid in delivery_history.suppliers():
            suppliers[sid] = _supplier_fit(delivery_history, sid)
    return FitResult(
        orders_file=os.fspath(orders),
        deliveries_file=os.fspath(deliveries) if deliveries is not None else None,
        fitted_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        day0=day0,
        days=order_history.days,
        products=products,
        suppliers=suppliers,
    )


def _supplier_fit(history: DeliveryHistory, supplier: str) -> LeadTimeFit:
    """A supplier's pooled fit, with per-product fits when each product has enough data."""
    pooled = fit_lead_times(history.lead_times(supplier), supplier)
    products = history.products_of(supplier)
    samples = {p: history.lead_times(supplier, p) for p in products}
    if len(products) >= 2 and all(len(s) >= MIN_EMPIRICAL for s in samples.values()):
        pooled.by_product = [fit_lead_times(s, supplier, p) for p, s in samples.items()]
        pooled.products_differ_p = float(stats.kruskal(*samples.values()).pvalue)
        if pooled.products_differ_p < 0.05:
            pooled.notes.append(
                f"lead times differ between products (Kruskal-Wallis p = "
                f"{pooled.products_differ_p:.2g}); the scenario grammar has one lead time per "
                "supplier, so the pooled fit is written"
            )
    return pooled
