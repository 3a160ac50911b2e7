"""One replication of one policy: build the SimPy model, run it, return its metrics.

Products meet only through a supplier that works on a limited number of orders at once
(``servers: k``): its queue makes one product's orders wait for another's. Products that
share no such supplier cannot affect each other at all (a supplier with unlimited servers
starts every order at once, and its disruptions do not depend on who orders), so the model
is split into independent *parts*, each its own SimPy environment with its own copy of the
suppliers it uses, run one after another. Every random stream is named by the product or
supplier it belongs to (lead times by supplier *and* product), and a supplier's disruption
timeline comes from its own streams, so every copy sees the same outages and the results
are exactly those of one big environment. A part stays small: its event queue holds only
its own products' events, and each product's customers are booked in long runs.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy
from simpy.core import EmptySchedule, StopSimulation
from simpy.events import Event

from simulator.collector import paused_gc
from simulator.metrics.ledger import Totals, coarse_wait_hist, store_metrics
from simulator.metrics.record import WAIT_HIST_DAYS, ReplicationMetrics
from simulator.model import clock as prio
from simulator.model.clock import Clock
from simulator.model.customers import BLOCK, CustomerSource, customer_process
from simulator.model.observe import Observation, Observer
from simulator.model.store import Store
from simulator.model.suppliers import Supplier, SupplierTally, pooled_metrics
from simulator.model.thinning import attach_goodwill
from simulator.policies.backorder import BackorderPolicy
from simulator.policies.replenishment import make_replenishment
from simulator.policies.sourcing import make_sourcing
from simulator.scenario.schema import Backorder, HistoryDemand, Scenario
from simulator.streams import RandomStreams


@dataclass
class Part:
    """Products that must be simulated together, in their own SimPy environment."""

    env: simpy.Environment
    clock: Clock
    stores: dict[str, Store]
    suppliers: dict[str, Supplier]
    """This part's own copy of each supplier its products use."""
    customers: dict[str, CustomerSource]


@dataclass
class Model:
    """A built model, ready to run: its independent parts."""

    parts: list[Part]
    stores: dict[str, Store]
    """Every product's store, whatever part it is in."""
    suppliers: dict[str, list[Supplier]]
    """Every supplier's copies, one per part that uses it."""


def independent_parts(scenario: Scenario) -> list[list[str]]:
    """The products, grouped so that products in different groups never interact.

    Two products interact when both may order from a supplier with limited ``servers``, or
    when they share one goodwill (``scope: store``).
    Groups keep the scenario's product order, and are listed by their first product.
    """
    products = list(scenario.products)
    goodwill = scenario.customers.goodwill
    if goodwill is not None and goodwill.scope == "store" and goodwill.can_change:
        return [products]  # one goodwill for the whole store ties every product together
    parent = {pid: pid for pid in products}

    def root(pid: str) -> str:
        while parent[pid] != pid:
            parent[pid] = parent[parent[pid]]
            pid = parent[pid]
        return pid

    first_user: dict[str, str] = {}
    for pid in products:
        for sid in scenario.sourcing_for(pid).suppliers:
            if scenario.suppliers[sid].servers is None:
                continue
            if sid in first_user:
                parent[root(pid)] = root(first_user[sid])
            else:
                first_user[sid] = pid
    groups: dict[str, list[str]] = {}
    for pid in products:
        groups.setdefault(root(pid), []).append(pid)
    return list(groups.values())


@dataclass(frozen=True)
class Layout:
    """What every part of a scenario's model is built from, worked out once per scenario."""

    groups: list[list[str]]
    """The products of each part, as :func:`independent_parts` groups them."""
    unused: list[str]
    """Suppliers nobody orders from: part 0 holds them (their outages still count)."""
    mean_lead: dict[str, float]
    """Each supplier's mean (bounded) lead time, what the stores expect."""
    costs: dict[str, dict[str, float]]
    """What a unit of each product costs from each supplier."""

    @classmethod
    def of(cls, scenario: Scenario) -> Layout:
        """The layout of ``scenario``'s model."""
        used = {sid for pid in scenario.products for sid in scenario.sourcing_for(pid).suppliers}
        return cls(
            groups=independent_parts(scenario),
            unused=[sid for sid in scenario.suppliers if sid not in used],
            mean_lead={
                sid: spec.lead_time_days.mean(nonnegative=True)
                for sid, spec in scenario.suppliers.items()
            },
            costs={
                sid: {pid: scenario.unit_cost(sid, pid) for pid in scenario.products}
                for sid in scenario.suppliers
            },
        )


def build(
    scenario: Scenario,
    backorder: Backorder,
    seed: np.random.SeedSequence,
    observer: Observer | None = None,
) -> Model:
    """Build the SimPy model of ``scenario`` under ``backorder``, with ``seed``'s streams.

    With an ``observer``, the model tells it every event (:mod:`simulator.model.observe`).
    Every part is built at once; :mod:`simulator.model.piecewise` builds them one at a time.
    """
    streams = RandomStreams(seed)
    policy = BackorderPolicy(backorder, scenario.customers)
    layout = Layout.of(scenario)
    parts = [
        build_part(scenario, layout, index, policy, streams, observed=observer is not None)
        for index in range(len(layout.groups))
    ]
    copies: dict[str, list[Supplier]] = {sid: [] for sid in scenario.suppliers}
    for part in parts:
        for sid, supplier in part.suppliers.items():
            copies[sid].append(supplier)
    all_stores = {pid: store for part in parts for pid, store in part.stores.items()}
    if observer is not None:
        _observe(parts, Observation(observer))
    return Model(parts, {pid: all_stores[pid] for pid in scenario.products}, copies)


def build_part(
    scenario: Scenario,
    layout: Layout,
    index: int,
    policy: BackorderPolicy,
    streams: RandomStreams,
    observed: bool = False,
) -> Part:
    """Part ``index`` of the model: its own environment, stores and supplier copies.

    Every random stream is named by its product or supplier, so a part is the same whether
    it is built alone or with all the others. ``observed``: every customer will be told to
    an observer, so none is booked in a run (goodwill's thinning is chosen accordingly).
    """
    group = layout.groups[index]
    env = simpy.Environment()
    clock = Clock(env, scenario.warmup_days, scenario.horizon_days)
    needed = {sid for pid in group for sid in scenario.sourcing_for(pid).suppliers}
    if index == 0:
        needed.update(layout.unused)  # a supplier nobody orders from still has its outages
    suppliers = {
        # a copy knows the costs of its own part's products only: a copy per part with
        # every product's costs would grow as the square of the catalogue
        sid: Supplier(
            sid,
            spec,
            clock,
            streams,
            layout.mean_lead[sid],
            {pid: layout.costs[sid][pid] for pid in group},
        )
        for sid, spec in scenario.suppliers.items()
        if sid in needed
    }
    stores: dict[str, Store] = {}
    sources: dict[str, CustomerSource] = {}
    # smaller arrival blocks in a part with many products, so memory stays small
    block = max(256, min(BLOCK, 262_144 // len(group)))
    for pid in group:
        product = scenario.products[pid]
        store = Store(
            pid,
            product,
            clock,
            policy,
            make_replenishment(product.replenishment),
            make_sourcing(scenario.sourcing_for(pid), suppliers, pid),
            scenario.customers.informed_patience_factor,
        )
        store.alone = len(group) == 1
        store.remember(scenario.customers)
        stores[pid] = store
        if isinstance(product.demand, HistoryDemand):
            from simulator.model.history_arrivals import HistoryArrivals  # on demand

            sources[pid] = HistoryArrivals(
                pid,
                product.demand,
                scenario.customers,
                store,
                streams,
                scenario.horizon_days,
                block,
            )
        else:
            sources[pid] = CustomerSource(
                pid, product.demand, scenario.customers, store, streams, block
            )
    if observed:  # every customer told: no runs booked in one step, also by goodwill's
        for source in sources.values():  # thinning (chosen next)
            source.plain = False
    attach_goodwill(scenario.customers.goodwill, stores, sources, streams, clock.warmup)
    return Part(env, clock, stores, suppliers, sources)


def _observe(parts: list[Part], observation: Observation) -> None:
    """Attach ``observation`` to every store and supplier (of parts built ``observed``,
    whose customers are served one by one)."""
    for part in parts:
        for store in part.stores.values():
            observation.attach_store(store)
        for supplier in part.suppliers.values():
            observation.attach_supplier(supplier)


def _periodic_reviews(store: Store, clock: Clock) -> Generator[Event, Any, None]:
    period = store.review_period
    assert period is not None
    k = 0
    while k * period <= clock.horizon:
        yield clock.at(k * period, prio.REVIEW)
        store.periodic_review()
        k += 1


def run_part(part: Part) -> None:
    """Run one part of a model to its horizon."""
    env, clock = part.env, part.clock

    def snapshot(_: object = None) -> None:
        clock.now = clock.env.now
        for store in part.stores.values():
            store.snapshot_warmup()
        for supplier in part.suppliers.values():
            supplier.snapshot_warmup()

    if clock.warmup == 0:
        snapshot()
    else:
        clock.call(clock.warmup, prio.WARMUP, snapshot)
    for supplier in part.suppliers.values():
        supplier.start_processes()
    for store in part.stores.values():
        if store.continuous:
            store.review()
        else:
            env.process(_periodic_reviews(store, clock))
    env.process(customer_process(clock, list(part.customers.values())))
    _run_watched(part, clock.at(clock.horizon, prio.HORIZON))
    clock.now = clock.horizon


WATCH_EVENTS = 100_000
"""The watchdog looks at the clock once every this many events (plus a few per product and
supplier of the part, which may all have events at one instant)."""


class ModelStalled(RuntimeError):
    """A replication made many events without its clock moving: it would never end."""


def _run_watched(part: Part, until: Event) -> None:
    """``env.run(until=until)``, with a watchdog: if a whole check interval of events passes
    without the clock moving, stop with :class:`ModelStalled` naming the likely key.

    The check costs one loop level per :data:`WATCH_EVENTS` events: nothing measurable.
    """
    env = part.env
    assert until.callbacks is not None
    until.callbacks.append(StopSimulation.callback)
    every = WATCH_EVENTS + 64 * (len(part.stores) + len(part.suppliers))
    step = env.step
    last = env.now
    try:
        while True:
            for _ in range(every):
                step()
            now = env.now
            if now <= last:
                raise ModelStalled(_stall_message(part, every))
            last = now
    except StopSimulation:
        return
    except EmptySchedule:  # pragma: no cover - the horizon event is always scheduled
        return


_STALL_KEYS = {
    prio.DELIVERY: "lead_time_days of the suppliers",
    prio.DISRUPTION: "disruptions",
    prio.REVIEW: "review_period_days",
    prio.CANCELLATION: "customers.patience_days or backorder.eta_update_min_days",
    prio.CUSTOMER: "demand.rate_per_day",
}


def _stall_message(part: Part, events: int) -> str:
    """What a stalled part was doing: the kind of event it keeps processing, and its key."""
    env = part.env
    counts: dict[int, int] = {}
    for _ in range(1000):
        if not env._queue:
            break
        priority = env._queue[0][1]
        counts[priority] = counts.get(priority, 0) + 1
        env.step()
    busiest = max(counts, key=counts.__getitem__) if counts else None
    key = _STALL_KEYS.get(busiest, "") if busiest is not None else ""
    if busiest == prio.DISRUPTION:
        ids = [sid for sid, s in part.suppliers.items() if s.spec.disruptions is not None]
        key = ", ".join(f"suppliers.{sid}.disruptions" for sid in ids) or key
    elif busiest == prio.REVIEW:
        ids = [pid for pid, s in part.stores.items() if s.review_period is not None]
        key = ", ".join(f"products.{pid}.replenishment.review_period_days" for pid in ids) or key
    elif busiest == prio.DELIVERY:
        key = ", ".join(f"suppliers.{sid}.lead_time_days" for sid in part.suppliers) or key
    hint = f"; check {key}" if key else ""
    return (
        f"the simulation made {events:,} events without its clock moving past day "
        f"{env.now:g} (a value that is zero or nearly zero where time must pass){hint}"
    )


def run_model(model: Model) -> ReplicationMetrics:
    """Run a built model to its horizon and measure it."""
    # The run allocates many short-lived objects but creates no reference cycles per
    # event; pausing the cyclic collector keeps it from re-walking the whole model heap
    # (which grows with the number of products) every few thousand allocations.
    with paused_gc():
        for part in model.parts:
            run_part(part)
    product_totals = {pid: store.totals() for pid, store in model.stores.items()}
    pooled = Totals.pooled(list(product_totals.values()))
    return ReplicationMetrics(
        store=store_metrics(pooled),
        wait_hist=coarse_wait_hist(pooled.wait_hist, WAIT_HIST_DAYS),
        products={pid: store_metrics(t) for pid, t in product_totals.items()},
        suppliers={
            sid: pooled_metrics([SupplierTally.of(c) for c in copies])
            for sid, copies in model.suppliers.items()
        },
    )


def simulate(
    scenario: Scenario, backorder: Backorder, seed: np.random.SeedSequence
) -> ReplicationMetrics:
    """Run one replication of ``scenario`` under the backorder rules ``backorder``.

    ``scenario`` is the policy's own scenario (its overrides already merged). ``seed`` is the
    replication's SeedSequence; every policy of a replication gets the same one, so every
    policy sees the same customers.

    The parts of the model are built, run and reduced one at a time
    (:func:`simulator.model.piecewise.run_piece`), so memory holds one part's model at a
    time however large the catalogue; the numbers are those of :func:`run_model`.
    """
    from simulator.model import piecewise  # it builds on this module

    return piecewise.combine(scenario, [piecewise.run_piece(scenario, backorder, seed)])
