"""What each customer experienced, and what they remember: the store's side of goodwill.

Every order of a period ends in exactly one class of the experience mix (DESIGN.md §2),
the worst of its parts: *lost* (a part refused, declined or cancelled), *late* (a
backordered part shipped after its promise, or still open past it at the horizon), *as
promised* (every backordered part shipped by its promise), or *at once* (shipped whole at
arrival, counted by the store as ``orders_whole``). The promise is the first quoted date,
or for an unquoted backorder the order time + ``customers.expected_wait_days``. An order
is classed when its backorder closes (a batch of plain customers by bisection), or at the
horizon; the classes are counters, so nothing per customer is kept.

With goodwill, the same events are the bad experiences: a lost order at order time, a
cancellation, and (watched only when ``late_order`` > 0) a promise passing unfilled. A
promise is not a SimPy event: the goodwill level settles it lazily, before anything that
depends on it (see :meth:`~simulator.model.goodwill.GoodwillLevel.catch_up`), so a long
backlog of plain customers does not break their runs into one event per customer.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import TYPE_CHECKING

from simulator.metrics.ledger import ON_TIME_TOLERANCE
from simulator.policies.allocation import BackorderBatch

if TYPE_CHECKING:
    from simulator.metrics.ledger import CustomerLedger, Totals
    from simulator.model.clock import Clock
    from simulator.model.goodwill import GoodwillLevel
    from simulator.policies.allocation import Backlog, BackorderEntry
    from simulator.scenario.schema import Customers, Product


class Experience:
    """The experience-mix and goodwill methods of :class:`~simulator.model.store.Store`
    (a mixin)."""

    if not TYPE_CHECKING:  # no __dict__ of its own: the store declares its slots
        __slots__ = ()

    if TYPE_CHECKING:  # the store's state these methods use
        backlog: Backlog
        clock: Clock
        customers: CustomerLedger
        expected_wait: float
        goodwill: GoodwillLevel | None
        late_checks: bool
        spec: Product
        window_customers: CustomerLedger

    def remember(self, customers: Customers) -> None:
        """Take the customers' expected wait (goodwill is attached by
        :func:`simulator.model.thinning.attach_goodwill`)."""
        self.expected_wait = customers.expected_wait_days

    def _promise(self, entry: BackorderEntry) -> float:
        """When the customer of ``entry`` expects their backorder: the first quote, or the
        order time + the expected wait."""
        quote = entry.first_quote
        return quote if quote is not None else entry.placed + self.expected_wait

    # -- outcomes ----------------------------------------------------------------------------
    def _lost_order(self, now: float, ledger: CustomerLedger) -> None:
        """An order's short part was refused or declined at ``now``."""
        ledger.orders_lost += 1
        goodwill = self.goodwill
        if goodwill is not None and goodwill.lost_order:
            goodwill.hit(now, goodwill.lost_order)

    def _cancelled_order(self, now: float, ledger: CustomerLedger) -> None:
        """A backordered customer cancelled at ``now``."""
        ledger.orders_lost += 1
        goodwill = self.goodwill
        if goodwill is not None and goodwill.cancelled_order:
            goodwill.hit(now, goodwill.cancelled_order)

    def _served(self, entry: BackorderEntry, now: float) -> None:
        """The last unit of ``entry`` shipped at ``now``."""
        if now <= self._promise(entry) + ON_TIME_TOLERANCE:
            entry.ledger.orders_promised += 1
        else:
            entry.ledger.orders_late += 1

    def _on_time_from(self, times: list[float], lo: int, hi: int, now: float) -> int:
        """The first index in ``times[lo:hi]`` (order times, oldest first) of a customer
        whose expected wait has not run out at ``now`` (the same test as :meth:`_served`)."""
        wait = self.expected_wait
        if now <= times[lo] + wait + ON_TIME_TOLERANCE:
            return lo  # the oldest is on time: all are
        return bisect_left(times, True, lo, hi, key=lambda x: now <= x + wait + ON_TIME_TOLERANCE)

    def _served_batch(self, batch: BackorderBatch, lo: int, hi: int, now: float) -> None:
        """The customers ``batch.times[lo:hi]`` of a batch shipped at ``now``."""
        first_on_time = self._on_time_from(batch.times, lo, hi, now)
        batch.ledger.orders_late += first_on_time - lo
        batch.ledger.orders_promised += hi - first_on_time

    def _open_outcomes(self, t: Totals, horizon: float) -> None:
        """Class the window's orders still open at ``horizon``: late once past their promise."""
        for entry in self.backlog.entries():
            if entry.ledger is not self.window_customers:
                continue
            if isinstance(entry, BackorderBatch):
                lo, hi = entry.first, len(entry.times)
                first_on_time = self._on_time_from(entry.times, lo, hi, horizon)
                t.orders_late += first_on_time - lo
                t.orders_promised += hi - first_on_time
            elif horizon > self._promise(entry) + ON_TIME_TOLERANCE:
                t.orders_late += 1
            else:
                t.orders_promised += 1

    # -- goodwill: promises passing unfilled -------------------------------------------------
    def _watch(self, entry: BackorderEntry) -> None:
        """With ``late_order`` > 0: check ``entry``'s promise when it passes."""
        assert self.goodwill is not None
        self.goodwill.watch(self._promise(entry) + ON_TIME_TOLERANCE, entry)

    def _watch_batch(self, batch: BackorderBatch, index: int = 0) -> None:
        """With ``late_order`` > 0: check the promises of a batch's customers from ``index``
        on, in order (one of them is watched at a time)."""
        assert self.goodwill is not None
        due = batch.times[index] + self.expected_wait + ON_TIME_TOLERANCE
        self.goodwill.watch(due, batch, index)

    def _continue_batch(
        self, placed: list[float], units: int, ledger: CustomerLedger, seq: int
    ) -> bool:
        """With ``late_order`` > 0: add a run of backordered customers (ordering ``units``
        each at ``placed``, numbered from ``seq``) to the batch at the tail of the backlog,
        when they simply continue it: the same units and ledger, numbered straight after it,
        nothing booked between. Says whether it did.

        A backorder run ends before a promise of its own could pass (see
        :meth:`Thinning._serve_run <simulator.model.thinning.Thinning._serve_run>`), so a
        long stock-out is booked as several runs; continuing the batch keeps it one entry,
        with one watch walking its promises in order (and one allocation step per delivery).
        The numbers are those of a batch per run, to rounding: the backlog serves the same
        customers in the same order, and their promises pass in the same order.
        """
        tail = self.backlog.last()
        if (
            type(tail) is not BackorderBatch
            or tail.closed
            or tail.units != units
            or tail.ledger is not ledger
            or tail.seq + len(tail.times) != seq
        ):
            return False
        goodwill = self.goodwill
        assert goodwill is not None
        times = tail.times
        n = len(times)
        times.extend(placed)
        total = units * len(placed)
        tail.short += total
        tail.remaining += total
        for watch in goodwill.watches:  # (a few: the open backorders)
            if watch[2] is tail:
                return True  # its watch walks on into the new customers
        self._watch_batch(tail, n)
        return True

    def _promises_passed(self, now: float, inclusive: bool) -> None:
        """Settle the promises that passed unfilled before ``now`` (see
        :meth:`~simulator.model.goodwill.GoodwillLevel.catch_up`)."""
        goodwill = self.goodwill
        if goodwill is not None and goodwill.watches and goodwill.watches[0][0] <= now:
            goodwill.catch_up(now, inclusive)

    # -- the books ---------------------------------------------------------------------------
    def _goodwill_totals(self, t: Totals, horizon: float) -> None:
        """The window's goodwill: its integral and what it cost."""
        goodwill = self.goodwill
        if goodwill is None:
            return
        goodwill.catch_up(horizon)
        t.goodwill_products = 1
        t.goodwill_area = goodwill.window_area(horizon)
        t.revenue_lost_to_goodwill = self.spec.price * t.units_lost_to_goodwill
