"""Grids: ``--vary`` specs (lists, ranges without float drift), combinations, settings."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.experiment import ExperimentError
from simulator.experiment.grid import apply_settings, grid_points, parse_vary
from simulator.scenario import ScenarioError, load_scenario

SCENARIO: dict[str, Any] = {
    "name": "grid",
    "horizon_days": 50,
    "products": {
        "widget": {
            "price": 10,
            "demand": {"rate_per_day": 3},
            "replenishment": {"policy": "rQ", "reorder_point": 10, "order_quantity": 20},
        }
    },
    "suppliers": {"acme": {"lead_time_days": 2}},
    "policies": [
        {"name": "lost-sales"},
        {"name": "honest-eta", "backorder": {"allow": True, "max_backlog_units": 40}},
    ],
}


def test_float_range_has_its_stop_and_no_drift() -> None:
    key, values = parse_vary("customers.informed_patience_factor=0.1:0.3:0.1")
    assert key == "customers.informed_patience_factor"
    assert values == [0.1, 0.2, 0.3]
    assert all(type(v) is float for v in values)
    assert parse_vary("x=0:1:0.1")[1] == [round(i / 10, 1) for i in range(11)]
    assert parse_vary("x=1:2:0.25")[1] == [1.0, 1.25, 1.5, 1.75, 2.0]


def test_integer_range_stays_int_and_stop_only_when_reached() -> None:
    assert parse_vary("a=20:200:20")[1] == list(range(20, 201, 20))
    assert all(type(v) is int for v in parse_vary("a=20:200:20")[1])
    assert parse_vary("a=1:10:4")[1] == [1, 5, 9]
    assert parse_vary("a=10:1:-3")[1] == [10, 7, 4, 1]
    assert parse_vary("a=5:5:1")[1] == [5]


def test_list_of_yaml_scalars() -> None:
    assert parse_vary("k=10,20,30") == ("k", [10, 20, 30])
    assert parse_vary(" k = 1.5, fifo ,true") == ("k", [1.5, "fifo", True])
    assert parse_vary("k=[a, b]") == ("k", ["a", "b"])
    assert parse_vary("k=7") == ("k", [7])


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("k", "--vary 'k': expected KEY=V1,V2,... or KEY=START:STOP:STEP (no '=' found)"),
        ("=1,2", "--vary '=1,2': malformed key ''"),
        ("a..b=1", "--vary 'a..b=1': malformed key 'a..b'"),
        ("k=", "--vary k: no values given"),
        ("k=1,,2", "--vary k: an empty value in the list"),
        ("k=1:5:0", "--vary k: the step must not be 0, got '1:5:0'"),
        ("k=1:5:-1", "--vary k: the step -1 never reaches 5 from 1"),
        ("k=1::2", "--vary k: a range needs START:STOP:STEP, got '1::2'"),
        ("k=1,2,1", "--vary k: the value 1 is given twice"),
        ("k=[1, 2", "--vary k: cannot read '[1, 2' as a list of values"),
        ("k=0:1e9:1", "--vary k: '0:1e9:1' has 1000000001 values, more than 1000000"),
    ],
)
def test_bad_specs_get_one_line(spec: str, message: str) -> None:
    with pytest.raises(ExperimentError) as info:
        parse_vary(spec)
    assert str(info.value) == message
    assert "\n" not in str(info.value)


def test_grid_points_every_combination_first_key_slowest() -> None:
    points = grid_points({"a": [1, 2], "b": ["x", "y", "z"]})
    assert len(points) == 6
    assert points[:3] == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "z"}]
    assert points[3] == {"a": 2, "b": "x"}
    assert [list(p) for p in points] == [["a", "b"]] * 6
    assert grid_points({}) == [{}]
    with pytest.raises(ExperimentError, match="--vary b: no values given"):
        grid_points({"a": [1], "b": []})


def test_apply_settings_sets_keys_and_policies_by_name() -> None:
    loaded = load_scenario(SCENARIO)
    point = apply_settings(
        loaded,
        {
            "products.widget.replenishment.reorder_point": 14,
            "policies.honest-eta.backorder.max_backlog_units": 55,
            "customers.informed_patience_factor": 0.2,
        },
    )
    assert point.scenario.products["widget"].replenishment.reorder_point == 14  # type: ignore[union-attr]
    assert point.policy("honest-eta").backorder.max_backlog_units == 55
    assert point.scenario.customers.informed_patience_factor == 0.2
    # the original is untouched
    assert loaded.policy("honest-eta").backorder.max_backlog_units == 40
    assert apply_settings(loaded, {}) is loaded


def test_apply_settings_strings_and_lists_read_back_exactly() -> None:
    loaded = load_scenario(SCENARIO)
    point = apply_settings(loaded, {"name": "a: tricky, 'name' [1]", "seed": 12})
    assert point.scenario.name == "a: tricky, 'name' [1]"
    assert point.scenario.seed == 12


def test_apply_settings_unknown_key_or_bad_value_is_an_error() -> None:
    loaded = load_scenario(SCENARIO)
    with pytest.raises(ScenarioError) as info:
        apply_settings(loaded, {"products.widget.replenishment.reorder_pont": 3})
    (line,) = str(info.value).splitlines()
    assert line.startswith("--vary products.widget.replenishment.reorder_pont: ")
    assert "reorder_point" in line  # the did-you-mean hint
    with pytest.raises(ScenarioError) as info:
        apply_settings(loaded, {"policies.honest-etta.backorder.allow": True})
    assert str(info.value).startswith(
        "--vary policies.honest-etta.backorder.allow: unknown policy 'honest-etta'"
    )
    with pytest.raises(ScenarioError) as info:
        apply_settings(loaded, {"horizon_days": -5})
    assert str(info.value).startswith("--vary horizon_days: ")
