"""The store: one product's stock, backlog and replenishment, and the rules of DESIGN.md §1.

The store reacts to three kinds of event: a customer order, a delivery, and a customer's
patience running out (or their quoted date passing). After each one it allocates free stock
to the backlog and, under continuous review, applies the replenishment policy.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from simulator.metrics.ledger import ON_TIME_TOLERANCE, CustomerLedger, Totals
from simulator.model import clock as prio
from simulator.model.clock import Clock
from simulator.model.suppliers import SupplyOrder
from simulator.policies.allocation import REGISTRY as BACKLOGS
from simulator.policies.allocation import BackorderBatch, BackorderEntry
from simulator.policies.backorder import BackorderPolicy
from simulator.policies.replenishment import NEVER, ReplenishmentPolicy
from simulator.policies.sourcing import SourcingRule
from simulator.scenario.schema import Product


class AccountingError(AssertionError):
    """A unit identity of DESIGN.md §2 does not hold: a bug in the model, not a statistic."""


class Store:
    """One product stocked in the store."""

    # Slots keep each store compact, which matters with thousands of products; __dict__
    # stays so that a notebook or a test can still attach things to a store.
    __slots__ = (
        "__dict__",
        "_areas_at_warmup",
        "_flows_at_warmup",
        "_seq",
        "alone",
        "backlog",
        "backlog_acc",
        "backlog_units",
        "backup_units",
        "clock",
        "continuous",
        "customers",
        "fifo",
        "id",
        "informed_patience_factor",
        "need_eta",
        "on_hand",
        "on_hand_acc",
        "on_order",
        "on_order_acc",
        "open_orders",
        "order_trigger",
        "ordering_cost",
        "policy",
        "primary",
        "purchase_cost",
        "ready_acc",
        "received",
        "replenishment",
        "replenishment_orders",
        "reserved_for",
        "review_period",
        "shipped",
        "simple_backorders",
        "sourcing",
        "spec",
        "trigger",
        "units_ordered",
        "warmup_customers",
        "window_customers",
    )

    def __init__(
        self,
        pid: str,
        spec: Product,
        clock: Clock,
        policy: BackorderPolicy,
        replenishment: ReplenishmentPolicy,
        sourcing: SourcingRule,
        informed_patience_factor: float,
    ) -> None:
        self.id = pid
        self.spec = spec
        self.clock = clock
        self.policy = policy
        self.replenishment = replenishment
        self.sourcing = sourcing
        self.informed_patience_factor = informed_patience_factor
        self.continuous = spec.replenishment.review_period_days is None
        self.review_period = spec.replenishment.review_period_days
        self.backlog = BACKLOGS[policy.allocation]()
        self.reserved_for: BackorderEntry | None = None
        """Without partial fill: the backorder the stock on hand is kept for until it can ship
        whole. It keeps that claim, whatever the allocation order says of later orders."""
        self.fifo = policy.allocation == "fifo"
        self.primary = sourcing.suppliers[0]
        self.need_eta = policy.needs_eta or (policy.allow and not replenishment.places_orders)
        self.simple_backorders = (
            policy.allow
            and not self.need_eta
            and policy.max_backlog_units is None
            and self.fifo
            and policy.accept_probability == 1.0
        )
        """Every short order is backordered and served in order, with nothing to decide:
        runs of plain customers may then be booked as one batch."""
        # state
        self.on_hand = spec.initial_on_hand
        self.on_order = 0
        self.backlog_units = 0
        self.open_orders: dict[SupplyOrder, None] = {}
        self._seq = 0
        """Counts backordered customers: their order in the line (ties in allocation)."""
        self.alone = False
        """Whether this product is simulated on its own (no other product shares its part
        of the model; see :mod:`simulator.model.simulation`). Then a run of customers booked
        in one step may end with the customer who triggers a replenishment order: nothing
        else can happen at their time, so the order is placed right after the run."""
        self.trigger = replenishment.trigger
        self.order_trigger = self.trigger if self.continuous else NEVER
        """The trigger an immediately filled order checks: none under periodic review."""
        # Time integrals as accumulators: the area under a level from 0 to T is
        # level(T)·T + acc, where acc = -Σ Δlevel·t over its changes. A change costs one
        # multiply-add on the level that changed, and nothing on the others.
        self.on_hand_acc = 0.0
        self.backlog_acc = 0.0
        self.on_order_acc = 0.0
        self.ready_acc = 0.0
        """The same for "free stock on the shelf" (on hand > 0 and no backlog), as 0/1."""
        self.shipped = 0
        self.received = 0
        # who ordered when
        self.warmup_customers = CustomerLedger()
        self.window_customers = CustomerLedger()
        self.customers = self.warmup_customers
        """The ledger of customers ordering now: the window's from the warm-up snapshot on."""
        self._areas_at_warmup = (0.0, 0.0, 0.0, 0.0)
        self._flows_at_warmup = (0, 0, 0)
        """Shipped, received and on hand at the start of the window."""
        # replenishment placed in the window
        self.replenishment_orders = 0
        self.units_ordered = 0
        self.backup_units = 0
        self.purchase_cost = 0.0
        self.ordering_cost = 0.0

    # -- levels ------------------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        """Whether free stock is on the shelf: on hand and no backlog waiting for it."""
        return self.on_hand > 0 and self.backlog_units == 0

    def _change(self, now: float, on_hand: int = 0, backlog: int = 0, on_order: int = 0) -> None:
        """Move the stock levels by the given amounts at ``now``, keeping the integrals."""
        was_ready = self.ready
        if on_hand:
            self.on_hand += on_hand
            self.on_hand_acc -= on_hand * now
        if backlog:
            self.backlog_units += backlog
            self.backlog_acc -= backlog * now
        if on_order:
            self.on_order += on_order
            self.on_order_acc -= on_order * now
        if was_ready != self.ready:
            self.ready_acc += now if was_ready else -now

    def areas(self, t: float) -> tuple[float, float, float, float]:
        """Unit-days of on hand, backlog, on order, and days ready, from 0 to ``t``.

        Valid for ``t`` not before the last change.
        """
        return (
            self.on_hand * t + self.on_hand_acc,
            self.backlog_units * t + self.backlog_acc,
            self.on_order * t + self.on_order_acc,
            (t if self.ready else 0.0) + self.ready_acc,
        )

    @property
    def inventory_position(self) -> int:
        """On hand + on order - backlog."""
        return self.on_hand + self.on_order - self.backlog_units

    # -- customers ---------------------------------------------------------------------------
    def on_customer(
        self,
        now: float,
        units: int,
        patience: float | None,
        max_quoted_wait: float | None,
        u: float,
    ) -> None:
        """A customer orders ``units`` at ``now`` (DESIGN.md §1, "Store, on an order")."""
        ledger = self.customers
        ledger.orders += 1
        ledger.demanded += units
        on_hand = self.on_hand
        if self.backlog_units == 0 and on_hand >= units:
            # The common case, kept lean: ship now. Free stock was on the shelf before; it
            # is still there unless this order took the last unit.
            on_hand -= units
            self.on_hand = on_hand
            self.on_hand_acc += units * now
            if on_hand == 0:
                self.ready_acc += now
            self.shipped += units
            ledger.filled_immediately += units
            ledger.orders_whole += 1
            if on_hand + self.on_order <= self.order_trigger:
                self.clock.now = now
                self._place(self.replenishment.order_quantity(on_hand + self.on_order))
            return
        self._short_order(now, units, patience, max_quoted_wait, u, ledger)
        if self.continuous:
            self.review()

    def own_events_from(self, now: float) -> float:
        """A time before which nothing but this product's own customers can change it: its
        next periodic review, or the earliest arrival of its supplier orders (``now`` while
        one of them is queued, whose arrival is not known yet). Held shipments arrive after
        their due time, so the bound stays safe."""
        bound = self._next_review(now) if self.review_period is not None else math.inf
        for order in self.open_orders:
            due = order.due
            if due is None:
                return now
            if due < bound:
                bound = due
        return bound

    def _orders_before_trigger(self, units: int) -> int:
        """How many orders of ``units`` in a row leave the inventory position above the
        reorder trigger (the k-th leaves IP - k·units)."""
        if self.order_trigger == NEVER:
            return 1 << 30
        return (self.inventory_position - self.order_trigger - 1) // units

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
        self._reorder_if_triggered(times[stop - 1])

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
        when :meth:`backorder_run` allows at least that many.
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
        self.backlog.push(BackorderBatch(seq, placed, units, ledger, (0, seq)))
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

    def _short_order(
        self,
        now: float,
        units: int,
        patience: float | None,
        max_quoted_wait: float | None,
        u: float,
        ledger: CustomerLedger,
    ) -> None:
        self.clock.now = now
        self._seq += 1
        short = units
        if self.policy.partial_fill and self.backlog_units == 0 and self.on_hand > 0:
            shipped = self.on_hand
            self._change(now, on_hand=-shipped)
            self.shipped += shipped
            ledger.filled_immediately += shipped
            short -= shipped
        key = self.backlog.key_for(short, self._seq)
        quoted_wait = None
        if self.need_eta:
            # a new customer comes last in a FIFO line: everything waiting is ahead
            ahead = self.backlog_units if self.fifo else self._units_ahead(key)
            quoted_wait = self.eta(now, ahead + short) - now
        policy = self.policy
        if not policy.offers(self.backlog_units, short, quoted_wait):
            ledger.refused += short
            return
        if not policy.customer_takes(quoted_wait, max_quoted_wait, u):
            ledger.declined += short
            return
        entry = BackorderEntry(self._seq, now, short, ledger, key)
        ledger.backordered += short
        self._change(now, backlog=short)
        self.backlog.push(entry)
        if policy.quote_eta:
            assert quoted_wait is not None
            entry.quote = entry.first_quote = now + quoted_wait
            ledger.quoted_units += short
            ledger.quoted_wait_sum += short * quoted_wait
            if policy.delay_updates:
                self.clock.call(entry.quote, prio.CANCELLATION, self._quote_passed, entry)
        if patience is not None:
            entry.deadline = now + patience
            self.clock.call(entry.deadline, prio.CANCELLATION, self._patience_ends, entry)
        if self.on_hand:
            self._allocate(now)

    # -- backlog -----------------------------------------------------------------------------
    def _allocate(self, now: float) -> None:
        """Give free stock to the backlog in allocation order."""
        available = self.on_hand
        if available == 0 or self.backlog_units == 0:
            return
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
                entry.ledger.ship_backorders(entry.times[first : first + count], entry.units, now)
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
            self._change(now, on_hand=-shipped, backlog=-shipped)
            self.shipped += shipped

    def _ship_backorder(self, entry: BackorderEntry, units: int, now: float) -> None:
        """Book ``units`` shipped to ``entry`` (the caller moves the stock levels)."""
        entry.remaining -= units
        entry.ledger.ship_backorder(units, now - entry.placed, entry.first_quote, now)

    def _patience_ends(self, entry: BackorderEntry) -> None:
        if entry.closed or entry.deadline > self.clock.env.now:
            return  # shipped already, or the deadline moved later
        self.clock.now = now = self.clock.env.now
        entry.closed = True
        if entry is self.reserved_for:
            self.reserved_for = None
        units = entry.remaining
        entry.remaining = 0
        self._change(now, backlog=-units)
        entry.ledger.cancelled += units
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
        entry.quote = max(eta, now + self.policy.eta_update_min_days)
        self.clock.call(entry.quote, prio.CANCELLATION, self._quote_passed, entry)
        if entry.deadline < math.inf:
            entry.deadline = now + (entry.deadline - now) * self.informed_patience_factor
            self.clock.call(entry.deadline, prio.CANCELLATION, self._patience_ends, entry)

    def _units_ahead(self, key: tuple[int, int]) -> int:
        """Units owed to backorders served before one with allocation key ``key``: those
        ahead in allocation order, and the one the stock is kept for."""
        ahead = self.backlog.units_ahead(key)
        kept = self.reserved_for
        if kept is not None and kept.key > key:
            ahead += kept.remaining
        return ahead

    # -- ETA ---------------------------------------------------------------------------------
    def eta(self, now: float, needed: int) -> float:
        """When ``needed`` units (the backlog ahead plus this customer's) are expected covered.

        On-hand stock counts first, then open supplier orders by expected arrival; what no
        open order covers gets the expected arrival of the order the policy places at the
        next review. ``math.inf`` if nothing will cover it. Padding is included.
        """
        covered = self.on_hand
        when = now
        if covered < needed:
            arrivals: list[tuple[float, int]] = []
            for supplier in self.sourcing.suppliers:
                for t, order in supplier.expected_arrivals():
                    if order.store is self:
                        arrivals.append((t, order.quantity))
            arrivals.sort(key=lambda a: a[0])
            for t, quantity in arrivals:
                covered += quantity
                if covered >= needed:
                    when = t
                    break
            else:
                if not self.replenishment.places_orders:
                    return math.inf
                when = self.sourcing.expected_delivery(self._next_review(now))
        return max(when, now) + self.policy.padding

    def _next_review(self, now: float) -> float:
        if self.review_period is None:
            return now
        return (math.floor(now / self.review_period + 1e-12) + 1) * self.review_period

    # -- replenishment -----------------------------------------------------------------------
    def review(self) -> None:
        """Apply the replenishment policy now."""
        position = self.on_hand + self.on_order - self.backlog_units
        if position <= self.trigger:
            self._place(self.replenishment.order_quantity(position))

    def periodic_review(self, _: object = None) -> None:
        self.clock.now = self.clock.env.now
        self.review()

    def _place(self, quantity: int) -> None:
        now = self.clock.now
        in_window = now >= self.clock.warmup
        for supplier, units in self.sourcing.split(quantity):
            order = SupplyOrder(self, supplier, units, now)
            self.on_order += units  # (on order has no bearing on "ready")
            self.on_order_acc -= units * now
            self.open_orders[order] = None
            if in_window:
                self.replenishment_orders += 1
                self.units_ordered += units
                self.purchase_cost += supplier.unit_cost(self.id) * units
                self.ordering_cost += supplier.order_cost
                if supplier is not self.primary:
                    self.backup_units += units
            supplier.place(order)

    def receive(self, order: SupplyOrder) -> None:
        """A supplier delivers ``order``."""
        now = self.clock.now
        del self.open_orders[order]
        units = order.quantity
        # _change(on_hand=+units, on_order=-units) written out: this runs once per delivery
        if self.on_hand == 0 and self.backlog_units == 0:
            self.ready_acc -= now  # free stock is on the shelf again
        self.on_hand += units
        self.on_hand_acc -= units * now
        self.on_order -= units
        self.on_order_acc += units * now
        self.received += units
        self._allocate(now)
        if self.continuous:
            self.review()

    # -- the window --------------------------------------------------------------------------
    def snapshot_warmup(self) -> None:
        """Remember the cumulative flows and areas at the start of the window."""
        self.customers = self.window_customers
        self._areas_at_warmup = self.areas(self.clock.now)
        self._flows_at_warmup = (self.shipped, self.received, self.on_hand)

    def totals(self) -> Totals:
        """What this product measured in the window; checks the unit identities."""
        clock = self.clock
        horizon = clock.horizon
        oh_area, bl_area, oo_area, ready = self._areas_at_warmup
        shipped, received, on_hand_warmup = self._flows_at_warmup
        customers = self.window_customers
        window = horizon - clock.warmup
        t = Totals(window_days=window)
        t.add_customers(customers)
        for entry in self.backlog.entries():
            if entry.ledger is customers:
                t.open_end += entry.remaining
                if (
                    entry.first_quote is not None
                    and horizon > entry.first_quote + ON_TIME_TOLERANCE
                ):
                    late = entry.remaining
                    t.eta_late_units += late
                    t.eta_lateness_sum += late * (horizon - entry.first_quote)
        shipped_window = self.shipped - shipped
        received_window = self.received - received
        self._check_identities(t, on_hand_warmup, received_window, shipped_window)
        spec = self.spec
        on_hand_area, backlog_area, on_order_area, ready_days = self.areas(horizon)
        # the integrals are differences of running sums: keep rounding inside their range
        t.on_hand_area = max(on_hand_area - oh_area, 0.0)
        t.backlog_area = max(backlog_area - bl_area, 0.0)
        t.on_order_area = max(on_order_area - oo_area, 0.0)
        t.ready_days = min(max(ready_days - ready, 0.0), window)
        t.replenishment_orders = self.replenishment_orders
        t.units_ordered = self.units_ordered
        t.backup_units = self.backup_units
        lost = t.refused + t.declined + t.cancelled
        t.revenue = spec.price * shipped_window
        t.retained_revenue = spec.price * t.filled_backorder
        t.lost_revenue = spec.price * lost
        t.purchase_cost = self.purchase_cost
        t.ordering_cost = self.ordering_cost
        t.holding_cost = spec.holding_cost_per_unit_day * t.on_hand_area
        t.backlog_penalty_cost = spec.backlog_penalty_per_unit_day * t.backlog_area
        t.lost_sale_penalty_cost = spec.lost_sale_penalty_per_unit * lost
        return t

    def _check_identities(
        self, t: Totals, on_hand_warmup: int, received: int, shipped: int
    ) -> None:
        accounted = (
            t.filled_immediately + t.filled_backorder + t.refused + t.declined + t.cancelled
        ) + t.open_end
        if accounted != t.demanded:
            raise AccountingError(
                f"product {self.id}: {t.demanded} units demanded but {accounted} accounted for"
            )
        if on_hand_warmup + received != shipped + self.on_hand:
            raise AccountingError(
                f"product {self.id}: on hand {on_hand_warmup} + received {received} != "
                f"shipped {shipped} + on hand {self.on_hand}"
            )
        if self.on_hand < 0 or self.backlog_units < 0 or self.on_order < 0:
            raise AccountingError(f"product {self.id}: a stock level went negative")
        if sum(e.remaining for e in self.backlog.entries()) != self.backlog_units:
            raise AccountingError(f"product {self.id}: backlog units drifted")
        if sum(o.quantity for o in self.open_orders) != self.on_order:
            raise AccountingError(f"product {self.id}: units on order drifted")
