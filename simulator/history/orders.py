"""Order histories: one row per customer order (``time``, ``product``, ``quantity``, ``in_stock``).

Times become days since *day 0*, unless a start is given: for dates, the first day of the
file (midnight of its earliest date); for numbers of days, 0 (the numbers are days since
day 0), unless the first order comes :data:`QUIET_START_DAYS` or more days after it (or
before it), when day 0 is the whole day of the first order. Orders written as a date
without a time of day are spread evenly over their day (the k-th of n such orders of a
product on day d is at d + (k + 0.5) / n), so a replay keeps their order and never puts
two customers at the same instant.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from simulator.history.table import Column, HistoryError, flag, positive_int, read_table
from simulator.history.times import Stamp, days_between, midnight, parse_time

QUIET_START_DAYS = 7
"""A numeric history whose first order is at least this many days after 0 starts at that
order's day (the numbers count from some other origin)."""

ORDER_COLUMNS = (
    Column("time", True),
    Column("product", True),
    Column("quantity", False),
    Column("in_stock", False),
)
"""The columns of an orders file."""


@dataclass(frozen=True)
class ProductOrders:
    """One product's recorded orders, in time order."""

    times: np.ndarray
    """Order times, days since day 0 (floats, sorted)."""
    quantities: np.ndarray
    """Units per order (whole numbers >= 1)."""
    in_stock: np.ndarray
    """False for orders recorded while the product was out of stock (sales, not demand)."""


@dataclass(frozen=True)
class OrderHistory:
    """A whole orders file: each product's orders and the period the file covers."""

    source: str
    """The file name as shown in messages."""
    products: dict[str, ProductOrders]
    """Product id -> its orders, in the file's order of first appearance."""
    days: int
    """Whole days covered: from day 0 to the day of the last order, inclusive."""
    origin: dt.datetime | None
    """Day 0 as a date-time (times were dates), or None (times were numbers of days)."""
    day0: float
    """Day 0 as a number of days (times were numbers), else 0."""
    matched: frozenset[str] = frozenset()
    """Column names read under a mapped header (``--column NAME=HEADER``)."""

    @property
    def dated(self) -> bool:
        """Whether times were calendar dates (so days of the week are known)."""
        return self.origin is not None

    def weekday_of_day0(self) -> int | None:
        """Monday 0 ... Sunday 6 of day 0 (None for numeric times)."""
        return self.origin.weekday() if self.origin is not None else None


def read_orders(
    path: str | os.PathLike[str],
    columns: Mapping[str, str] | None = None,
    shown: str | None = None,
    start: dt.datetime | float | None = None,
) -> OrderHistory:
    """Read an orders CSV; raises HistoryError with every problem found.

    ``columns`` maps column names to the user's headers; ``start`` is day 0 (a date-time for
    dated files, a number for numeric ones; default the first day of the file). Orders
    before ``start`` are dropped.
    """
    table = read_table(path, ORDER_COLUMNS, columns, shown)
    stamps: list[tuple[int, Stamp, str, int, bool]] = []
    kind: str | None = None
    for row in table.rows:
        good = True
        stamp = parse_time(row.cells["time"])
        if isinstance(stamp, str):
            table.problem(row.line, "time", stamp)
            good = False
        elif kind is None:
            kind = stamp.kind
        elif stamp.kind != kind:
            table.problem(
                row.line, "time", f"a {stamp.kind}, but earlier rows have a {kind} (use one kind)"
            )
            good = False
        product = row.cells["product"].strip()
        if not product:
            table.problem(row.line, "product", "missing value")
            good = False
        quantity: int | str = 1
        if "quantity" in row.cells:
            quantity = positive_int(row.cells["quantity"])
            if isinstance(quantity, str):
                table.problem(row.line, "quantity", quantity)
                good = False
        in_stock: bool | str = True
        if "in_stock" in row.cells:
            in_stock = flag(row.cells["in_stock"])
            if isinstance(in_stock, str):
                table.problem(row.line, "in_stock", in_stock)
                good = False
        if good:
            assert not isinstance(stamp, str)
            assert isinstance(quantity, int) and isinstance(in_stock, bool)
            stamps.append((row.line, stamp, product, quantity, in_stock))
    if table.problems:
        raise HistoryError(table.problems)
    history = _history(table.file, stamps, start)
    return dataclasses.replace(history, matched=frozenset(table.matched))


def _history(
    source: str, stamps: list[tuple[int, Stamp, str, int, bool]], start: dt.datetime | float | None
) -> OrderHistory:
    dated = stamps[0][1].moment is not None
    origin: dt.datetime | None = None
    day0 = 0.0
    if dated:
        first = min(s.moment for _, s, *_ in stamps if s.moment is not None)
        origin = start if isinstance(start, dt.datetime) else midnight(first)
    else:
        first_days = min(s.days for _, s, *_ in stamps if s.days is not None)
        default = 0.0 if 0 <= first_days < QUIET_START_DAYS else float(math.floor(first_days))
        day0 = float(start) if isinstance(start, int | float) else default
    by_product: dict[str, list[tuple[float, bool, int, bool]]] = {}
    for _, stamp, product, quantity, in_stock in stamps:
        if stamp.moment is not None:
            assert origin is not None
            t = days_between(origin, stamp.moment)
        else:
            assert stamp.days is not None
            t = stamp.days - day0
        if t < 0:
            continue
        by_product.setdefault(product, []).append((t, stamp.date_only, quantity, in_stock))
    products = {pid: _spread(rows) for pid, rows in by_product.items()}
    last = max((float(p.times[-1]) for p in products.values() if len(p.times)), default=0.0)
    return OrderHistory(source, products, math.floor(last) + 1, origin, day0)


def _spread(rows: list[tuple[float, bool, int, bool]]) -> ProductOrders:
    """Sorted orders, date-only ones spread evenly over their day."""
    rows.sort(key=lambda r: r[0])
    times = np.array([r[0] for r in rows], dtype=float)
    date_only = np.array([r[1] for r in rows], dtype=bool)
    if date_only.any():
        days = np.floor(times[date_only])
        spread = times[date_only].copy()
        values, starts, counts = np.unique(days, return_index=True, return_counts=True)
        for day, first, n in zip(values, starts, counts, strict=True):
            spread[first : first + n] = day + (np.arange(n) + 0.5) / n
        times[date_only] = spread
        order = np.argsort(times, kind="stable")
    else:
        order = np.arange(len(rows))
    quantities = np.array([rows[i][2] for i in order], dtype=np.int64)
    in_stock = np.array([rows[i][3] for i in order], dtype=bool)
    return ProductOrders(times[order], quantities, in_stock)


@lru_cache(maxsize=16)
def _cached(path: str, mtime: float, size: int, start: dt.datetime | float | None) -> OrderHistory:
    return read_orders(path, start=start)


def load_orders(path: str, start: dt.datetime | float | None = None) -> OrderHistory:
    """:func:`read_orders` with canonical headers, cached by file (path, time, size)."""
    info = Path(path).stat()
    return _cached(os.path.abspath(path), info.st_mtime, info.st_size, start)
