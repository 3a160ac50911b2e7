"""Products that cannot affect each other are simulated apart, with the same results.

The model is split into independent parts (products that share no supplier with limited
``servers``), each in its own SimPy environment with its own copy of its suppliers. These
tests run random multi-product scenarios split and as one environment holding every
product, and require every metric to agree (to rounding: sums are added in another order).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_profiles import examples
from strategies import catalogue_product, same_metrics

from simulator.model import simulation
from simulator.model.simulation import build, independent_parts, simulate
from simulator.scenario.schema import Backorder, Scenario


@st.composite
def catalogues(draw: st.DrawFn) -> tuple[Scenario, Backorder]:
    products: dict[str, Any] = {}
    for k in range(draw(st.integers(2, 4))):
        size = draw(st.sampled_from([1, 2, {"dist": "poisson", "mean": 1.5, "min": 1}]))
        products[f"p{k}"] = catalogue_product(draw, k, size, draw(st.floats(0.5, 10)))
        if draw(st.booleans()):
            products[f"p{k}"]["sourcing"] = {"suppliers": ["backup"]}
    main: dict[str, Any] = {
        "lead_time_days": draw(st.sampled_from([1.0, {"dist": "exponential", "mean": 2}]))
    }
    if draw(st.booleans()):
        main["servers"] = draw(st.integers(1, 2))
    outages = draw(st.sampled_from(["none", "window", "random"]))
    if outages != "none":
        main["hold_shipments"] = draw(st.booleans())
    if outages == "window":
        start = draw(st.floats(5, 30))
        main["disruptions"] = [{"start_day": start, "end_day": start + draw(st.floats(1, 10))}]
    elif outages == "random":
        main["disruptions"] = {
            "every_days": {"dist": "exponential", "mean": 15},
            "duration_days": {"dist": "uniform", "low": 1, "high": 5},
        }
    backup: dict[str, Any] = {"lead_time_days": {"dist": "uniform", "low": 0.5, "high": 2}}
    if draw(st.booleans()):
        backup["servers"] = 1
    rule = draw(st.sampled_from(["single", "failover", "split", "fastest", "cheapest"]))
    sourcing: dict[str, Any] = {"suppliers": ["main", "backup"], "rule": rule}
    if rule == "failover":
        sourcing["switch_after_days"] = 2.0
    if rule == "split":
        sourcing["fractions"] = [0.6, 0.4]
    customers: dict[str, Any] = {"accept_probability": draw(st.sampled_from([1.0, 0.7]))}
    if draw(st.booleans()):
        customers["patience_days"] = {"dist": "exponential", "mean": 3}
    horizon = draw(st.floats(20, 60))
    data = {
        "name": "parts",
        "horizon_days": horizon,
        "warmup_days": draw(st.sampled_from([0.0, horizon / 4])),
        "customers": customers,
        "products": products,
        "suppliers": {"main": main, "backup": backup, "spare": {"lead_time_days": 1}},
        "sourcing": sourcing,
        "policies": [{"name": "p"}],
    }
    quote = draw(st.booleans())
    backorder = Backorder(
        allow=draw(st.booleans()),
        partial_fill=draw(st.booleans()),
        quote_eta=quote,
        delay_updates=quote and draw(st.booleans()),
    )
    return Scenario.model_validate(data), backorder


def _split_and_whole(scenario: Scenario, backorder: Backorder, seed: int) -> tuple[Any, Any]:
    split = simulate(scenario, backorder, np.random.SeedSequence(seed))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(simulation, "independent_parts", lambda sc: [list(sc.products)])
        whole = simulate(scenario, backorder, np.random.SeedSequence(seed))
    return split, whole


@settings(max_examples=examples(80), deadline=None)
@given(catalogues(), st.integers(0, 2**32 - 1))
def test_parts_simulated_apart_match_one_environment(
    case: tuple[Scenario, Backorder], seed: int
) -> None:
    scenario, backorder = case
    split, whole = _split_and_whole(scenario, backorder, seed)
    assert same_metrics(split.store, whole.store), (split.store, whole.store)
    for pid in scenario.products:
        assert same_metrics(split.products[pid], whole.products[pid]), pid
    for sid in scenario.suppliers:
        assert same_metrics(split.suppliers[sid], whole.suppliers[sid]), sid


def _scenario(products: dict[str, list[str]], servers: dict[str, int | None]) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "grouping",
            "horizon_days": 10,
            "products": {
                pid: {
                    "price": 1,
                    "demand": {"rate_per_day": 1},
                    "replenishment": {"policy": "base_stock", "level": 2},
                    "sourcing": {"suppliers": sids, "rule": "fastest"},
                }
                for pid, sids in products.items()
            },
            "suppliers": {
                sid: {"lead_time_days": 1, **({"servers": k} if k else {})}
                for sid, k in servers.items()
            },
            "policies": [{"name": "p"}],
        }
    )


def test_products_share_a_part_only_through_a_supplier_with_limited_servers() -> None:
    scenario = _scenario(
        {"a": ["open"], "b": ["open"], "c": ["busy", "open"], "d": ["other"], "e": ["busy"]},
        {"open": None, "busy": 1, "other": 2},
    )
    assert independent_parts(scenario) == [["a"], ["b"], ["c", "e"], ["d"]]


def test_a_chain_of_shared_suppliers_makes_one_part() -> None:
    scenario = _scenario(
        {"a": ["s1"], "b": ["s1", "s2"], "c": ["s2", "s3"], "d": ["s3"], "e": ["s4"]},
        {"s1": 1, "s2": 1, "s3": 1, "s4": None},
    )
    assert independent_parts(scenario) == [["a", "b", "c", "d"], ["e"]]


def test_each_part_has_its_own_copy_of_the_suppliers_it_uses() -> None:
    scenario = _scenario({"a": ["s"], "b": ["s"], "c": ["t"]}, {"s": None, "t": None})
    model = build(scenario, Backorder(allow=True), np.random.SeedSequence(1))
    assert [sorted(part.stores) for part in model.parts] == [["a"], ["b"], ["c"]]
    assert [len(model.suppliers[sid]) for sid in ("s", "t")] == [2, 1]
    assert all(part.stores[pid].alone for part in model.parts for pid in part.stores)


def test_a_supplier_nobody_orders_from_still_reports_its_outages() -> None:
    scenario = Scenario.model_validate(
        {
            "name": "idle supplier",
            "horizon_days": 30,
            "products": {
                "w": {
                    "price": 1,
                    "demand": {"rate_per_day": 1},
                    "replenishment": {"policy": "base_stock", "level": 2},
                }
            },
            "suppliers": {
                "used": {"lead_time_days": 1},
                "idle": {"lead_time_days": 1, "disruptions": [{"start_day": 5, "end_day": 9}]},
            },
            "sourcing": {"suppliers": ["used"]},
            "policies": [{"name": "p"}],
        }
    )
    result = simulate(scenario, Backorder(allow=True), np.random.SeedSequence(1))
    assert result.suppliers["idle"]["disrupted_days"] == pytest.approx(4.0)
    assert result.suppliers["idle"]["orders"] == 0
