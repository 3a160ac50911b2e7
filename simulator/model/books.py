"""The store's books for the window: totals per product and the unit identities of DESIGN §2."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.metrics.ledger import ON_TIME_TOLERANCE, Totals

if TYPE_CHECKING:
    from simulator.metrics.ledger import CustomerLedger
    from simulator.model.clock import Clock
    from simulator.model.goodwill import GoodwillLevel
    from simulator.model.suppliers import SupplyOrder
    from simulator.policies.allocation import Backlog
    from simulator.scenario.schema import Product


class AccountingError(AssertionError):
    """A unit identity of DESIGN.md §2 does not hold: a bug in the model, not a statistic."""


class WindowBooks:
    """The closing-the-books methods of :class:`~simulator.model.store.Store` (a mixin)."""

    if not TYPE_CHECKING:  # no __dict__ of its own: the store declares its slots
        __slots__ = ()

    if TYPE_CHECKING:  # the store's state these methods use
        id: str
        spec: Product
        clock: Clock
        backlog: Backlog
        backlog_units: int
        backup_units: int
        on_hand: int
        on_order: int
        open_orders: dict[SupplyOrder, None]
        ordering_cost: float
        purchase_cost: float
        received: int
        replenishment_orders: int
        shipped: int
        units_ordered: int
        window_customers: CustomerLedger
        _areas_at_warmup: tuple[float, float, float, float]
        _flows_at_warmup: tuple[int, int, int]

        goodwill: GoodwillLevel | None

        def areas(self, t: float) -> tuple[float, float, float, float]: ...

        def _open_outcomes(self, t: Totals, horizon: float) -> None: ...

        def _goodwill_totals(self, t: Totals, horizon: float) -> None: ...

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
        self._open_outcomes(t, horizon)
        self._goodwill_totals(t, horizon)
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
        self._check_experiences(t)
        if self.on_hand < 0 or self.backlog_units < 0 or self.on_order < 0:
            raise AccountingError(f"product {self.id}: a stock level went negative")
        if sum(e.remaining for e in self.backlog.entries()) != self.backlog_units:
            raise AccountingError(f"product {self.id}: backlog units drifted")
        if sum(o.quantity for o in self.open_orders) != self.on_order:
            raise AccountingError(f"product {self.id}: units on order drifted")

    def _check_experiences(self, t: Totals) -> None:
        """Every order in one class of the experience mix; with goodwill, every potential
        customer either ordered or not."""
        classed = t.orders_whole + t.orders_promised + t.orders_late + t.orders_lost
        if classed != t.orders:
            raise AccountingError(f"product {self.id}: {t.orders} orders but {classed} classed")
        if self.goodwill is not None and t.potential_orders != t.orders + t.orders_lost_to_goodwill:
            raise AccountingError(
                f"product {self.id}: {t.potential_orders} potential customers != "
                f"{t.orders} orders + {t.orders_lost_to_goodwill} lost to goodwill"
            )
