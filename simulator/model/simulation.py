"""One replication of one policy: build the SimPy model, run it, return its metrics."""

from __future__ import annotations

import gc
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy
from simpy.events import Event

from simulator.metrics.ledger import Totals, store_metrics
from simulator.metrics.record import ReplicationMetrics
from simulator.model import clock as prio
from simulator.model.clock import Clock
from simulator.model.customers import BLOCK, CustomerSource, customer_process
from simulator.model.store import Store
from simulator.model.suppliers import Supplier
from simulator.policies.backorder import BackorderPolicy
from simulator.policies.replenishment import make_replenishment
from simulator.policies.sourcing import make_sourcing
from simulator.scenario.schema import Backorder, Scenario
from simulator.streams import RandomStreams


@dataclass
class Model:
    """A built model, ready to run: the clock, the stores and the suppliers."""

    env: simpy.Environment
    clock: Clock
    stores: dict[str, Store]
    suppliers: dict[str, Supplier]
    customers: dict[str, CustomerSource]


def build(scenario: Scenario, backorder: Backorder, seed: np.random.SeedSequence) -> Model:
    """Build the SimPy model of ``scenario`` under ``backorder``, with ``seed``'s streams."""
    env = simpy.Environment()
    clock = Clock(env, scenario.warmup_days, scenario.horizon_days)
    streams = RandomStreams(seed)
    policy = BackorderPolicy(backorder, scenario.customers)
    suppliers = {
        sid: Supplier(sid, spec, clock, streams) for sid, spec in scenario.suppliers.items()
    }
    stores: dict[str, Store] = {}
    # smaller arrival blocks when there are many products, so memory stays small
    block = max(256, min(BLOCK, 262_144 // len(scenario.products)))
    sources: dict[str, CustomerSource] = {}
    for pid, product in scenario.products.items():
        store = Store(
            pid,
            product,
            clock,
            policy,
            make_replenishment(product.replenishment),
            make_sourcing(scenario.sourcing_for(pid), suppliers),
            scenario.customers.informed_patience_factor,
        )
        stores[pid] = store
        sources[pid] = CustomerSource(
            pid, product.demand, scenario.customers, store, streams, block
        )
    return Model(env, clock, stores, suppliers, sources)


def _periodic_reviews(store: Store, clock: Clock) -> Generator[Event, Any, None]:
    period = store.review_period
    assert period is not None
    k = 0
    while k * period <= clock.horizon:
        yield clock.at(k * period, prio.REVIEW)
        store.periodic_review()
        k += 1


def run_model(model: Model) -> ReplicationMetrics:
    """Run a built model to its horizon and measure it."""
    env, clock = model.env, model.clock

    def snapshot(_: object = None) -> None:
        clock.now = clock.env.now
        for store in model.stores.values():
            store.snapshot_warmup()
        for supplier in model.suppliers.values():
            supplier.snapshot_warmup()

    if clock.warmup == 0:
        snapshot()
    else:
        clock.call(clock.warmup, prio.WARMUP, snapshot)
    for supplier in model.suppliers.values():
        supplier.start_processes()
    for store in model.stores.values():
        if store.continuous:
            store.review()
        else:
            env.process(_periodic_reviews(store, clock))
    env.process(customer_process(clock, list(model.customers.values())))
    # The run allocates many short-lived objects but creates no reference cycles per
    # event; pausing the cyclic collector keeps it from re-walking the whole model heap
    # (which grows with the number of products) every few thousand allocations.
    collecting = gc.isenabled()
    gc.disable()
    try:
        env.run(until=clock.at(clock.horizon, prio.HORIZON))
    finally:
        if collecting:
            gc.enable()
    clock.now = clock.horizon
    product_totals = {pid: store.totals() for pid, store in model.stores.items()}
    return ReplicationMetrics(
        store=store_metrics(Totals.pooled(list(product_totals.values()))),
        products={pid: store_metrics(t) for pid, t in product_totals.items()},
        suppliers={sid: s.metrics() for sid, s in model.suppliers.items()},
    )


def simulate(
    scenario: Scenario, backorder: Backorder, seed: np.random.SeedSequence
) -> ReplicationMetrics:
    """Run one replication of ``scenario`` under the backorder rules ``backorder``.

    ``scenario`` is the policy's own scenario (its overrides already merged). ``seed`` is the
    replication's SeedSequence; every policy of a replication gets the same one, so every
    policy sees the same customers.
    """
    return run_model(build(scenario, backorder, seed))
