"""Suppliers: lead times, capacity (``servers``), disruptions and held shipments.

A supplier receives replenishment orders from stores. Each order, once *started*, takes one
lead-time draw and then arrives at its store. With unlimited servers every order starts at
once (lead times are independent and orders may cross); with ``servers: k`` orders queue
FIFO. A disrupted supplier starts no new work; with ``hold_shipments`` nothing it has in
progress arrives before the disruption ends.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simpy.events import Event

from simulator.distributions import Sampler
from simulator.model import clock as prio
from simulator.model.clock import At, Clock
from simulator.scenario.schema import DisruptionWindow, RandomDisruptions
from simulator.scenario.schema import Supplier as SupplierSpec
from simulator.streams import RandomStreams

if TYPE_CHECKING:
    from simulator.model.observe import Observation
    from simulator.model.store import Store


class SupplyOrder:
    """One replenishment order placed with one supplier for one store."""

    __slots__ = ("due", "placed", "quantity", "started", "store", "supplier")

    def __init__(self, store: Store, supplier: Supplier, quantity: int, placed: float) -> None:
        self.store = store
        self.supplier = supplier
        self.quantity = quantity
        self.placed = placed
        self.started: float | None = None
        """When the supplier started working on it (None while queued)."""
        self.due: float | None = None
        """When its lead time ends (None while queued); a held shipment arrives later."""


class Supplier:
    """One supplier as a SimPy actor: starts orders, delivers them, goes down and up."""

    def __init__(
        self,
        sid: str,
        spec: SupplierSpec,
        clock: Clock,
        streams: RandomStreams,
        mean_lead_time: float,
        unit_costs: dict[str, float] | None = None,
    ) -> None:
        self.id = sid
        self.spec = spec
        self.clock = clock
        self.unit_costs: dict[str, float] = dict(unit_costs or {})
        """What a unit of each product costs from this supplier, by product id, resolved
        (see :meth:`simulator.scenario.schema.Scenario.unit_cost`); a product not listed
        costs 0."""
        self.order_cost = spec.order_cost
        self.servers = spec.servers
        self.hold_shipments = spec.hold_shipments
        self._leads: dict[str, Sampler] = {}
        """Lead-time draws, one stream per product: a product's k-th order gets the same
        lead time whatever the other products order (common random numbers)."""
        self.mean_lead_time = mean_lead_time
        """The mean of the bounded lead-time distribution: what the store expects. Given,
        because it is computed once for all of a supplier's copies (one per model part)."""
        self.busy = 0
        self.queue: deque[SupplyOrder] = deque()
        """Orders waiting to start, oldest first."""
        self.active: dict[SupplyOrder, None] = {}
        """Orders in progress (an ordered set)."""
        self.held: list[SupplyOrder] = []
        """Orders finished during a disruption, waiting for its end (``hold_shipments``)."""
        self.down = False
        self.down_until = 0.0
        """When the current disruption ends (announced by the supplier)."""
        self._down_acc = 0.0
        self._down_since = 0.0
        self._down_at_warmup = 0.0
        # window counters
        self.orders = 0
        self.units = 0
        self.spend = 0.0
        self.lead_time_sum = 0.0
        self.received = 0
        self._streams = streams
        self.observer: Observation | None = None
        """Told of disruptions, when the model is observed (:mod:`simulator.model.observe`)."""

    # -- orders ------------------------------------------------------------------------------
    def unit_cost(self, product_id: str) -> float:
        """What one unit of product ``product_id`` costs from this supplier."""
        return self.unit_costs.get(product_id, 0.0)

    def place(self, order: SupplyOrder) -> None:
        """Accept an order now: start it, or queue it if down or at capacity."""
        if order.placed >= self.clock.warmup:
            quantity = order.quantity
            self.orders += 1
            self.units += quantity
            self.spend += self.unit_costs.get(order.store.id, 0.0) * quantity + self.order_cost
        if self.down or (self.servers is not None and self.busy >= self.servers):
            self.queue.append(order)
        else:
            self._start(order)

    def _start(self, order: SupplyOrder) -> None:
        now = self.clock.now
        order.started = now
        lead = self._leads.get(order.store.id)
        if lead is None:
            lead = self._leads[order.store.id] = self.spec.lead_time_days.sampler(
                self._streams.generator("supplier", self.id, "lead_time", order.store.id),
                nonnegative=True,
            )
        order.due = due = now + lead()
        self.busy += 1
        self.active[order] = None
        At(self.clock.env, due, prio.DELIVERY, self._finish, order)

    def _start_queued(self) -> None:
        queue = self.queue
        while queue and (self.servers is None or self.busy < self.servers):
            self._start(queue.popleft())

    def _finish(self, event: Event) -> None:
        """The lead time of the order carried by ``event`` is over."""
        order: SupplyOrder = event._value
        self.clock.now = now = event.env._now
        self.busy -= 1
        del self.active[order]
        if self.down and self.hold_shipments:
            self.held.append(order)
            return
        if self.queue and not self.down:
            self._start_queued()
        # _deliver(order) written out: this runs once per delivery
        if now >= self.clock.warmup:
            self.received += 1
            self.lead_time_sum += now - order.placed
        order.store.receive(order)

    def _deliver(self, order: SupplyOrder) -> None:
        now = self.clock.now
        if now >= self.clock.warmup:
            self.received += 1
            self.lead_time_sum += now - order.placed
        order.store.receive(order)

    # -- disruptions -------------------------------------------------------------------------
    def start_processes(self) -> None:
        """Start the disruption process, if the supplier has disruptions."""
        spec = self.spec.disruptions
        if isinstance(spec, RandomDisruptions):
            self.clock.env.process(self._random_outages(spec))
        elif spec:
            self.clock.env.process(self._window_outages(spec))

    def _random_outages(self, spec: RandomDisruptions) -> Generator[Event, Any, None]:
        every = spec.every_days.sampler(
            self._streams.generator("supplier", self.id, "disruption_every"), nonnegative=True
        )
        duration = spec.duration_days.sampler(
            self._streams.generator("supplier", self.id, "disruption_duration"),
            nonnegative=True,
        )
        t = 0.0
        while True:
            t += every()
            if t > self.clock.horizon:
                return
            end = t + duration()
            yield from self._outage(t, end)
            t = end

    def _window_outages(self, windows: list[DisruptionWindow]) -> Generator[Event, Any, None]:
        for window in sorted(windows, key=lambda w: w.start_day):
            if window.start_day > self.clock.horizon:
                return
            yield from self._outage(window.start_day, window.end_day)

    def _outage(self, start: float, end: float) -> Generator[Event, Any, None]:
        """Wait until ``start``, go down until ``end`` (announced), then come back up."""
        yield self.clock.at(start, prio.DISRUPTION)
        self._go_down(end)
        yield self.clock.at(end, prio.DISRUPTION)
        self._go_up()

    def _go_down(self, until: float) -> None:
        self.clock.now = now = self.clock.env.now
        self.down = True
        self.down_until = until
        self._down_since = now
        if self.observer is not None:
            self.observer.disruption(self, True)

    def _go_up(self) -> None:
        self.clock.now = now = self.clock.env.now
        self.down = False
        self._down_acc += now - self._down_since
        if self.observer is not None:
            self.observer.disruption(self, False)
        self._start_queued()
        held, self.held = self.held, []
        for order in held:
            self._deliver(order)

    def down_time(self, t: float) -> float:
        """Total days down from 0 to ``t`` (``t`` not before the last change)."""
        return self._down_acc + (t - self._down_since if self.down else 0.0)

    def snapshot_warmup(self) -> None:
        self._down_at_warmup = self.down_time(self.clock.now)

    def disrupted_days(self) -> float:
        """Days down within the window."""
        return self.down_time(self.clock.horizon) - self._down_at_warmup

    # -- what the store expects --------------------------------------------------------------
    def _expected_finish(self, order: SupplyOrder) -> float:
        """When an order in progress is expected to finish: its start plus the mean lead
        time; if that has passed, now plus the mean of what is left of a lead time that has
        already lasted this long."""
        assert order.started is not None
        now = self.clock.now
        due = order.started + self.mean_lead_time
        if due < now:
            due = now + self.spec.lead_time_days.residual_mean(now - order.started)
        return due

    def _earliest_start(self, at: float) -> float:
        t0 = max(at, self.clock.now)
        return max(t0, self.down_until) if self.down else t0

    def _server_schedule(self, t0: float) -> tuple[list[float], list[float]]:
        """Expected start of each queued order, and the servers' free times after them."""
        now, mean = self.clock.now, self.mean_lead_time
        if self.servers is None:
            return [t0] * len(self.queue), []
        free = [self._expected_finish(o) for o in self.active]
        free += [now] * (self.servers - self.busy)
        heapq.heapify(free)
        starts = []
        for _ in self.queue:
            start = max(heapq.heappop(free), t0)
            starts.append(start)
            heapq.heappush(free, start + mean)
        return starts, free

    def expected_delivery(self, at: float | None = None) -> float:
        """When an order placed at ``at`` (default now) is expected to arrive.

        Its expected start (once the queue and any current disruption clear) plus the mean
        lead time.
        """
        t0 = self._earliest_start(self.clock.now if at is None else at)
        if self.servers is not None:
            _, free = self._server_schedule(t0)
            t0 = max(free[0], t0)
        return t0 + self.mean_lead_time

    def expected_arrivals(self) -> list[tuple[float, SupplyOrder]]:
        """Every open order with its expected arrival time."""
        now, mean = self.clock.now, self.mean_lead_time
        release = self.down_until if (self.down and self.hold_shipments) else now
        out = [(max(now, release), o) for o in self.held]
        for o in self.active:
            out.append((max(self._expected_finish(o), release), o))
        if self.queue:
            starts, _ = self._server_schedule(self._earliest_start(now))
            out.extend((s + mean, o) for s, o in zip(starts, self.queue, strict=True))
        return out


@dataclass(frozen=True)
class SupplierTally:
    """What one copy of a supplier counted in the window: all its metrics need, small
    enough to send back from a worker in place of the copy itself."""

    orders: int
    units: int
    spend: float
    received: int
    lead_time_sum: float
    disrupted_days: float

    @classmethod
    def of(cls, copy: Supplier) -> SupplierTally:
        """The tally of a supplier copy that has run to the horizon."""
        return cls(
            copy.orders,
            copy.units,
            copy.spend,
            copy.received,
            copy.lead_time_sum,
            copy.disrupted_days(),
        )


def pooled_metrics(tallies: Sequence[SupplierTally]) -> dict[str, float | None]:
    """The metrics of one supplier simulated as several copies, one per independent part of
    the model (see :mod:`simulator.model.simulation`), from their tallies in part order:
    orders, units and spend add up; every copy lived through the same disruptions."""
    received = sum(c.received for c in tallies)
    lead_time_sum = sum(c.lead_time_sum for c in tallies)
    return {
        "orders": float(sum(c.orders for c in tallies)),
        "units": float(sum(c.units for c in tallies)),
        "spend": sum(c.spend for c in tallies),
        "mean_lead_time_days": lead_time_sum / received if received else None,
        "disrupted_days": tallies[0].disrupted_days,
    }
