"""Booking runs of customers in one step gives the same results as serving them one by one.

For a product whose customers draw nothing, the customer process books runs of orders that
would all ship at once (or all simply be backordered) in a single step. These tests run
random such scenarios both ways and require every metric to agree (to rounding: sums are
added in a different order).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_profiles import examples
from strategies import catalogue_product, same_metrics

from simulator.model.simulation import simulate
from simulator.model.store import Store
from simulator.scenario.schema import Backorder, Scenario


@st.composite
def plain_scenarios(draw: st.DrawFn) -> tuple[Scenario, Backorder]:
    kind = draw(st.sampled_from(["base_stock", "rQ", "sS"]))
    if kind == "base_stock":
        replenishment: dict[str, Any] = {"policy": kind, "level": draw(st.integers(0, 25))}
    elif kind == "rQ":
        q = draw(st.integers(1, 30))
        replenishment = {
            "policy": kind,
            "order_quantity": q,
            "reorder_point": draw(st.integers(-q, 20)),
        }
    else:
        big = draw(st.integers(1, 30))
        replenishment = {
            "policy": kind,
            "order_up_to": big,
            "reorder_point": draw(st.integers(-big, big - 1)),
        }
    if draw(st.booleans()):
        replenishment["review_period_days"] = draw(st.sampled_from([0.5, 1.0, 2.5]))
    lead = draw(st.sampled_from([0.0, 1.0, 2.0, {"dist": "exponential", "mean": 2}]))
    horizon = draw(st.floats(30, 120))
    data = {
        "name": "bulk",
        "horizon_days": horizon,
        "warmup_days": draw(st.sampled_from([0.0, 10.0, horizon / 3])),
        "customers": {"accept_probability": draw(st.sampled_from([0.0, 1.0]))},
        "products": {
            "w": {
                "price": 2,
                "initial_on_hand": draw(st.integers(0, 40)),
                "demand": {
                    "rate_per_day": draw(st.floats(1, 30)),
                    "order_size": draw(st.integers(1, 3)),
                },
                "replenishment": replenishment,
            }
        },
        "suppliers": {"a": {"lead_time_days": lead}},
        "policies": [{"name": "p"}],
    }
    backorder = Backorder(
        allow=draw(st.booleans()),
        partial_fill=draw(st.booleans()),
        max_backlog_units=draw(st.sampled_from([None, None, 10])),
    )
    return Scenario.model_validate(data), backorder


def _both_ways(scenario: Scenario, backorder: Backorder, seed: int) -> tuple[Any, Any]:
    """The replication's metrics with runs booked in one step, and served one by one."""
    bulk = simulate(scenario, backorder, np.random.SeedSequence(seed))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Store, "fillable_run", lambda self, units: 0)
        mp.setattr(Store, "backorder_run", lambda self, units: 0)
        # a lone product's process books with one call that writes those out
        mp.setattr(Store, "book_lone_run", lambda self, arrivals, limit, horizon, units: 0)
        single = simulate(scenario, backorder, np.random.SeedSequence(seed))
    return bulk, single


@settings(max_examples=examples(120), deadline=None)
@given(plain_scenarios(), st.integers(0, 2**32 - 1))
def test_runs_booked_in_one_step_match_one_by_one(
    case: tuple[Scenario, Backorder], seed: int
) -> None:
    scenario, backorder = case
    bulk, single = _both_ways(scenario, backorder, seed)
    assert same_metrics(bulk.store, single.store), (bulk.store, single.store)
    assert same_metrics(bulk.suppliers["a"], single.suppliers["a"])


def test_the_bulk_paths_are_taken() -> None:
    """Guard for the test above: the reference-like case does book runs in one step."""
    scenario = Scenario.model_validate(
        {
            "name": "ref",
            "horizon_days": 500,
            "products": {
                "w": {
                    "price": 1,
                    "initial_on_hand": 130,
                    "demand": {"rate_per_day": 20},
                    "replenishment": {"policy": "rQ", "reorder_point": 30, "order_quantity": 100},
                }
            },
            "suppliers": {"a": {"lead_time_days": {"dist": "exponential", "mean": 3}}},
            "policies": [{"name": "p"}],
        }
    )
    calls = {"fill": 0, "backorder": 0}
    fill, many = Store.fill_run, Store.backorder_many
    with pytest.MonkeyPatch.context() as mp:

        def counted_fill(self: Store, *args: Any) -> None:
            calls["fill"] += 1
            fill(self, *args)

        def counted_many(self: Store, *args: Any) -> None:
            calls["backorder"] += 1
            many(self, *args)

        mp.setattr(Store, "fill_run", counted_fill)
        mp.setattr(Store, "backorder_many", counted_many)
        simulate(scenario, Backorder(allow=True), np.random.SeedSequence(3))
    assert calls["fill"] > 50 and calls["backorder"] > 50


@st.composite
def plain_catalogues(draw: st.DrawFn) -> tuple[Scenario, Backorder]:
    products = {
        f"p{k}": catalogue_product(draw, k, draw(st.integers(1, 3)), draw(st.floats(0.5, 12)))
        for k in range(draw(st.integers(2, 4)))
    }
    main: dict[str, Any] = {
        "lead_time_days": draw(st.sampled_from([1.0, {"dist": "exponential", "mean": 2}]))
    }
    if draw(st.booleans()):
        main["servers"] = draw(st.integers(1, 2))
    if draw(st.booleans()):
        main["hold_shipments"] = draw(st.booleans())
        start = draw(st.floats(5, 40))
        main["disruptions"] = [{"start_day": start, "end_day": start + draw(st.floats(1, 15))}]
    backup = {
        "lead_time_days": draw(st.sampled_from([0.5, {"dist": "uniform", "low": 0.5, "high": 2}]))
    }
    rule = draw(st.sampled_from(["single", "failover", "split", "fastest"]))
    sourcing: dict[str, Any] = {"suppliers": ["main", "backup"], "rule": rule}
    if rule == "failover":
        sourcing["switch_after_days"] = 2.0
    if rule == "split":
        sourcing["fractions"] = [0.6, 0.4]
    horizon = draw(st.floats(20, 80))
    data = {
        "name": "catalogue",
        "horizon_days": horizon,
        "warmup_days": draw(st.sampled_from([0.0, horizon / 4])),
        "customers": {"accept_probability": 1.0},
        "products": products,
        "suppliers": {"main": main, "backup": backup},
        "sourcing": sourcing,
        "policies": [{"name": "p"}],
    }
    backorder = Backorder(allow=draw(st.booleans()), partial_fill=draw(st.booleans()))
    return Scenario.model_validate(data), backorder


@settings(max_examples=examples(80), deadline=None)
@given(plain_catalogues(), st.integers(0, 2**32 - 1))
def test_catalogue_runs_booked_per_product_match_one_by_one(
    case: tuple[Scenario, Backorder], seed: int
) -> None:
    scenario, backorder = case
    bulk, single = _both_ways(scenario, backorder, seed)
    assert same_metrics(bulk.store, single.store), (bulk.store, single.store)
    for pid in scenario.products:
        assert same_metrics(bulk.products[pid], single.products[pid]), pid
    for sid in scenario.suppliers:
        assert same_metrics(bulk.suppliers[sid], single.suppliers[sid]), sid


@pytest.mark.parametrize("seed", range(6))
def test_queued_supplier_orders_bound_the_runs(seed: int) -> None:
    """Orders waiting for a one-server supplier have no arrival time yet: a product with
    such an order may not book runs ahead of it."""
    products = {
        f"p{k}": {
            "price": 1,
            "initial_on_hand": 4,
            "demand": {"rate_per_day": 6 + 3 * k},
            "replenishment": {"policy": "rQ", "reorder_point": 3, "order_quantity": 4},
        }
        for k in range(3)
    }
    scenario = Scenario.model_validate(
        {
            "name": "queued",
            "horizon_days": 60,
            "products": products,
            "suppliers": {"one": {"lead_time_days": 0.3, "servers": 1}},
            "policies": [{"name": "p"}],
        }
    )
    backorder = Backorder(allow=True)
    bulk, single = _both_ways(scenario, backorder, seed)
    for pid in products:
        assert same_metrics(bulk.products[pid], single.products[pid]), pid
