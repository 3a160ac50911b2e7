"""Purchase cost per product (DESIGN.md §1): the supplier's entry for the product, else the
supplier's single number, else the product's own ``unit_cost``, else 0."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from simulator.model.simulation import simulate
from simulator.scenario import ScenarioError, load_scenario
from simulator.scenario.notes import scenario_warnings
from simulator.scenario.schema import Backorder, Scenario

# Two products and one supplier whose lead time outlasts the horizon: nothing ever arrives.
# Each product starts with 5 on hand under base stock S = 8: at t = 0 the store orders 3
# (position 5 -> 8), then one more after each of its 5 sales; with 50 customers a day for
# 10 days, all 5 units sell (a shortfall has probability ~1e-200), and every later
# customer is turned away (lost sales move no stock). So each product orders 8 units and
# sells 5, whatever the seed.
TWO_PRODUCTS: dict[str, Any] = {
    "name": "two products, one supplier",
    "horizon_days": 10,
    "replications": 2,
    "products": {
        "drill": {
            "price": 30,
            "unit_cost": 99,  # the supplier's entry for drill wins
            "initial_on_hand": 5,
            "demand": {"rate_per_day": 50},
            "replenishment": {"policy": "base_stock", "level": 8},
        },
        "saw": {
            "price": 12,
            "unit_cost": 5,  # the supplier's map leaves saw out: its own cost applies
            "initial_on_hand": 5,
            "demand": {"rate_per_day": 50},
            "replenishment": {"policy": "base_stock", "level": 8},
        },
    },
    "suppliers": {"acme": {"lead_time_days": 1000, "unit_cost": {"drill": 10}}},
    "policies": [{"name": "lost-sales"}],
}


def _scenario(data: dict[str, Any]) -> Scenario:
    return load_scenario(data).scenario


def test_two_products_profit_is_the_hand_computed_value() -> None:
    metrics = simulate(_scenario(TWO_PRODUCTS), Backorder(), np.random.SeedSequence(4))
    # revenue 30*5 + 12*5 = 210; purchase cost 10*8 + 5*8 = 120; no other cost
    assert metrics.store["revenue"] == pytest.approx(210.0)
    assert metrics.store["purchase_cost"] == pytest.approx(120.0)
    assert metrics.store["profit"] == pytest.approx(90.0)
    assert metrics.products["drill"]["purchase_cost"] == pytest.approx(80.0)
    assert metrics.products["saw"]["purchase_cost"] == pytest.approx(40.0)
    assert metrics.suppliers["acme"]["spend"] == pytest.approx(120.0)


def test_precedence_product_entry_then_number_then_product_then_zero() -> None:
    data = copy.deepcopy(TWO_PRODUCTS)
    data["suppliers"]["beta"] = {"lead_time_days": 1, "unit_cost": 7}
    data["suppliers"]["gamma"] = {"lead_time_days": 1}
    data["sourcing"] = {"suppliers": ["acme", "beta", "gamma"], "rule": "fastest"}
    scenario = _scenario(data)
    assert scenario.unit_cost("acme", "drill") == 10.0  # the supplier's entry
    assert scenario.unit_cost("acme", "saw") == 5.0  # not in the map: the product's own
    assert scenario.unit_cost("beta", "drill") == 7.0  # the supplier's number
    assert scenario.unit_cost("gamma", "saw") == 5.0  # none given: the product's own
    del data["products"]["saw"]["unit_cost"]
    assert _scenario(data).unit_cost("gamma", "saw") == 0.0  # nothing anywhere: 0


def test_cheapest_sourcing_uses_each_products_own_cost() -> None:
    data = copy.deepcopy(TWO_PRODUCTS)
    data["suppliers"] = {
        "acme": {"lead_time_days": 1000, "unit_cost": {"drill": 10, "saw": 9}},
        "beta": {"lead_time_days": 1000, "unit_cost": {"drill": 11, "saw": 4}},
    }
    data["sourcing"] = {"suppliers": ["acme", "beta"], "rule": "cheapest"}
    metrics = simulate(_scenario(data), Backorder(), np.random.SeedSequence(4))
    assert metrics.suppliers["acme"]["units"] == 8.0  # all of drill's
    assert metrics.suppliers["beta"]["units"] == 8.0  # all of saw's
    assert metrics.store["purchase_cost"] == pytest.approx(10 * 8 + 4 * 8)


def test_unit_cost_map_names_known_products() -> None:
    data = copy.deepcopy(TWO_PRODUCTS)
    data["suppliers"]["acme"]["unit_cost"] = {"dril": 10, "saw": -1}
    with pytest.raises(ScenarioError) as caught:
        load_scenario(data)
    assert [str(p) for p in caught.value.problems] == [
        "<dict>: suppliers.acme.unit_cost.saw: must be a number >= 0, got -1",
        "<dict>: suppliers.acme.unit_cost.dril: unknown product 'dril' (did you mean 'drill'?)",
    ]


def test_unit_cost_of_the_wrong_kind() -> None:
    data = copy.deepcopy(TWO_PRODUCTS)
    data["suppliers"]["acme"]["unit_cost"] = "ten"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(data)
    assert [str(p) for p in caught.value.problems] == [
        "<dict>: suppliers.acme.unit_cost: must be a number >= 0 or a map of product id: "
        'number, got "ten"'
    ]


def test_a_price_below_its_unit_cost_is_a_warning() -> None:
    data = copy.deepcopy(TWO_PRODUCTS)
    data["products"]["saw"]["price"] = 4
    warnings = [str(w) for w in scenario_warnings(load_scenario(data))]
    assert warnings == [
        "<dict>: products.saw.price: warning: price 4 is below the unit cost 5 from supplier "
        "'acme': every unit sold from it loses money"
    ]
    assert scenario_warnings(load_scenario(TWO_PRODUCTS)) == []
