"""Delivery histories: one row per supplier order (``supplier``, ``product``, ``ordered``,
``received``, ``quantity``); each row gives one observed lead time, received − ordered."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from simulator.history.table import Column, HistoryError, positive_int, read_table
from simulator.history.times import Stamp, days_between, parse_time

DELIVERY_COLUMNS = (
    Column("supplier", True),
    Column("product", False),
    Column("ordered", True),
    Column("received", True),
    Column("quantity", False),
)
"""The columns of a deliveries file."""


@dataclass(frozen=True)
class Delivery:
    """One supplier order as recorded."""

    line: int
    supplier: str
    product: str | None
    lead_time: float
    """Days from ordered to received."""
    quantity: int | None


@dataclass(frozen=True)
class DeliveryHistory:
    """A whole deliveries file."""

    source: str
    deliveries: list[Delivery]
    matched: frozenset[str] = frozenset()
    """Column names read under a mapped header (``--column NAME=HEADER``)."""

    def suppliers(self) -> list[str]:
        """Supplier ids in order of first appearance."""
        return list(dict.fromkeys(d.supplier for d in self.deliveries))

    def lead_times(self, supplier: str, product: str | None = None) -> np.ndarray:
        """The observed lead times of ``supplier`` (for ``product`` only, when given)."""
        return np.array(
            [
                d.lead_time
                for d in self.deliveries
                if d.supplier == supplier and (product is None or d.product == product)
            ],
            dtype=float,
        )

    def products_of(self, supplier: str) -> list[str]:
        """The products ``supplier`` delivered (rows that name one)."""
        found = (d.product for d in self.deliveries if d.supplier == supplier and d.product)
        return list(dict.fromkeys(p for p in found if p is not None))


def _difference(ordered: Stamp, received: Stamp) -> float:
    if ordered.moment is not None and received.moment is not None:
        return days_between(ordered.moment, received.moment)
    assert ordered.days is not None and received.days is not None
    return received.days - ordered.days


def read_deliveries(
    path: str | os.PathLike[str],
    columns: Mapping[str, str] | None = None,
    shown: str | None = None,
) -> DeliveryHistory:
    """Read a deliveries CSV; raises HistoryError with every problem found."""
    table = read_table(path, DELIVERY_COLUMNS, columns, shown)
    deliveries: list[Delivery] = []
    kind: str | None = None
    for row in table.rows:
        good = True
        supplier = row.cells["supplier"].strip()
        if not supplier:
            table.problem(row.line, "supplier", "missing value")
            good = False
        stamps: dict[str, Stamp] = {}
        for column in ("ordered", "received"):
            stamp = parse_time(row.cells[column])
            if isinstance(stamp, str):
                table.problem(row.line, column, stamp)
                good = False
                continue
            if kind is None:
                kind = stamp.kind
            elif stamp.kind != kind:
                table.problem(
                    row.line,
                    column,
                    f"a {stamp.kind}, but earlier times are a {kind} (use one kind)",
                )
                good = False
                continue
            stamps[column] = stamp
        lead = 0.0
        if len(stamps) == 2:
            lead = _difference(stamps["ordered"], stamps["received"])
            if lead < 0:
                table.problem(
                    row.line,
                    "received",
                    f"before ordered ({row.cells['ordered'].strip()}), got "
                    f"{row.cells['received'].strip()}",
                )
                good = False
        quantity: int | None = None
        if "quantity" in row.cells and row.cells["quantity"].strip():
            parsed = positive_int(row.cells["quantity"])
            if isinstance(parsed, str):
                table.problem(row.line, "quantity", parsed)
                good = False
            else:
                quantity = parsed
        product = row.cells.get("product", "").strip() or None
        if good:
            deliveries.append(Delivery(row.line, supplier, product, lead, quantity))
    if table.problems:
        raise HistoryError(table.problems)
    return DeliveryHistory(table.file, deliveries, frozenset(table.matched))


@lru_cache(maxsize=16)
def _cached(path: str, mtime: float, size: int) -> DeliveryHistory:
    return read_deliveries(path)


def load_deliveries(path: str) -> DeliveryHistory:
    """:func:`read_deliveries` with canonical headers, cached by file (path, time, size)."""
    info = Path(path).stat()
    return _cached(os.path.abspath(path), info.st_mtime, info.st_size)
