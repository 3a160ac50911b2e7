"""The backlog's rules of DESIGN.md §1: free stock given to waiting orders in allocation
order, a customer's patience running out, and a quoted date passing (the quote updated)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, cast

from simulator.metrics.ledger import ON_TIME_TOLERANCE
from simulator.model import clock as prio
from simulator.policies.allocation import BackorderBatch, BackorderEntry

if TYPE_CHECKING:
    from simulator.metrics.ledger import CustomerLedger
    from simulator.model.clock import Clock
    from simulator.model.observe import Observation
    from simulator.model.store import Store
    from simulator.policies.allocation import Backlog
    from simulator.policies.backorder import BackorderPolicy


class BacklogRules:
    """The backlog methods of :class:`~simulator.model.store.Store` (a mixin)."""

    if not TYPE_CHECKING:  # no __dict__ of its own: the store declares its slots
        __slots__ = ()

    if TYPE_CHECKING:  # the store's state these methods use
        backlog: Backlog
        backlog_acc: float
        backlog_units: int
        clock: Clock
        continuous: bool
        expected_wait: float
        informed_patience_factor: float
        late_checks: bool
        observer: Observation | None
        on_hand: int
        on_hand_acc: float
        policy: BackorderPolicy
        ready_acc: float
        reserved_for: BackorderEntry | None
        shipped: int

        def _change(
            self, now: float, on_hand: int = 0, backlog: int = 0, on_order: int = 0
        ) -> None: ...

        def _promises_passed(self, now: float, inclusive: bool) -> None: ...

        def _served(self, entry: BackorderEntry, now: float) -> None: ...

        def _served_batch(self, entry: BackorderBatch, lo: int, hi: int, now: float) -> None: ...

        def _cancelled_order(self, now: float, ledger: CustomerLedger) -> None: ...

        def eta(self, now: float, units: int) -> float: ...

        def _units_ahead(self, key: tuple[int, int]) -> int: ...

        def review(self) -> None: ...

    def _allocate(self, now: float) -> None:
        """Give free stock to the backlog in allocation order."""
        available = self.on_hand
        if available == 0 or self.backlog_units == 0:
            return
        if self.late_checks:
            self._promises_passed(now, inclusive=False)  # a unit shipped at its promise is on time
        backlog = self.backlog
        partial = self.policy.partial_fill
        ship = self._ship_backorder
        while available > 0:
            entry = self.reserved_for or backlog.head()
            if entry is None:
                break
            if type(entry) is BackorderBatch:
                count = min(available // entry.units, len(entry.times) - entry.first)
                if count == 0:
                    self.reserved_for = entry  # kept for the customer at the head of the batch
                    break
                units = count * entry.units
                available -= units
                first = entry.first
                entry.first = first + count
                entry.remaining -= units
                times = entry.times
                entry.ledger.ship_backorders(
                    times if count == len(times) else times[first : first + count],
                    entry.units,
                    now,
                )
                if now <= entry.times[first] + self.expected_wait + ON_TIME_TOLERANCE:
                    entry.ledger.orders_promised += count  # the oldest is on time: all are
                else:
                    self._served_batch(entry, first, first + count, now)
            else:
                if entry.remaining <= available:
                    units = entry.remaining
                elif partial:
                    units = available
                else:
                    self.reserved_for = entry  # stock stays kept for this order
                    break
                available -= units
                ship(entry, units, now)
            if entry.remaining == 0:
                entry.closed = True  # the backlog drops closed entries when they reach its head
                self.reserved_for = None
        shipped = self.on_hand - available
        if shipped:
            # _change(now, on_hand=-shipped, backlog=-shipped) written out (not ready before:
            # a backlog was waiting)
            self.on_hand = available
            self.on_hand_acc += shipped * now
            backlog_units = self.backlog_units - shipped
            self.backlog_units = backlog_units
            self.backlog_acc += shipped * now
            if available > 0 and backlog_units == 0:
                self.ready_acc -= now
            self.shipped += shipped
            if self.observer is not None:
                self.observer.shipped(cast("Store", self))

    def _ship_backorder(self, entry: BackorderEntry, units: int, now: float) -> None:
        """Book ``units`` shipped to ``entry`` (the caller moves the stock levels)."""
        entry.remaining -= units
        entry.ledger.ship_backorder(units, now - entry.placed, entry.first_quote, now)
        if entry.remaining == 0:
            self._served(entry, now)

    def _patience_ends(self, entry: BackorderEntry) -> None:
        if entry.closed or entry.deadline > self.clock.env.now:
            return  # shipped already, or the deadline moved later
        self.clock.now = now = self.clock.env.now
        if self.late_checks:
            self._promises_passed(now, inclusive=True)  # late first, then cancelled
        entry.closed = True
        if entry is self.reserved_for:
            self.reserved_for = None
        units = entry.remaining
        entry.remaining = 0
        self._change(now, backlog=-units)
        entry.ledger.cancelled += units
        if self.observer is not None:
            self.observer.cancelled(cast("Store", self), entry, units)
        self._cancelled_order(now, entry.ledger)
        if entry.first_quote is not None and now > entry.first_quote + ON_TIME_TOLERANCE:
            entry.ledger.late(units, now - entry.first_quote)
        self._allocate(now)
        if self.continuous:
            self.review()

    def _quote_passed(self, entry: BackorderEntry) -> None:
        if entry.closed or entry.quote is None or entry.quote > self.clock.env.now:
            return
        self.clock.now = now = self.clock.env.now
        eta = self.eta(now, self._units_ahead(entry.key) + entry.remaining)
        previous, entry.quote = entry.quote, max(eta, now + self.policy.eta_update_min_days)
        if self.observer is not None:
            self.observer.quote_updated(cast("Store", self), entry, previous)
        self.clock.call(entry.quote, prio.CANCELLATION, self._quote_passed, entry)
        if entry.deadline < math.inf:
            entry.deadline = now + (entry.deadline - now) * self.informed_patience_factor
            self.clock.call(entry.deadline, prio.CANCELLATION, self._patience_ends, entry)
