"""Booking runs of plain customers in one step: the fast path of the store.

A run is a stretch of consecutive customers of one product, each ordering the same number
of units, with nothing to decide between them: they all ship at once, or they are all
simply backordered. Booking the run in one step gives exactly the numbers of serving them
one by one (tests/property/test_bulk_equivalence.py checks it).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from typing import TYPE_CHECKING

from simulator.policies.allocation import BackorderBatch
from simulator.policies.replenishment import NEVER

if TYPE_CHECKING:
    from simulator.metrics.ledger import CustomerLedger
    from simulator.model.clock import Clock
    from simulator.model.customers import ArrivalQueue
    from simulator.policies.allocation import Backlog
    from simulator.policies.backorder import BackorderPolicy
    from simulator.policies.replenishment import ReplenishmentPolicy


class RunBooking:
    """The run-booking methods of :class:`~simulator.model.store.Store` (a mixin)."""

    if not TYPE_CHECKING:  # no __dict__ of its own: the store declares its slots
        __slots__ = ()

    if TYPE_CHECKING:  # the store's state these methods use
        alone: bool
        backlog: Backlog
        backlog_acc: float
        backlog_units: int
        clock: Clock
        customers: CustomerLedger
        on_hand: int
        on_hand_acc: float
        on_order: int
        order_trigger: int
        policy: BackorderPolicy
        ready_acc: float
        replenishment: ReplenishmentPolicy
        shipped: int
        simple_backorders: bool
        late_checks: bool
        _seq: int

        @property
        def inventory_position(self) -> int: ...

        def _place(self, quantity: int) -> None: ...

        def _watch_batch(self, batch: BackorderBatch, index: int = 0) -> None: ...

        def _continue_batch(
            self, placed: list[float], units: int, ledger: CustomerLedger, seq: int
        ) -> bool: ...

    def _orders_before_trigger(self, units: int) -> int:
        """How many orders of ``units`` in a row leave the inventory position above the
        reorder trigger (the k-th leaves IP - k·units)."""
        trigger = self.order_trigger
        if trigger == NEVER:
            return 1 << 30
        return (self.on_hand + self.on_order - self.backlog_units - trigger - 1) // units

    def fillable_run(self, units: int) -> int:
        """How many orders of ``units`` in a row would ship whole at once with nothing else
        to decide: no backlog waiting, stock for each, and no replenishment order triggered
        before the last (nor by the last either, unless the product is ``alone``)."""
        if self.backlog_units:
            return 0
        return min(self.on_hand // units, self._orders_before_trigger(units) + self.alone)

    def bookable_run(self, units: int) -> tuple[int, Callable[[list[float], int, int, int], None]]:
        """How many orders of ``units`` in a row can be booked in one step, and the step:
        :meth:`fill_run` while they all ship at once, else :meth:`backorder_many` while they
        are all simply backordered."""
        run = self.fillable_run(units)
        if run > 1:
            return run, self.fill_run
        return self.backorder_run(units), self.backorder_many

    def book_lone_run(
        self, arrivals: ArrivalQueue, limit: float, horizon: float, units: int
    ) -> int:
        """For a product ``alone`` in its part whose customers draw nothing (each orders
        ``units``): book in one step the run of its next customers that arrive before
        ``limit`` (or by the horizon, if ``limit`` is past it), as :meth:`bookable_run`
        allows, and say how many were booked; 0 if fewer than two could be (the caller
        serves the next customer alone). The same steps as the heap loop of
        :func:`~simulator.model.customers.customer_process`, in one call."""
        on_hand = self.on_hand
        backlog = self.backlog_units
        trigger = self.order_trigger
        ahead = (
            1 << 30
            if trigger == NEVER
            else (on_hand + self.on_order - backlog - trigger - 1) // units
        )
        ahead += self.alone
        book: Callable[[list[float], int, int, int], None] = self.fill_run
        run = 0 if backlog else min(on_hand // units, ahead)  # fillable_run
        if run <= 1:  # backorder_run
            book = self.backorder_many
            if not self.simple_backorders or (backlog == 0 and on_hand >= units):
                return 0
            if units > 1 and self.policy.partial_fill:
                return 0
            run = ahead
            if run <= 1:
                return 0
        if limit > horizon:
            count = arrivals.run_before(horizon, True, run)
        else:
            times, pos = arrivals.times, arrivals.pos
            size = len(times)
            stop = bisect_left(times, limit, pos, min(size, pos + run))
            if stop < size or stop - pos >= run:
                count = stop - pos
            else:  # the run may go on into arrivals not drawn yet
                count = arrivals.run_before(limit, False, run)
        if count <= 1:
            return 0
        pos = arrivals.pos
        book(arrivals.times, pos, pos + count, units)
        return count

    def fill_run(self, times: list[float], start: int, stop: int, units: int) -> None:
        """Ship the orders at ``times[start:stop]`` whole, each of ``units``, in one step
        (and place the replenishment order the last one triggers, if it does).

        The same as calling :meth:`on_customer` for each, when :meth:`fillable_run` allows
        at least that many.
        """
        count = stop - start
        shipped = count * units
        ledger = self.customers
        ledger.orders += count
        ledger.orders_whole += count
        ledger.demanded += shipped
        ledger.filled_immediately += shipped
        on_hand = self.on_hand - shipped
        self.on_hand = on_hand
        self.on_hand_acc += units * sum(times[start:stop])
        if on_hand == 0:
            self.ready_acc += times[stop - 1]
        self.shipped += shipped
        position = on_hand + self.on_order  # _reorder_if_triggered written out (no backlog)
        if position <= self.order_trigger:
            self.clock.now = times[stop - 1]
            self._place(self.replenishment.order_quantity(position))

    def backorder_run(self, units: int) -> int:
        """How many orders of ``units`` in a row (from customers with no patience limit)
        would simply be backordered and change nothing else: the stock is short, the policy
        takes every backorder in line, and no replenishment order is triggered before the
        last (nor by the last either, unless the product is ``alone``)."""
        if not self.simple_backorders:
            return 0
        if self.backlog_units == 0 and self.on_hand >= units:
            return 0
        if units > 1 and self.policy.partial_fill:
            return 0  # a partial piece would break the batch into pieces of customers
        return self._orders_before_trigger(units) + self.alone

    def backorder_many(self, times: list[float], start: int, stop: int, units: int) -> None:
        """Backorder the orders at ``times[start:stop]``, each of ``units``, in one step
        (and place the replenishment order the last one triggers, if it does).

        The same as calling :meth:`on_customer` for each (for customers without patience),
        when :meth:`backorder_run` allows at least that many. With goodwill's late checks,
        a run that continues the batch at the tail of the backlog joins it
        (:meth:`~simulator.model.experience.Experience._continue_batch`).
        """
        count = stop - start
        total = count * units
        placed = times[start:stop]
        ledger = self.customers
        ledger.orders += count
        ledger.demanded += total
        ledger.backordered += total
        seq = self._seq + 1
        self._seq += count
        if not self.late_checks:
            self.backlog.push(BackorderBatch(seq, placed, units, ledger, (0, seq)))
        elif not self._continue_batch(placed, units, ledger, seq):
            batch = BackorderBatch(seq, placed, units, ledger, (0, seq))
            self.backlog.push(batch)
            self._watch_batch(batch)
        if self.backlog_units == 0 and self.on_hand > 0:
            self.ready_acc += placed[0]  # free stock stops being free at the first
        self.backlog_units += total
        self.backlog_acc -= units * sum(placed)
        self._reorder_if_triggered(placed[-1])

    def _reorder_if_triggered(self, now: float) -> None:
        """After a run booked in one step: place the order its last customer triggered at
        ``now``, if it did (never under periodic review)."""
        position = self.on_hand + self.on_order - self.backlog_units
        if position <= self.order_trigger:
            self.clock.now = now
            self._place(self.replenishment.order_quantity(position))
