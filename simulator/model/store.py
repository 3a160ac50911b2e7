"""The store: one product's stock, backlog and replenishment, and the rules of DESIGN.md §1.

The store reacts to three kinds of event: a customer order, a delivery, and a customer's
patience running out (or their quoted date passing). After each one it allocates free stock
to the backlog and, under continuous review, applies the replenishment policy.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from simulator.metrics.ledger import CustomerLedger
from simulator.model import clock as prio
from simulator.model.backlog_rules import BacklogRules
from simulator.model.books import WindowBooks
from simulator.model.clock import Clock
from simulator.model.eta import EtaQuotes
from simulator.model.experience import Experience
from simulator.model.observe import Observation
from simulator.model.runs import RunBooking
from simulator.model.suppliers import SupplyOrder
from simulator.policies.allocation import REGISTRY as BACKLOGS
from simulator.policies.allocation import BackorderEntry
from simulator.policies.backorder import BackorderPolicy
from simulator.policies.replenishment import NEVER, ReplenishmentPolicy
from simulator.policies.sourcing import SourcingRule
from simulator.scenario.schema import Product

if TYPE_CHECKING:
    from simulator.model.goodwill import GoodwillLevel


class Store(RunBooking, EtaQuotes, BacklogRules, WindowBooks, Experience):
    """One product stocked in the store.

    The fast path for runs of plain customers (:mod:`~simulator.model.runs`), ETA quotes
    (:mod:`~simulator.model.eta`), the backlog's rules (allocation, patience, quote
    updates: :mod:`~simulator.model.backlog_rules`), the window's books
    (:mod:`~simulator.model.books`) and
    the customers' experiences and goodwill (:mod:`~simulator.model.experience`) live in
    modules of their own.
    """

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
        "expected_wait",
        "fifo",
        "goodwill",
        "id",
        "informed_patience_factor",
        "late_checks",
        "need_eta",
        "observer",
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
        self.observer: Observation | None = None
        """Told what happens, when the model is observed (:mod:`simulator.model.observe`)."""
        self._areas_at_warmup = (0.0, 0.0, 0.0, 0.0)
        self._flows_at_warmup = (0, 0, 0)
        """Shipped, received and on hand at the start of the window."""
        # replenishment placed in the window
        self.replenishment_orders = 0
        self.units_ordered = 0
        self.backup_units = 0
        self.purchase_cost = 0.0
        self.ordering_cost = 0.0
        # what customers remember (see Experience.remember and model/thinning.py)
        self.expected_wait = 3.0
        """Days an unquoted backordered customer expects to wait."""
        self.goodwill: GoodwillLevel | None = None
        self.late_checks = False
        """Whether a promise passing unfilled is checked (goodwill's ``late_order`` > 0)."""

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
            self._lost_order(now, ledger)
            return
        if not policy.customer_takes(quoted_wait, max_quoted_wait, u):
            ledger.declined += short
            self._lost_order(now, ledger)
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
        if self.late_checks:
            self._watch(entry)
        if self.on_hand:
            self._allocate(now)

    # -- replenishment -----------------------------------------------------------------------
    def review(self) -> None:
        """Apply the replenishment policy now."""
        position = self.on_hand + self.on_order - self.backlog_units
        if position <= self.trigger:
            self._place(self.replenishment.order_quantity(position))

    def periodic_review(self, _: object = None) -> None:
        self.clock.now = self.clock.env.now
        if self.observer is not None:
            self.observer.reviewed(self)
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
                self.purchase_cost += supplier.unit_costs.get(self.id, 0.0) * units
                self.ordering_cost += supplier.order_cost
                if supplier is not self.primary:
                    self.backup_units += units
            supplier.place(order)
            if self.observer is not None:
                self.observer.placed(self, order)

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
        if self.observer is not None:
            self.observer.delivered(self, order)
        self._allocate(now)
        if self.continuous:  # review() written out
            position = self.on_hand + self.on_order - self.backlog_units
            if position <= self.trigger:
                self._place(self.replenishment.order_quantity(position))

    # -- the window --------------------------------------------------------------------------
    def snapshot_warmup(self) -> None:
        """Remember the cumulative flows and areas at the start of the window."""
        self.customers = self.window_customers
        self._areas_at_warmup = self.areas(self.clock.now)
        self._flows_at_warmup = (self.shipped, self.received, self.on_hand)
