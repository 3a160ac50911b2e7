"""The ledger: plain counters and running sums a replication keeps, and the metrics made from them.

Nothing here stores per-customer history: counts, sums, a maximum and a wait histogram with
bins of 0.01 day, so memory stays flat however long the horizon.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import ClassVar

import numpy as np

from simulator.metrics.record import Value

WAIT_BIN_DAYS = 0.01
"""Width of a wait-histogram bin: percentiles are exact to within half of it."""

PENDING_LIMIT = 8192
"""Backordered customers shipped in batches are binned into the wait histogram this many
at a time (and whenever the histogram is read)."""
FEW = 256
"""Fewer pending customers than this are binned one by one, without NumPy."""

ON_TIME_TOLERANCE = 1e-9
"""A quoted unit shipped within this many days after its quote is on time."""


class CustomerLedger:
    """Counts for the customers who ordered in one period (the warm-up, or the window).

    Every customer's units end up in exactly one of: filled immediately, filled from
    backorder, refused, declined, cancelled, or still open at the end.
    """

    __slots__ = (
        "_hist",
        "_pending_batches",
        "_pending_times",
        "backordered",
        "cancelled",
        "declined",
        "demanded",
        "eta_late_units",
        "eta_lateness_sum",
        "eta_on_time",
        "filled_backorder",
        "filled_immediately",
        "orders",
        "orders_late",
        "orders_lost",
        "orders_lost_to_goodwill",
        "orders_promised",
        "orders_whole",
        "potential_orders",
        "quoted_units",
        "quoted_wait_sum",
        "refused",
        "units_lost_to_goodwill",
        "wait_max",
        "wait_sum",
    )
    COUNTS: ClassVar[tuple[str, ...]]
    """The counts and sums a ledger hands over to :class:`Totals` (``wait_hist`` included)."""

    def __init__(self) -> None:
        self.orders = 0
        self.orders_whole = 0
        """Orders shipped whole the moment they were placed."""
        self.orders_promised = 0
        """Orders whose backordered part all shipped by its promise (the experience mix)."""
        self.orders_late = 0
        """Orders with a backordered part shipped after its promise."""
        self.orders_lost = 0
        """Orders with a part refused, declined or cancelled."""
        self.potential_orders = 0
        """With goodwill: potential customers, whether they ordered or not."""
        self.orders_lost_to_goodwill = 0
        """With goodwill: potential customers who did not order."""
        self.units_lost_to_goodwill = 0
        """Their order sizes."""
        self.demanded = 0
        self.filled_immediately = 0
        self.filled_backorder = 0
        self.backordered = 0
        self.refused = 0
        self.declined = 0
        self.cancelled = 0
        self.wait_sum = 0.0
        """Unit-days waited by backordered units that shipped."""
        self.wait_max = 0.0
        self._hist: Counter[int] = Counter()
        self._pending_times: list[float] = []
        self._pending_batches: list[tuple[float, int, int]] = []
        """Batches shipped but not yet in the histogram: (ship time, customers, units each),
        their order times in ``_pending_times``. Binned together with NumPy."""
        self.quoted_units = 0
        self.quoted_wait_sum = 0.0
        """Unit-days between order and first quote, over quoted units."""
        self.eta_on_time = 0
        self.eta_late_units = 0
        self.eta_lateness_sum = 0.0

    def ship_backorder(
        self, units: int, wait: float, first_quote: float | None, now: float
    ) -> None:
        """Record ``units`` of a backorder shipped after waiting ``wait`` days."""
        self.filled_backorder += units
        self.wait_sum += units * wait
        if wait > self.wait_max:
            self.wait_max = wait
        self._hist[int(wait / WAIT_BIN_DAYS)] += units
        if first_quote is not None:
            self.resolve_quote(units, first_quote, now)

    def ship_backorders(self, times: list[float], units: int, now: float) -> None:
        """Record customers who ordered at ``times`` (oldest first), ``units`` each, shipped
        from backorder at ``now``, with no quotes."""
        count = len(times)
        self.filled_backorder += units * count
        self.wait_sum += units * (count * now - sum(times))
        longest = now - times[0]
        if longest > self.wait_max:
            self.wait_max = longest
        pending = self._pending_times
        pending += times
        self._pending_batches.append((now, count, units))
        if len(pending) >= PENDING_LIMIT:
            self._bin_pending()

    @property
    def wait_hist(self) -> Counter[int]:
        """Backordered units shipped, by wait bin (``int(wait / WAIT_BIN_DAYS)``)."""
        if self._pending_batches:
            self._bin_pending()
        return self._hist

    def _bin_pending(self) -> None:
        """Add the pending batches to the histogram: the same bins as one customer at a time
        (the same float operations); with NumPy for a fraction of the cost, when there are
        enough of them to be worth its overhead."""
        if len(self._pending_times) < FEW:
            self._bin_one_by_one()
        else:
            self._bin_with_numpy()
        self._pending_times.clear()
        self._pending_batches.clear()

    def _bin_one_by_one(self) -> None:
        hist = self._hist
        times = iter(self._pending_times)
        for now, count, units in self._pending_batches:
            for _ in range(count):
                hist[int((now - next(times)) / WAIT_BIN_DAYS)] += units

    def _bin_with_numpy(self) -> None:
        nows, counts, sizes = zip(*self._pending_batches, strict=True)
        repeats = np.array(counts, dtype=np.int64)
        times = np.fromiter(self._pending_times, np.float64, len(self._pending_times))
        waits = np.repeat(np.array(nows), repeats) - times
        bins = (waits / WAIT_BIN_DAYS).astype(np.int64)  # truncation, as int() does
        low = int(bins.min())
        span = int(bins.max()) - low + 1
        if span > 4 * bins.size + 4096:  # sparse waits: tally the distinct bins instead
            keys, where = np.unique(bins, return_inverse=True)
            tally = np.bincount(where, np.repeat(np.array(sizes, dtype=float), repeats))
            found = dict(zip(keys.tolist(), [int(u) for u in tally.tolist()], strict=True))
        else:
            bins -= low
            if min(sizes) == max(sizes):  # every customer the same size: count customers
                tally = np.bincount(bins) * sizes[0]
            else:
                tally = np.bincount(bins, np.repeat(np.array(sizes, dtype=np.int64), repeats))
                tally = tally.astype(np.int64)
            keys = np.flatnonzero(tally)
            found = dict(zip((keys + low).tolist(), tally[keys].tolist(), strict=True))
        self._hist.update(found)

    def late(self, units: int, lateness: float) -> None:
        """Quoted units settled late (cancelled after their quote) by ``lateness`` days."""
        self.eta_late_units += units
        self.eta_lateness_sum += units * lateness

    def resolve_quote(self, units: int, first_quote: float, when: float) -> None:
        """Quoted units settled at ``when`` (shipped, or counted late: cancelled/open past it)."""
        if when <= first_quote + ON_TIME_TOLERANCE:
            self.eta_on_time += units
        else:
            self.late(units, when - first_quote)


CustomerLedger.COUNTS = (
    *(name for name in CustomerLedger.__slots__ if not name.startswith("_")),
    "wait_hist",
)


@dataclass
class Totals:
    """Everything one product (or the whole store, pooled) measured in the window."""

    window_days: float
    products: int = 1
    # customers (orders placed in the window)
    orders: int = 0
    orders_whole: int = 0
    orders_promised: int = 0
    orders_late: int = 0
    orders_lost: int = 0
    demanded: int = 0
    filled_immediately: int = 0
    filled_backorder: int = 0
    backordered: int = 0
    refused: int = 0
    declined: int = 0
    cancelled: int = 0
    open_end: int = 0
    wait_sum: float = 0.0
    wait_max: float = 0.0
    wait_hist: Counter[int] = field(default_factory=Counter)
    quoted_units: int = 0
    quoted_wait_sum: float = 0.0
    eta_on_time: int = 0
    eta_late_units: int = 0
    eta_lateness_sum: float = 0.0
    # stock levels (unit-days over the window)
    on_hand_area: float = 0.0
    backlog_area: float = 0.0
    on_order_area: float = 0.0
    ready_days: float = 0.0
    # replenishment (orders placed in the window)
    replenishment_orders: int = 0
    units_ordered: int = 0
    backup_units: int = 0
    # money
    revenue: float = 0.0
    retained_revenue: float = 0.0
    lost_revenue: float = 0.0
    purchase_cost: float = 0.0
    ordering_cost: float = 0.0
    holding_cost: float = 0.0
    backlog_penalty_cost: float = 0.0
    lost_sale_penalty_cost: float = 0.0
    # goodwill (zero without it: ``goodwill_products`` counts the products that have it)
    goodwill_products: int = 0
    goodwill_area: float = 0.0
    """Goodwill-days over the window (summed over products when pooled)."""
    potential_orders: int = 0
    orders_lost_to_goodwill: int = 0
    units_lost_to_goodwill: int = 0
    revenue_lost_to_goodwill: float = 0.0

    def add_customers(self, ledger: CustomerLedger) -> None:
        """Take over a customer ledger's counts."""
        self._add(ledger, CustomerLedger.COUNTS)

    @classmethod
    def pooled(cls, parts: list[Totals]) -> Totals:
        """The store level: every product's units pooled."""
        total = cls(window_days=parts[0].window_days, products=0)
        names = [f.name for f in fields(cls) if f.name != "window_days"]
        for part in parts:
            total._add(part, names)
        return total

    def _add(self, other: CustomerLedger | Totals, names: Sequence[str]) -> None:
        """Add ``other``'s counts and sums under ``names``: histograms merge, the longest
        wait is the larger one."""
        for name in names:
            if name == "wait_hist":
                self.wait_hist.update(other.wait_hist)
            elif name == "wait_max":
                self.wait_max = max(self.wait_max, other.wait_max)
            else:
                setattr(self, name, getattr(self, name) + getattr(other, name))


def _ratio(numerator: float, denominator: float) -> Value:
    return numerator / denominator if denominator > 0 else None


def wait_percentiles(hist: Counter[int], qs: Sequence[float], max_wait: float) -> list[Value]:
    """The q-quantiles of waits (``qs`` increasing) from a histogram: the middle of the bin
    each falls in, capped at the longest wait."""
    total = sum(hist.values())
    if total == 0:
        return [None] * len(qs)
    out: list[Value] = []
    seen = 0
    bins = iter(sorted(hist))
    b = 0
    for q in qs:
        rank = q * total
        while seen < rank:
            b = next(bins)
            seen += hist[b]
        out.append(min((b + 0.5) * WAIT_BIN_DAYS, max_wait))
    return out


def store_metrics(t: Totals) -> dict[str, Value]:
    """Every metric of DESIGN.md §2 from one set of totals."""
    d = t.demanded
    lost = t.refused + t.declined + t.cancelled
    shipped_units = t.filled_immediately + t.filled_backorder
    has_waits = t.filled_backorder > 0
    quoted_settled = t.eta_on_time + t.eta_late_units
    cost = (
        t.purchase_cost
        + t.ordering_cost
        + t.holding_cost
        + t.backlog_penalty_cost
        + t.lost_sale_penalty_cost
    )
    w = t.window_days
    p50, p90, p95 = wait_percentiles(t.wait_hist, (0.50, 0.90, 0.95), t.wait_max)
    return {
        "fill_rate": _ratio(t.filled_immediately, d),
        "order_fill_rate": _ratio(t.orders_whole, t.orders),
        "eventual_fill_rate": _ratio(shipped_units, d),
        "backorder_rate": _ratio(t.backordered, d),
        "lost_sales_rate": _ratio(t.refused + t.declined, d),
        "cancellation_rate": _ratio(t.cancelled, d),
        "unserved_rate": _ratio(lost, d),
        "mean_wait_days": _ratio(t.wait_sum, t.filled_backorder),
        "p50_wait_days": p50,
        "p90_wait_days": p90,
        "p95_wait_days": p95,
        "max_wait_days": t.wait_max if has_waits else None,
        "mean_wait_all_units_days": _ratio(t.wait_sum, shipped_units),
        "mean_quoted_wait_days": _ratio(t.quoted_wait_sum, t.quoted_units),
        "eta_on_time_rate": _ratio(t.eta_on_time, quoted_settled),
        "eta_mean_lateness_days": _ratio(t.eta_lateness_sum, t.eta_late_units),
        "mean_backlog_units": t.backlog_area / w,
        "mean_on_hand_units": t.on_hand_area / w,
        "mean_on_order_units": t.on_order_area / w,
        "ready_rate": t.ready_days / (w * t.products),
        "replenishment_orders": float(t.replenishment_orders),
        "revenue": t.revenue,
        "retained_revenue": t.retained_revenue,
        "lost_revenue": t.lost_revenue,
        "purchase_cost": t.purchase_cost,
        "ordering_cost": t.ordering_cost,
        "holding_cost": t.holding_cost,
        "backlog_penalty_cost": t.backlog_penalty_cost,
        "lost_sale_penalty_cost": t.lost_sale_penalty_cost,
        "profit": t.revenue - cost,
        "backup_share": _ratio(t.backup_units, t.units_ordered),
        **experience_metrics(t),
        "units_demanded": float(d),
        "units_filled_immediately": float(t.filled_immediately),
        "units_filled_from_backorder": float(t.filled_backorder),
        "units_backordered": float(t.backordered),
        "units_refused": float(t.refused),
        "units_declined": float(t.declined),
        "units_cancelled": float(t.cancelled),
        "open_backlog_units_end": float(t.open_end),
    }


def coarse_wait_hist(hist: Counter[int], width: float) -> dict[int, int]:
    """A wait histogram (bins of ``WAIT_BIN_DAYS``) re-binned to bins of ``width`` days."""
    per = max(1, round(width / WAIT_BIN_DAYS))
    out: dict[int, int] = {}
    for b, units in hist.items():
        out[b // per] = out.get(b // per, 0) + units
    return dict(sorted(out.items()))


def experience_metrics(t: Totals) -> dict[str, Value]:
    """The experience mix of the window's orders, and what goodwill cost (None without it)."""
    orders = t.orders
    goodwill = t.goodwill_products > 0
    return {
        "served_at_once_share": _ratio(t.orders_whole, orders),
        "served_as_promised_share": _ratio(t.orders_promised, orders),
        "served_late_share": _ratio(t.orders_late, orders),
        "lost_share": _ratio(t.orders_lost, orders),
        "mean_goodwill": (
            min(max(t.goodwill_area / (t.window_days * t.goodwill_products), 0.0), 1.0)
            if goodwill
            else None
        ),
        "potential_orders": float(t.potential_orders) if goodwill else None,
        "orders_lost_to_goodwill": float(t.orders_lost_to_goodwill) if goodwill else None,
        "units_lost_to_goodwill": float(t.units_lost_to_goodwill) if goodwill else None,
        "revenue_lost_to_goodwill": t.revenue_lost_to_goodwill if goodwill else None,
    }
