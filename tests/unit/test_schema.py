"""The scenario schema on its own: defaults, strict types, and the checks of each block."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from simulator.distributions import Constant, Exponential
from simulator.scenario.schema import (
    UNKNOWN,
    Backorder,
    DisruptionWindow,
    Product,
    RandomDisruptions,
    Scenario,
    Seasonality,
    SourcingSpec,
    SSSpec,
    Supplier,
)


def scenario(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "S",
        "horizon_days": 50,
        "products": {
            "widget": {
                "price": 10,
                "demand": {"rate_per_day": 2},
                "replenishment": {"policy": "base_stock", "level": 5},
            }
        },
        "suppliers": {"acme": {"lead_time_days": 1}},
        "policies": [{"name": "p"}],
    }
    data.update(changes)
    return data


def errors(model: type, data: Any) -> list[tuple[str, tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)  # type: ignore[attr-defined]
    return [(e["type"], e["loc"], e["msg"]) for e in info.value.errors()]


def test_documented_defaults() -> None:
    s = Scenario.model_validate(scenario())
    assert s.seed == 1
    assert s.warmup_days == 0.0
    assert s.replications == 10
    assert (s.objective.metric, s.objective.goal) == ("profit", "max")
    widget = s.products["widget"]
    assert widget.initial_on_hand == 0
    assert widget.holding_cost_per_unit_day == 0.0
    assert widget.demand.order_size == Constant(value=1.0)
    policy = s.policies[0].backorder
    assert (policy.allow, policy.partial_fill, policy.allocation) == (False, False, "fifo")
    assert s.suppliers["acme"].servers is None


def test_ints_are_floats_but_not_the_other_way() -> None:
    s = Scenario.model_validate(scenario(horizon_days=365))
    assert s.horizon_days == 365.0
    assert errors(Scenario, scenario(replications=2.0))[0][:2] == ("int_type", ("replications",))
    assert errors(Scenario, scenario(replications=True))[0][:2] == ("int_type", ("replications",))
    assert errors(Scenario, scenario(horizon_days="365"))[0][:2] == (
        "float_type",
        ("horizon_days",),
    )


def test_unknown_keys_are_errors() -> None:
    assert errors(Scenario, scenario(sed=3)) == [
        ("extra_forbidden", ("sed",), "Extra inputs are not permitted")
    ]


def test_replenishment_is_chosen_by_policy() -> None:
    product = {"price": 1, "demand": {"rate_per_day": 1}}
    rq = Product.model_validate(
        {**product, "replenishment": {"policy": "rQ", "reorder_point": -3, "order_quantity": 3}}
    )
    assert rq.replenishment.policy == "rQ"
    assert errors(
        Product,
        {**product, "replenishment": {"policy": "rQ", "reorder_point": -4, "order_quantity": 3}},
    ) == [
        (
            "value_error",
            ("replenishment", "rQ"),
            "Value error, reorder_point: must be >= -order_quantity (-3), got -4",
        )
    ]
    assert errors(
        Product,
        {**product, "replenishment": {"policy": "sS", "reorder_point": 5, "order_up_to": 5}},
    )[0][2].endswith("reorder_point: s must be below order_up_to S (5), got 5")


def test_disruptions_branch_is_chosen_by_form() -> None:
    random = Supplier.model_validate(
        {"lead_time_days": 1, "disruptions": {"every_days": 30, "duration_days": 2}}
    )
    assert isinstance(random.disruptions, RandomDisruptions)
    windows = Supplier.model_validate(
        {"lead_time_days": 1, "disruptions": [{"start_day": 1, "end_day": 2}]}
    )
    assert windows.disruptions == [DisruptionWindow(start_day=1, end_day=2)]
    # only the branch of the value's form reports
    assert errors(Supplier, {"lead_time_days": 1, "disruptions": {"every_days": 30}}) == [
        ("missing", ("disruptions", "random", "duration_days"), "Field required")
    ]
    ((kind, loc, _),) = errors(Supplier, {"lead_time_days": 1, "disruptions": 5})
    assert (kind, loc) == ("disruptions_type", ("disruptions",))


def test_disruption_windows_may_not_overlap() -> None:
    data = {
        "lead_time_days": 1,
        "disruptions": [{"start_day": 5, "end_day": 9}, {"start_day": 1, "end_day": 6}],
    }
    assert errors(Supplier, data)[0][2] == (
        "Value error, disruptions: windows [1, 6) and [5, 9) overlap"
    )
    # a long window overlaps every later one it reaches, not only its neighbour
    windows = [DisruptionWindow(start_day=a, end_day=b) for a, b in [(0, 10), (1, 2), (3, 4)]]
    assert Supplier.cross_checks({"disruptions": windows}) == [
        ("disruptions", "windows [0, 10) and [1, 2) overlap"),
        ("disruptions", "windows [0, 10) and [3, 4) overlap"),
    ]


def test_durations_must_be_able_to_be_nonnegative() -> None:
    assert errors(Supplier, {"lead_time_days": -1})[0][2] == (
        "Value error, must be >= 0 (a duration in days), got -1"
    )
    assert Supplier.model_validate({"lead_time_days": 0}).lead_time_days == Constant(value=0.0)
    # normal draws below 0 are redrawn, so a normal lead time is fine
    Supplier.model_validate({"lead_time_days": {"dist": "normal", "mean": 3, "sd": 2}})
    assert (
        "duration"
        in errors(Supplier, {"lead_time_days": {"dist": "normal", "mean": -30, "sd": 1}})[0][2]
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"suppliers": ["a", "a"]}, "suppliers: each supplier may be listed only once"),
        (
            {"suppliers": ["a"], "rule": "failover"},
            "switch_after_days: required key missing (rule failover needs it)",
        ),
        (
            {"suppliers": ["a", "b"], "rule": "split"},
            "fractions: required key missing (rule split needs it)",
        ),
        (
            {"suppliers": ["a", "b"], "rule": "split", "fractions": [1]},
            "fractions: needs one entry per supplier (2), got 1",
        ),
        (
            {"suppliers": ["a", "b"], "rule": "split", "fractions": [0.5, 0.6]},
            "fractions: must sum to 1, got 1.1",
        ),
        (
            {"suppliers": ["a", "b"], "rule": "fastest", "fractions": [0.5, 0.5]},
            "fractions: only used by rule split, not fastest",
        ),
        (
            {"suppliers": ["a"], "switch_after_days": 3},
            "switch_after_days: only used by rule failover, not single",
        ),
    ],
)
def test_sourcing_checks(spec: dict[str, Any], message: str) -> None:
    assert errors(SourcingSpec, spec) == [("value_error", (), f"Value error, {message}")]


def test_cross_checks_report_every_problem_and_skip_unknown_keys() -> None:
    # the model validator raises the first; the loader runs cross_checks on plain data
    values = {
        "suppliers": ["a", "a"],
        "rule": "split",
        "switch_after_days": 2.0,
        "fractions": [0.5, 0.4],
    }
    assert SourcingSpec.cross_checks(values) == [
        ("suppliers", "each supplier may be listed only once"),
        ("switch_after_days", "only used by rule failover, not split"),
        ("fractions", "must sum to 1, got 0.9"),
    ]
    # without usable suppliers the length cannot be checked, the sum still can
    assert SourcingSpec.cross_checks({**values, "suppliers": UNKNOWN, "rule": UNKNOWN}) == []
    assert SourcingSpec.cross_checks({**values, "suppliers": UNKNOWN}) == [
        ("switch_after_days", "only used by rule failover, not split"),
        ("fractions", "must sum to 1, got 0.9"),
    ]
    assert SSSpec.cross_checks({"reorder_point": 50, "order_up_to": UNKNOWN}) == []
    assert (
        Seasonality.cross_checks({"start_day": UNKNOWN, "end_day": 1.0, "repeat_every_days": 0.5})
        == []
    )
    assert Scenario.cross_checks({"horizon_days": 10.0, "warmup_days": 10.0}) == [
        ("warmup_days", "must be less than horizon_days (10), got 10")
    ]


def test_split_fractions_summing_to_one() -> None:
    spec = SourcingSpec.model_validate(
        {"suppliers": ["a", "b", "c"], "rule": "split", "fractions": [0.1, 0.2, 0.7]}
    )
    assert spec.fractions == [0.1, 0.2, 0.7]


def test_order_size_must_be_whole_units_of_at_least_one() -> None:
    product = {"price": 1, "replenishment": {"policy": "none"}}

    def message(order_size: Any) -> str:
        data = {**product, "demand": {"rate_per_day": 1, "order_size": order_size}}
        return errors(Product, data)[0][2]

    assert message({"dist": "poisson", "mean": 2}) == "Value error, can be below 1; add min: 1"
    assert message(0) == "Value error, must be >= 1, got 0"
    assert message(1.5) == "Value error, must be a whole number, got 1.5"
    assert message({"dist": "exponential", "mean": 2}).startswith(
        "Value error, must be a whole-number distribution"
    )
    ok = Product.model_validate(
        {
            **product,
            "demand": {"rate_per_day": 1, "order_size": {"dist": "poisson", "mean": 2, "min": 1}},
        }
    )
    assert ok.demand.order_size.mean() == pytest.approx(2 / (1 - 2.718281828459045**-2))


def test_backorder_delay_updates_need_quotes() -> None:
    assert errors(Backorder, {"delay_updates": True}) == [
        ("value_error", (), "Value error, delay_updates: needs quote_eta: true")
    ]
    assert Backorder.model_validate({"delay_updates": True, "quote_eta": True}).delay_updates


def test_warmup_before_horizon() -> None:
    assert errors(Scenario, scenario(warmup_days=50)) == [
        ("value_error", (), "Value error, warmup_days: must be less than horizon_days (50), got 50")
    ]


def test_seasonality_windows() -> None:
    demand = {"rate_per_day": 1, "seasonality": [{"start_day": 5, "end_day": 5, "multiplier": 2}]}
    data = {"price": 1, "demand": demand, "replenishment": {"policy": "none"}}
    assert errors(Product, data)[0][2] == "Value error, end_day: must be after start_day (5), got 5"


def test_sourcing_for() -> None:
    s = Scenario.model_validate(scenario())
    assert s.sourcing_for("widget") == SourcingSpec(suppliers=["acme"])
    two = scenario(
        suppliers={"acme": {"lead_time_days": 1}, "quick": {"lead_time_days": 0.5}},
        sourcing={"suppliers": ["quick", "acme"], "rule": "fastest"},
    )
    assert Scenario.model_validate(two).sourcing_for("widget").suppliers == ["quick", "acme"]


def test_distribution_fields_take_numbers_and_mappings() -> None:
    s = Supplier.model_validate({"lead_time_days": {"dist": "exponential", "mean": 4}})
    assert s.lead_time_days == Exponential(dist="exponential", mean_=4)
    assert s.lead_time_days.mean() == 4


def test_json_schema_for_editors() -> None:
    schema = Scenario.model_json_schema()
    text = json.dumps(schema)
    assert "horizon_days" in text and "disruptions" in text
    assert set(schema["required"]) == {"name", "horizon_days", "products", "suppliers", "policies"}
