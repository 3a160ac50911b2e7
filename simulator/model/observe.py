"""Observing the model: what happens in one replication, event by event.

An *observer* is any callable that takes a :class:`ModelEvent`. Attach one when building a
model (``simulation.build(..., observer=...)``) and the stores and suppliers report every
customer order and its outcome, every backorder shipped or cancelled, every quote update,
replenishment order, delivery, disruption and periodic review, with the product's levels
*after* the event. With no observer attached nothing here runs: the model's hooks are a
``None`` check on paths that are not per customer, and the per-customer path is swapped in
only on observed stores (which also serve every customer one by one instead of in booked
runs; the numbers are the same either way).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.model.store import Store
    from simulator.model.suppliers import Supplier, SupplyOrder
    from simulator.policies.allocation import BackorderEntry

KINDS = (
    "order",
    "backorder_shipped",
    "cancelled",
    "quote_updated",
    "replenishment",
    "delivery",
    "disruption_start",
    "disruption_end",
    "review",
)
"""Every ``ModelEvent.kind``."""


@dataclass(frozen=True)
class ModelEvent:
    """One thing that happened in the model, with the product's levels after it.

    ``customer`` is the order's number (1, 2, ... in order of arrival over all products of
    the replication) for customer events, else None. ``units`` is the order's size, the
    units shipped, cancelled, ordered or delivered. ``detail`` holds what the kind adds:

    - ``order``: ``shipped_now``, ``backordered``, ``refused``, ``declined`` (units),
      ``on_hand_before``, ``promised`` (the quoted date, or None), ``in_window``;
    - ``backorder_shipped``: ``wait`` (days since the order), ``completed`` (nothing left);
    - ``cancelled``: ``waited`` (days since the order);
    - ``quote_updated``: ``promised`` (the new date), ``previous``;
    - ``replenishment``: ``due`` (when its lead time ends; None while queued),
      ``expected`` (when the store expects it), ``in_window``;
    - ``delivery``: ``ordered`` (when it was placed);
    - ``disruption_start``: ``until`` (the announced end), ``next_supplier`` ({product: the
      supplier a whole order of that product would go to now});
    - ``disruption_end``: ``next_supplier`` as above;
    - ``review``: ``position`` (the inventory position before ordering).

    Supplier events (disruptions) carry no product and the levels of no product (None).
    """

    time: float
    kind: str
    product: str | None
    supplier: str | None
    customer: int | None
    units: int | None
    on_hand: int | None
    backlog: int | None
    on_order: int | None
    detail: dict[str, Any] = field(default_factory=dict)


Observer = Callable[[ModelEvent], None]
"""Anything that takes the model's events."""


class Observation:
    """The model's side of one observer: numbers the customers, builds the events.

    One per model, shared by its stores and suppliers (they hold it as ``observer``).
    """

    def __init__(self, listener: Observer) -> None:
        self.listener = listener
        self.orders = 0
        """Customers so far (the last order's number)."""
        self._numbers: dict[tuple[str, int], int] = {}
        """(product, backorder seq) -> order number, while the backorder is open."""
        self._deferred: list[ModelEvent] | None = None
        """While a customer is being served: the events their order caused (a replenishment
        order, shipments), told after the order itself."""
        self._order_levels: tuple[int, int, int] | None = None
        self._stores: list[Store] = []

    # -- wiring ------------------------------------------------------------------------------
    def attach_store(self, store: Store) -> None:
        """Observe ``store``: every customer is served through :meth:`customer`."""
        store.observer = self
        self._stores.append(store)
        pending: list[tuple[BackorderEntry, int, float]] = []
        store.__dict__["_observed_shipments"] = pending
        original_ship = store._ship_backorder
        serve = type(store).on_customer  # the store's own rules, unobserved

        def ship(entry: BackorderEntry, units: int, now: float) -> None:
            original_ship(entry, units, now)
            pending.append((entry, units, now))

        def on_customer(
            now: float, units: int, patience: float | None, wait: float | None, u: float
        ) -> None:
            self.customer(store, serve, now, units, patience, wait, u)

        store.__dict__["_ship_backorder"] = ship
        store.__dict__["on_customer"] = on_customer

    def attach_supplier(self, supplier: Supplier) -> None:
        supplier.observer = self

    def _emit(self, event: ModelEvent) -> None:
        if self._deferred is not None:
            if self._order_levels is None:
                levels = (event.on_hand, event.backlog, event.on_order)
                if event.kind == "replenishment":
                    assert event.on_order is not None and event.units is not None
                    levels = (event.on_hand, event.backlog, event.on_order - event.units)
                self._order_levels = levels  # type: ignore[assignment]
            self._deferred.append(event)
        else:
            self.listener(event)

    @staticmethod
    def _levels(store: Store) -> tuple[int, int, int]:
        return store.on_hand, store.backlog_units, store.on_order

    # -- customers ---------------------------------------------------------------------------
    def customer(
        self,
        store: Store,
        serve: Callable[[Store, float, int, float | None, float | None, float], None],
        now: float,
        units: int,
        patience: float | None,
        max_quoted_wait: float | None,
        u: float,
    ) -> None:
        """Serve one customer through the store's own rules (``serve``), then tell what
        happened."""
        ledger = store.customers
        before = (ledger.filled_immediately, ledger.backordered, ledger.refused, ledger.declined)
        on_hand = store.on_hand
        self.orders += 1
        number = self.orders
        key = (store.id, store._seq + 1)  # the seq a backorder of this order would get
        self._numbers[key] = number
        self._deferred, self._order_levels = [], None
        try:
            serve(store, now, units, patience, max_quoted_wait, u)
            deferred, levels = self._deferred, self._order_levels
        finally:
            self._deferred = None
        shipped, backordered, refused, declined = (
            after - b
            for after, b in zip(
                (ledger.filled_immediately, ledger.backordered, ledger.refused, ledger.declined),
                before,
                strict=True,
            )
        )
        promised = None
        if backordered:
            entry = next((e for e in store.backlog.entries() if e.seq == key[1]), None)
            promised = entry.quote if entry is not None else None
        else:
            self._numbers.pop(key, None)
        on_hand_after, backlog, on_order = levels or self._levels(store)
        self.listener(
            ModelEvent(
                now,
                "order",
                store.id,
                None,
                number,
                units,
                on_hand_after,
                backlog,
                on_order,
                {
                    "shipped_now": shipped,
                    "backordered": backordered,
                    "refused": refused,
                    "declined": declined,
                    "on_hand_before": on_hand,
                    "promised": promised,
                    "in_window": now >= store.clock.warmup,
                },
            )
        )
        for event in deferred:
            self.listener(event)

    def shipped(self, store: Store) -> None:
        """The store shipped backorders (after its levels moved)."""
        pending: list[tuple[BackorderEntry, int, float]] = store.__dict__["_observed_shipments"]
        on_hand, backlog, on_order = self._levels(store)
        for entry, units, now in pending:
            key = (store.id, entry.seq)
            completed = entry.remaining == 0
            number = self._numbers.pop(key, None) if completed else self._numbers.get(key)
            detail = {"wait": now - entry.placed, "completed": completed}
            self._emit(
                ModelEvent(
                    now,
                    "backorder_shipped",
                    store.id,
                    None,
                    number,
                    units,
                    on_hand,
                    backlog,
                    on_order,
                    detail,
                )
            )
        pending.clear()

    def cancelled(self, store: Store, entry: BackorderEntry, units: int) -> None:
        now = store.clock.now
        number = self._numbers.pop((store.id, entry.seq), None)
        on_hand, backlog, on_order = self._levels(store)
        self._emit(
            ModelEvent(
                now,
                "cancelled",
                store.id,
                None,
                number,
                units,
                on_hand,
                backlog,
                on_order,
                {"waited": now - entry.placed},
            )
        )

    def quote_updated(self, store: Store, entry: BackorderEntry, previous: float | None) -> None:
        number = self._numbers.get((store.id, entry.seq))
        on_hand, backlog, on_order = self._levels(store)
        self._emit(
            ModelEvent(
                store.clock.now,
                "quote_updated",
                store.id,
                None,
                number,
                entry.remaining,
                on_hand,
                backlog,
                on_order,
                {"promised": entry.quote, "previous": previous},
            )
        )

    # -- replenishment -----------------------------------------------------------------------
    def placed(self, store: Store, order: SupplyOrder) -> None:
        on_hand, backlog, on_order = self._levels(store)
        detail = {
            "due": order.due,
            "expected": order.supplier.expected_delivery(order.placed)
            if order.due is None
            else order.placed + order.supplier.mean_lead_time,
            "in_window": order.placed >= store.clock.warmup,
        }
        self._emit(
            ModelEvent(
                order.placed,
                "replenishment",
                store.id,
                order.supplier.id,
                None,
                order.quantity,
                on_hand,
                backlog,
                on_order,
                detail,
            )
        )

    def delivered(self, store: Store, order: SupplyOrder) -> None:
        on_hand, backlog, on_order = self._levels(store)
        self._emit(
            ModelEvent(
                store.clock.now,
                "delivery",
                store.id,
                order.supplier.id,
                None,
                order.quantity,
                on_hand,
                backlog,
                on_order,
                {"ordered": order.placed},
            )
        )

    def reviewed(self, store: Store) -> None:
        on_hand, backlog, on_order = self._levels(store)
        self._emit(
            ModelEvent(
                store.clock.now,
                "review",
                store.id,
                None,
                None,
                None,
                on_hand,
                backlog,
                on_order,
                {"position": on_hand + on_order - backlog},
            )
        )

    # -- suppliers ---------------------------------------------------------------------------
    def disruption(self, supplier: Supplier, down: bool) -> None:
        nxt = {}
        for store in self._stores:
            if supplier in store.sourcing.suppliers and len(store.sourcing.suppliers) > 1:
                nxt[store.id] = ", ".join(sorted({s.id for s, _ in store.sourcing.split_shape()}))
        detail: dict[str, Any] = {"next_supplier": nxt}
        if down:
            detail["until"] = supplier.down_until
        kind = "disruption_start" if down else "disruption_end"
        self._emit(
            ModelEvent(
                supplier.clock.now, kind, None, supplier.id, None, None, None, None, None, detail
            )
        )
