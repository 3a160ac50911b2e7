"""Loading scenario files: one exact message per problem (file, line, key path), never a
traceback; extends, --set and policy overrides."""

from __future__ import annotations

import json
import pickle
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from simulator.scenario import (
    LoadedScenario,
    Problem,
    ScenarioError,
    load_scenario,
    validate_files,
    yaml_lines,
)
from simulator.scenario.checks import NOT_OVERRIDABLE, check_rules
from simulator.scenario.merge import deep_merge

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(autouse=True)
def _in_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from tests/data so that file names in messages are short and exact."""
    monkeypatch.chdir(DATA)


def problems(source: object, sets: tuple[str, ...] = ()) -> list[str]:
    """The problem lines load_scenario raises for `source`."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(source, sets)  # type: ignore[arg-type]
    lines = [str(p) for p in info.value.problems]
    assert str(info.value) == "\n".join(lines)
    return lines


def minimal() -> dict:
    return {
        "name": "Minimal",
        "horizon_days": 100,
        "products": {
            "widget": {
                "price": 10,
                "demand": {"rate_per_day": 3},
                "replenishment": {"policy": "base_stock", "level": 20},
            }
        },
        "suppliers": {"acme": {"lead_time_days": 2}},
        "policies": [{"name": "lost-sales"}, {"name": "backorders", "backorder": {"allow": True}}],
    }


# -- good files -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in (DATA / "good").glob("*.yaml")))
def test_good_files_load(name: str) -> None:
    loaded = load_scenario(f"good/{name}")
    assert isinstance(loaded, LoadedScenario)
    assert loaded.source == f"good/{name}"
    assert [p.name for p in loaded.policies] == [p.name for p in loaded.scenario.policies]
    assert validate_files([f"good/{name}"]) == []


def test_policies_in_file_order_with_overrides_merged() -> None:
    loaded = load_scenario("good/holiday.yaml")
    names = [p.name for p in loaded.policies]
    assert names == ["lost-sales", "backorder-all", "honest-eta", "honest-eta-no-backup"]
    base = loaded.policies[0]
    assert base.scenario is loaded.scenario
    assert base.backorder.allow is False
    assert loaded.policies[2].backorder.max_backlog_units == 400
    no_backup = loaded.policy("honest-eta-no-backup")
    sourcing = no_backup.scenario.products["widget"].sourcing
    assert sourcing is not None and sourcing.suppliers == ["acme"] and sourcing.rule == "single"
    # maps merge key by key: the rest of the product is the base's
    assert no_backup.scenario.products["widget"].price == 40
    assert loaded.scenario.products["widget"].sourcing.suppliers == ["acme", "quickco"]  # type: ignore[union-attr]
    assert "extends" not in loaded.raw
    assert loaded.raw["policies"][3]["overrides"]["products"]["widget"]["sourcing"]["rule"] == (
        "single"
    )


def test_int_is_fine_for_a_float_and_floats_in_1e3_form() -> None:
    data = minimal()
    data["horizon_days"] = 365
    loaded = load_scenario(data)
    assert loaded.scenario.horizon_days == 365.0
    assert isinstance(loaded.scenario.products["widget"].price, float)


def test_exponent_without_dot_is_a_number(tmp_path: Path) -> None:
    text = (
        (DATA / "good/minimal.yaml").read_text().replace("horizon_days: 100", "horizon_days: 1e3")
    )
    (tmp_path / "exp.yaml").write_text(text)
    assert load_scenario(tmp_path / "exp.yaml").scenario.horizon_days == 1000.0


def test_anchors_and_merge_keys(tmp_path: Path) -> None:
    text = (
        (DATA / "good/minimal.yaml")
        .read_text()
        .replace(
            "  acme:\n    lead_time_days: 2\n",
            "  acme: &common\n    lead_time_days: 2\n    unit_cost: 5\n"
            "  quickco:\n    <<: *common\n    unit_cost: 7\n",
        )
    )
    text = text.replace(
        "policies:", "sourcing: {suppliers: [acme, quickco], rule: cheapest}\npolicies:"
    )
    (tmp_path / "anchors.yaml").write_text(text)
    suppliers = load_scenario(tmp_path / "anchors.yaml").scenario.suppliers
    assert suppliers["quickco"].unit_cost == 7.0
    assert suppliers["quickco"].lead_time_days.mean() == 2.0


# -- bad YAML ---------------------------------------------------------------------------------


def test_yaml_syntax_error() -> None:
    assert problems("bad/syntax_error.yaml") == [
        "bad/syntax_error.yaml:5:14: YAML syntax: a ':' inside a value (put the value in quotes)"
    ]


def test_empty_file() -> None:
    assert problems("bad/empty.yaml") == ["bad/empty.yaml:1: the file is empty"]


def test_file_with_only_comments_is_empty(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text("# nothing here\n\n")
    assert problems(tmp_path / "c.yaml") == [f"{tmp_path / 'c.yaml'}:1: the file is empty"]


def test_missing_file() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario("bad/no_such_file.yaml")
    (problem,) = info.value.problems
    assert problem == Problem("bad/no_such_file.yaml", None, "", "no such file")
    assert str(problem) == "bad/no_such_file.yaml: no such file"


def test_directory() -> None:
    assert problems("bad") == ["bad: is a directory, not a scenario file"]


def test_top_level_not_a_mapping() -> None:
    assert problems("bad/top_level_list.yaml") == [
        "bad/top_level_list.yaml:1: the top level must be a mapping of scenario keys "
        "(name:, horizon_days:, ...), got a list"
    ]


def test_python_tag_is_refused_and_never_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(DATA / "bad/python_tag.yaml", tmp_path / "python_tag.yaml")
    monkeypatch.chdir(tmp_path)
    assert problems("python_tag.yaml") == [
        "python_tag.yaml:5: products.widget.price: tag '!!python/object/apply:os.system' is "
        "not allowed: scenario files hold plain data only"
    ]
    assert not (tmp_path / "hacked.txt").exists()


def test_python_tag_on_a_scalar_and_in_a_set_value(tmp_path: Path) -> None:
    path = tmp_path / "scalar_tag.yaml"
    path.write_text("name: !!python/name:os.system ''\n")
    assert problems(path)[0] == (
        f"{path}:1: name: tag '!!python/name:os.system' is not allowed: "
        "scenario files hold plain data only"
    )
    assert problems("good/minimal.yaml", ("name=!!python/object/apply:os.system [ls]",)) == [
        "--set name: cannot read the value '!!python/object/apply:os.system [ls]': tag "
        "'!!python/object/apply:os.system' is not allowed: scenario files hold plain data only"
    ]


def test_custom_tags_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "custom.yaml"
    path.write_text(
        (DATA / "good/minimal.yaml").read_text().replace("price: 10", "price: !money 10")
    )
    assert problems(path) == [
        f"{path}:6: products.widget.price: tag '!money' is not supported: "
        "scenario files hold plain data only"
    ]


def test_duplicate_key() -> None:
    assert problems("bad/duplicate_key.yaml") == [
        "bad/duplicate_key.yaml:7: products.widget.price: duplicate key (first at line 5)"
    ]


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"name: caf\xe9\nhorizon_days: 3\n")
    assert problems(path) == [f"{path}:1: not UTF-8 text (byte 0xe9)"]


def test_recursive_alias(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("sweep: &a {x: *a}\n")
    assert (
        problems(path)[0]
        == f"{path}:1: sweep.x: an alias refers to the mapping or list that holds it"
    )


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for i in range(1, 7):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    assert problems(path) == [f"{path}:1: aliases expand to more than 200000 values"]


# -- schema problems --------------------------------------------------------------------------


def test_unknown_key_with_did_you_mean() -> None:
    # the misspelling explains the missing required key: one problem, not two
    assert problems("bad/unknown_key.yaml") == [
        "bad/unknown_key.yaml:7: products.widget.demand: unknown key 'rate_per_dya' "
        "(did you mean 'rate_per_day'?)"
    ]


def test_word_where_a_number_belongs() -> None:
    assert problems("bad/word_for_number.yaml") == [
        "bad/word_for_number.yaml:12: products.widget.replenishment.order_quantity: "
        'must be a whole number >= 1, got "ten"'
    ]


def test_negative_lead_time() -> None:
    assert problems("bad/negative_lead_time.yaml") == [
        "bad/negative_lead_time.yaml:15: suppliers.acme.lead_time_days: "
        "must be >= 0 (a duration in days), got -2"
    ]


def test_unknown_distribution() -> None:
    assert problems("bad/unknown_distribution.yaml") == [
        "bad/unknown_distribution.yaml:11: suppliers.acme.lead_time_days: "
        "unknown distribution 'expo' (did you mean 'exponential'?)"
    ]


def test_unknown_supplier() -> None:
    assert problems("bad/unknown_supplier.yaml") == [
        "bad/unknown_supplier.yaml:9: products.widget.sourcing.suppliers[1]: "
        "unknown supplier 'quikco' (did you mean 'quickco'?)"
    ]


def test_product_without_sourcing_among_several_suppliers() -> None:
    assert problems("bad/no_sourcing.yaml") == [
        "bad/no_sourcing.yaml:4: products.widget: no sourcing, and there are 2 suppliers "
        "(acme, quickco): add sourcing: {suppliers: [...]} here, or a default sourcing: at the top"
    ]


def test_ss_needs_s_below_big_s() -> None:
    assert problems("bad/ss_order.yaml") == [
        "bad/ss_order.yaml:11: products.widget.replenishment.reorder_point: "
        "s must be below order_up_to S (20), got 30"
    ]


def test_rq_with_zero_quantity() -> None:
    assert problems("bad/rq_zero.yaml") == [
        "bad/rq_zero.yaml:12: products.widget.replenishment.order_quantity: "
        "must be a whole number >= 1, got 0"
    ]


def test_warmup_not_below_horizon() -> None:
    assert problems("bad/warmup.yaml") == [
        "bad/warmup.yaml:4: warmup_days: must be less than horizon_days (100), got 100"
    ]


def test_split_fractions_must_sum_to_one() -> None:
    assert problems("bad/split_fractions.yaml") == [
        "bad/split_fractions.yaml:11: sourcing.fractions: must sum to 1, got 0.9"
    ]


def test_failover_needs_switch_after_days() -> None:
    assert problems("bad/failover_no_switch.yaml") == [
        "bad/failover_no_switch.yaml:8: sourcing.switch_after_days: "
        "required key missing (rule failover needs it)"
    ]


def test_poisson_order_size_needs_min_1() -> None:
    assert problems("bad/poisson_order_size.yaml") == [
        "bad/poisson_order_size.yaml:8: products.widget.demand.order_size: "
        "can be below 1; add min: 1"
    ]


def test_policy_checks() -> None:
    assert problems("bad/policies.yaml") == [
        "bad/policies.yaml:3: objective.metric: unknown metric 'proft' (did you mean 'profit'?)",
        "bad/policies.yaml:13: policies[1].name: duplicate policy name 'lost-sales' "
        "(also policies[0])",
        "bad/policies.yaml:14: policies[1].backorder.delay_updates: needs quote_eta: true",
    ]


def test_union_branch_names_are_not_in_paths() -> None:
    assert problems("bad/disruptions.yaml") == [
        "bad/disruptions.yaml:13: suppliers.acme.disruptions: unknown key 'duration_dyas' "
        "(did you mean 'duration_days'?)",
        "bad/disruptions.yaml:17: suppliers.quickco.disruptions[0].end_day: "
        "must be after start_day (10), got 5",
    ]


def test_every_problem_at_once_in_line_order() -> None:
    assert problems("bad/many_problems.yaml") == [
        "bad/many_problems.yaml:3: replications: must be a whole number >= 1, got 0",
        'bad/many_problems.yaml:6: products.widget.price: must be a number >= 0, got "abc"',
        "bad/many_problems.yaml:9: products.widget.demand.order_size: must be >= 1, got 0",
        "bad/many_problems.yaml:10: products.widget.replenishment.order_quantity: "
        "must be a whole number >= 1, got 2.5",
        "bad/many_problems.yaml:13: suppliers.acme.lead_time_days.sd: "
        "must be a number >= 1e-06, got 0",
        "bad/many_problems.yaml:14: suppliers.acme.servers: must be a whole number >= 1, got true",
        "bad/many_problems.yaml:17: policies[0].backorder.allocation: must be one of 'fifo', "
        "'smallest_first', 'largest_first', got \"fifio\" (did you mean 'fifo'?)",
    ]


def test_cross_key_rules_are_reported_with_every_other_problem() -> None:
    # each rule is broken next to a field error in the same block (or file), which stops
    # pydantic before the model validator; seasonality[1] is valid on its own, so its model
    # validator runs too and its problem must still show once
    assert problems("bad/cross_checks.yaml") == [
        "bad/cross_checks.yaml:4: warmup_days: must be less than horizon_days (100), got 300",
        "bad/cross_checks.yaml:5: replications: must be a whole number >= 1, got 0",
        "bad/cross_checks.yaml:12: products.widget.demand.seasonality[0].multiplier: "
        "must be a number >= 0, got -1",
        "bad/cross_checks.yaml:12: products.widget.demand.seasonality[0].end_day: "
        "must be after start_day (50), got 40",
        "bad/cross_checks.yaml:13: products.widget.demand.seasonality[1].repeat_every_days: "
        "must be at least the window length (10), got 5",
        "bad/cross_checks.yaml:14: products.widget.replenishment.review_period_days: "
        "must be a number >= 0.001, got 0",
        "bad/cross_checks.yaml:14: products.widget.replenishment.reorder_point: "
        "s must be below order_up_to S (20), got 30",
        "bad/cross_checks.yaml:15: products.widget.sourcing: unknown key 'extra'",
        "bad/cross_checks.yaml:15: products.widget.sourcing.suppliers: "
        "each supplier may be listed only once",
        "bad/cross_checks.yaml:15: products.widget.sourcing.switch_after_days: "
        "required key missing (rule failover needs it)",
        "bad/cross_checks.yaml:15: products.widget.sourcing.fractions: "
        "only used by rule split, not failover",
        "bad/cross_checks.yaml:19: products.gadget.replenishment.review_period_days: "
        "must be a number >= 0.001, got -1",
        "bad/cross_checks.yaml:19: products.gadget.replenishment.reorder_point: "
        "must be >= -order_quantity (-10), got -20",
        "bad/cross_checks.yaml:20: products.gadget.sourcing.switch_after_days: "
        'must be a number >= 0, got "x"',
        "bad/cross_checks.yaml:20: products.gadget.sourcing.fractions: must sum to 1, got 0.9",
        "bad/cross_checks.yaml:23: suppliers.acme.lead_time_days: "
        "must be >= 0 (a duration in days), got -2",
        "bad/cross_checks.yaml:24: suppliers.acme.disruptions: "
        "windows [10, 30) and [25, 40) overlap",
        "bad/cross_checks.yaml:26: suppliers.acme.disruptions[1].end_day: "
        "must be after start_day (20), got 15",
        "bad/cross_checks.yaml:28: suppliers.acme.disruptions[3].start_day: "
        'must be a number >= 0, got "x"',
        'bad/cross_checks.yaml:32: policies[0].backorder.allow: must be true or false, got "maybe"',
        "bad/cross_checks.yaml:32: policies[0].backorder.delay_updates: needs quote_eta: true",
    ]


def test_warmup_is_checked_when_another_key_is_bad() -> None:
    data = minimal()
    data["replications"] = 0
    data["warmup_days"] = 300
    assert problems(data) == [
        "<dict>: replications: must be a whole number >= 1, got 0",
        "<dict>: warmup_days: must be less than horizon_days (100), got 300",
    ]


def test_cross_key_rules_need_usable_keys() -> None:
    # a rule is skipped when a key it reads is missing or bad on its own: no guesses
    data = minimal()
    data["horizon_days"] = -5
    data["warmup_days"] = 300
    data["products"]["widget"]["replenishment"] = {
        "policy": "sS",
        "reorder_point": "low",
        "order_up_to": 40,
    }
    assert problems(data) == [
        "<dict>: horizon_days: must be a number > 0, got -5",
        '<dict>: products.widget.replenishment.reorder_point: must be a whole number, got "low"',
    ]


def test_cross_key_rules_from_sets_are_reported_together() -> None:
    sets = (
        "warmup_days=400",
        "products.widget.replenishment={policy: sS, reorder_point: 50, order_up_to: 40}",
    )
    assert problems("good/minimal.yaml", sets) == [
        "--set products.widget.replenishment.reorder_point: "
        "s must be below order_up_to S (40), got 50",
        "--set warmup_days: must be less than horizon_days (100), got 400",
    ]


def test_cross_key_problems_are_not_repeated_per_policy() -> None:
    data = minimal()
    data["warmup_days"] = 100
    data["products"]["widget"]["price"] = "ten"
    for policy in data["policies"]:
        policy["overrides"] = {"products": {"widget": {"initial_on_hand": 5}}}
    assert problems(data) == [
        '<dict>: products.widget.price: must be a number >= 0, got "ten"',
        "<dict>: warmup_days: must be less than horizon_days (100), got 100",
    ]


def test_cross_key_problem_made_by_an_override() -> None:
    data = minimal()
    data["policies"][1]["overrides"] = {
        "products": {
            "widget": {
                "price": "free",
                "replenishment": {"policy": "sS", "reorder_point": 9, "order_up_to": 9},
            }
        }
    }
    assert problems(data) == [
        '<dict>: policies[1].overrides.products.widget.price: must be a number >= 0, got "free"',
        "<dict>: policies[1].overrides.products.widget.replenishment: unknown key 'level'",
        "<dict>: policies[1].overrides.products.widget.replenishment.reorder_point: "
        "s must be below order_up_to S (9), got 9",
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"replenishment": {"policy": "rq", "reorder_point": 1, "order_quantity": 5}},
            "products.widget.replenishment: unknown replenishment policy 'rq' (did you mean 'rQ'?)",
        ),
        (
            {"replenishment": {"level": 5}},
            "products.widget.replenishment: missing 'policy:' (one of base_stock, rQ, sS, none)",
        ),
        (
            {"initial_on_hand": True},
            "products.widget.initial_on_hand: must be a whole number >= 0, got true",
        ),
        ({"price": "abc"}, 'products.widget.price: must be a number >= 0, got "abc"'),
        ({"demand": 3}, "products.widget.demand: must be a mapping (key: value), got 3"),
        (
            {"demand": {"rate_per_day": 1, "order_size": "two"}},
            "products.widget.demand.order_size: must be a number or a distribution {dist: ...}, "
            'got "two"',
        ),
        (
            {"demand": {"rate_per_day": 1, "order_size": {"mean": 2}}},
            "products.widget.demand.order_size: missing 'dist:' (one of constant, exponential, "
            "uniform, triangular, normal, lognormal, gamma, poisson, empirical)",
        ),
        (
            {"demand": {"rate_per_day": 1, "seasonality": {"start_day": 1}}},
            "products.widget.demand.seasonality: must be a list, got a mapping",
        ),
    ],
)
def test_messages_for_a_mapping_input(change: dict, expected: str) -> None:
    data = minimal()
    data["products"]["widget"].update(change)
    assert problems(data) == [f"<dict>: {expected}"]


def test_true_is_not_a_number_and_no_is_not_text() -> None:
    data = minimal()
    data["name"] = False  # what YAML 1.1 makes of `name: no`
    data["suppliers"]["acme"]["unit_cost"] = True
    assert problems(data) == [
        "<dict>: name: must be text, got false (write yes/no/on/off in quotes to mean text)",
        "<dict>: suppliers.acme.unit_cost: must be a number >= 0, got true",
    ]


def test_numeric_product_id(tmp_path: Path) -> None:
    path = tmp_path / "sku.yaml"
    path.write_text((DATA / "good/minimal.yaml").read_text().replace("  widget:", "  1001:"))
    assert problems(path) == [f"{path}:5: products.1001: key 1001 must be text; put it in quotes"]


def test_mapping_input_is_not_modified() -> None:
    data = minimal()
    data["products"]["widget"]["price"] = -1
    before = repr(data)
    loaded = load_scenario(
        data, ("products.widget.price=3", "policies.backorders.backorder.allow=false")
    )
    assert repr(data) == before
    assert loaded.source == "<dict>"
    assert loaded.scenario.products["widget"].price == 3.0
    assert loaded.policies[1].backorder.allow is False


# -- extends ----------------------------------------------------------------------------------


def test_extends_chain_merges_maps_and_replaces_lists() -> None:
    loaded = load_scenario("good/extends_child.yaml")
    scenario = loaded.scenario
    assert scenario.name == "Child"
    assert scenario.replications == 5  # from the grandparent
    widget = scenario.products["widget"]
    assert widget.price == 12.0  # from the parent
    assert widget.demand.rate_per_day == 4.0  # from the child
    assert widget.demand.seasonality == []  # a list replaces, it does not merge
    assert widget.replenishment.policy == "rQ"
    assert [p.name for p in loaded.policies] == ["lost-sales", "backorders"]
    assert loaded.files == (
        "good/extends_child.yaml",
        "good/nested/extends_mid.yaml",
        "good/extends_base.yaml",
    )
    assert loaded.lines[("replications",)] == ("good/extends_base.yaml", 4)
    assert loaded.lines[("products", "widget", "price")] == ("good/nested/extends_mid.yaml", 5)
    assert loaded.lines[("name",)] == ("good/extends_child.yaml", 2)


def test_extends_problems_point_at_the_file_they_are_in() -> None:
    assert problems("bad/extends_child_errors.yaml") == [
        "bad/extends_child_errors.yaml:6: products.widget.demand: unknown key 'rate_per_dy' "
        "(did you mean 'rate_per_day'?)",
        # a parent's values are never quoted (extends: may name any readable file)
        "bad/extends_parent_errors.yaml:5: products.widget.price: must be a number >= 0",
    ]


def test_extends_cycle() -> None:
    assert problems("bad/extends_cycle_a.yaml") == [
        "bad/extends_cycle_b.yaml:2: extends: cycle: bad/extends_cycle_a.yaml -> "
        "bad/extends_cycle_b.yaml -> bad/extends_cycle_a.yaml"
    ]


def test_extends_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("me.yaml").write_text("name: me\nextends: me.yaml\n")
    assert problems("me.yaml") == ["me.yaml:2: extends: cycle: me.yaml -> me.yaml"]


def test_extends_missing_parent() -> None:
    assert problems("bad/extends_missing.yaml") == [
        "bad/extends_missing.yaml:2: extends: no such file 'no_such_parent.yaml' "
        "(looked for bad/no_such_parent.yaml)"
    ]


def test_extends_not_a_name(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("name: x\nextends: [a.yaml]\n")
    assert problems(path) == [f"{path}:2: extends: must be the name of a scenario file, got a list"]


def test_extends_from_a_mapping_is_relative_to_the_working_directory() -> None:
    loaded = load_scenario({"extends": "good/extends_base.yaml", "name": "From a dict"})
    assert loaded.scenario.name == "From a dict"
    assert loaded.scenario.replications == 5
    assert problems({"extends": "good/extends_base.yaml", "horizon_days": "long"}) == [
        '<dict>: horizon_days: must be a number > 0, got "long"'
    ]


# -- --set ------------------------------------------------------------------------------------


def test_set_values_are_yaml_scalars() -> None:
    loaded = load_scenario(
        "good/holiday.yaml",
        (
            "replications=3",
            "warmup_days=2.5",
            "policies.honest-eta.backorder.max_backlog_units=200",
            "policies.lost-sales.backorder.allow=true",
            "policies.honest-eta.backorder.allocation=smallest_first",
            "products.widget.sourcing.suppliers=[quickco, acme]",
            "suppliers.acme.lead_time_days={dist: gamma, mean: 9, sd: 3}",
        ),
    )
    scenario = loaded.scenario
    assert scenario.replications == 3
    assert scenario.warmup_days == 2.5
    assert loaded.policy("honest-eta").backorder.max_backlog_units == 200
    assert loaded.policy("honest-eta").backorder.allocation == "smallest_first"
    assert loaded.policy("lost-sales").backorder.allow is True
    assert scenario.products["widget"].sourcing.suppliers == ["quickco", "acme"]  # type: ignore[union-attr]
    assert scenario.suppliers["acme"].lead_time_days.dist == "gamma"
    assert loaded.raw["replications"] == 3


def test_set_creates_missing_maps_and_reaches_overrides() -> None:
    loaded = load_scenario(
        "good/minimal.yaml",
        (
            "products.widget.sourcing.suppliers=[acme]",
            "policies.backorders.overrides.products.widget.price=20",
        ),
    )
    assert loaded.scenario.products["widget"].sourcing.suppliers == ["acme"]  # type: ignore[union-attr]
    assert loaded.policy("backorders").scenario.products["widget"].price == 20.0
    assert loaded.policy("lost-sales").scenario.products["widget"].price == 10.0


def test_set_policy_by_index_and_empty_value_is_null() -> None:
    loaded = load_scenario("good/minimal.yaml", ("policies.1.backorder.max_backlog_units=",))
    assert loaded.policies[1].backorder.max_backlog_units is None


def test_set_problems_name_the_key_as_typed() -> None:
    assert problems(
        "good/holiday.yaml",
        (
            "policies.nope.backorder.allow=true",
            "policies.honest-eta.backorder.max_backlog_units=lots",
            "replications",
            "products.widget.price.currency=EUR",
            "products.widget.demand={rate_per_dya: 3}",
            "policies.honest_eta.backorder.allow=true",
            "name=[unclosed",
        ),
    ) == [
        "--set policies.nope.backorder.allow: unknown policy 'nope' (policies are: "
        "lost-sales, backorder-all, honest-eta, honest-eta-no-backup)",
        "--set replications: expected KEY=VALUE (no '=' found)",
        "--set products.widget.price.currency: cannot set inside products.widget.price: "
        "it holds 40, not a mapping",
        "--set policies.honest_eta.backorder.allow: unknown policy 'honest_eta' "
        "(did you mean 'honest-eta'?)",
        "--set name: cannot read the value '[unclosed': YAML syntax: an unclosed bracket "
        "('[' opened here, never closed), or a missing ','",
        "--set products.widget.demand: unknown key 'rate_per_dya' (did you mean 'rate_per_day'?)",
        "--set policies.honest-eta.backorder.max_backlog_units: "
        'must be a whole number >= 0, got "lots"',
    ]


def test_set_problem_under_a_set_mapping_names_the_inner_key() -> None:
    assert problems("good/minimal.yaml", ("products.widget.demand={rate_per_day: -1}",)) == [
        "--set products.widget.demand.rate_per_day: must be a number >= 0, got -1"
    ]


def test_set_that_creates_a_block_is_where_its_problems_are() -> None:
    # `disruptions` is not in the file: the --set made it, so its problems are the --set's
    assert problems("good/minimal.yaml", ("suppliers.acme.disruptions.every_days=60",)) == [
        "--set suppliers.acme.disruptions: duration_days: required key missing"
    ]
    assert problems("good/minimal.yaml", ("suppliers.acme.disruptons.every_days=60",)) == [
        "--set suppliers.acme.disruptons: unknown key 'disruptons' (did you mean 'disruptions'?)"
    ]
    assert problems("good/minimal.yaml", ("suppliers.newco.unit_cost=3",)) == [
        "--set suppliers.newco.unit_cost: unknown supplier 'newco' (suppliers are: acme)"
    ]
    assert problems("good/minimal.yaml", ("suppliers.newco={unit_cost: 3}",)) == [
        "good/minimal.yaml:5: products.widget: no sourcing, and there are 2 suppliers "
        "(acme, newco): add sourcing: {suppliers: [...]} here, or a default sourcing: at the top",
        "--set suppliers.newco.lead_time_days: required key missing",
    ]
    key = "policies.backorders.overrides.products.widget.sourcing"
    assert problems("good/minimal.yaml", (f"{key}.rule=failover",)) == [
        f"--set {key}: suppliers: required key missing",
        f"--set {key}: switch_after_days: required key missing (rule failover needs it)",
    ]


def test_set_that_fills_or_replaces_a_created_block() -> None:
    made = "suppliers.acme.disruptions.every_days=60"
    loaded = load_scenario(
        "good/minimal.yaml", (made, "suppliers.acme.disruptions.duration_days=5")
    )
    assert loaded.scenario.suppliers["acme"].disruptions is not None
    # a later item that sets the block itself owns it: its inner keys are named as usual
    replaced = "suppliers.acme.disruptions={every_days: 3}"
    assert problems("good/minimal.yaml", (made, replaced)) == [
        "--set suppliers.acme.disruptions.duration_days: required key missing"
    ]


def test_set_cannot_change_extends() -> None:
    assert problems("good/minimal.yaml", ("extends=other.yaml",)) == [
        "--set extends: extends is read from the file and cannot be set"
    ]


def test_with_sets_keeps_lines() -> None:
    loaded = load_scenario("good/minimal.yaml")
    again = loaded.with_sets(("replications=4",))
    assert again.scenario.replications == 4
    assert loaded.scenario.replications == 10
    with pytest.raises(ScenarioError) as info:
        loaded.with_sets(("products.widget.price=x",))
    assert [str(p) for p in info.value.problems] == [
        '--set products.widget.price: must be a number >= 0, got "x"'
    ]
    data = loaded.raw
    data["products"]["widget"]["price"] = "x"
    with pytest.raises(ScenarioError) as info:
        loaded.with_sets(())
    assert [str(p) for p in info.value.problems] == [
        'good/minimal.yaml:6: products.widget.price: must be a number >= 0, got "x"'
    ]


# -- policy overrides -------------------------------------------------------------------------


def test_override_errors_point_at_the_override() -> None:
    assert problems("bad/override_errors.yaml") == [
        "bad/override_errors.yaml:14: policies[1].overrides.seed: 'seed' cannot be overridden "
        "by a policy: seed, horizon_days, warmup_days and replications are shared by all "
        "policies",
        "bad/override_errors.yaml:17: policies[1].overrides.products.widget.price: "
        'must be a number >= 0, got "free"',
        "bad/override_errors.yaml:22: policies[2].overrides.products.widget.replenishment.level: "
        "must be a whole number >= 0, got -5",
    ]


@pytest.mark.parametrize("key", ["horizon_days", "warmup_days", "replications", "name"])
def test_shared_keys_cannot_be_overridden(key: str) -> None:
    data = minimal()
    data["policies"][1]["overrides"] = {key: 1}
    (line,) = problems(data)
    assert line.startswith(f"<dict>: policies[1].overrides.{key}: '{key}' cannot be overridden")


def test_base_problems_are_not_repeated_per_policy() -> None:
    data = minimal()
    data["products"]["widget"]["price"] = "ten"
    for policy in data["policies"]:
        policy["overrides"] = {"products": {"widget": {"initial_on_hand": 5}}}
    assert problems(data) == ['<dict>: products.widget.price: must be a number >= 0, got "ten"']


def test_override_that_breaks_something_elsewhere() -> None:
    data = minimal()
    data["policies"][1]["overrides"] = {"suppliers": {"backup": {"lead_time_days": 1}}}
    assert problems(data) == [
        "<dict>: policies[1].overrides: products.widget: no sourcing, and there are 2 "
        "suppliers (acme, backup): add sourcing: {suppliers: [...]} here, or a default "
        "sourcing: at the top"
    ]


def test_override_changing_the_replenishment_policy_keeps_other_keys() -> None:
    data = minimal()
    data["policies"][1]["overrides"] = {"products": {"widget": {"replenishment": {"policy": "sS"}}}}
    assert problems(data) == [
        "<dict>: policies[1].overrides.products.widget.replenishment.reorder_point: "
        "required key missing",
        "<dict>: policies[1].overrides.products.widget.replenishment.order_up_to: "
        "required key missing",
        "<dict>: policies[1].overrides.products.widget.replenishment: unknown key 'level'",
    ]


def test_override_naming_an_unknown_supplier() -> None:
    data = minimal()
    data["policies"][0]["overrides"] = {
        "products": {"widget": {"sourcing": {"suppliers": ["acmee"]}}}
    }
    assert problems(data) == [
        "<dict>: policies[0].overrides.products.widget.sourcing.suppliers[0]: "
        "unknown supplier 'acmee' (did you mean 'acme'?)"
    ]


def split_sourcing() -> dict:
    data = minimal()
    data["suppliers"]["quickco"] = {"lead_time_days": 1}
    data["products"]["widget"]["sourcing"] = {
        "suppliers": ["acme", "quickco"],
        "rule": "split",
        "fractions": [0.7, 0.3],
    }
    return data


def test_override_changing_the_sourcing_rule_drops_leftover_keys() -> None:
    data = split_sourcing()
    single = {"suppliers": ["acme"], "rule": "single"}
    data["policies"][1]["overrides"] = {"products": {"widget": {"sourcing": single}}}
    loaded = load_scenario(data)
    base = loaded.scenario.products["widget"].sourcing
    assert base is not None and base.fractions == [0.7, 0.3]
    own = loaded.policies[1].scenario.products["widget"].sourcing
    assert own is not None and (own.rule, own.fractions) == ("single", None)
    assert loaded.raw["products"]["widget"]["sourcing"]["fractions"] == [0.7, 0.3]

    data = split_sourcing()
    data["products"]["widget"]["sourcing"] = {
        "suppliers": ["acme", "quickco"],
        "rule": "failover",
        "switch_after_days": 4,
    }
    data["policies"][1]["overrides"] = {
        "products": {"widget": {"sourcing": {"rule": "split", "fractions": [0.5, 0.5]}}}
    }
    own = load_scenario(data).policies[1].scenario.products["widget"].sourcing
    assert own is not None and (own.rule, own.switch_after_days) == ("split", None)


def test_sourcing_keys_written_with_another_rule_are_refused() -> None:
    data = split_sourcing()
    data["products"]["widget"]["sourcing"]["switch_after_days"] = 3
    data["policies"][1]["overrides"] = {
        "products": {"widget": {"sourcing": {"rule": "fastest", "fractions": [0.5, 0.5]}}}
    }
    assert problems(data) == [
        "<dict>: products.widget.sourcing.switch_after_days: only used by rule failover, not split",
        "<dict>: policies[1].overrides.products.widget.sourcing.fractions: "
        "only used by rule split, not fastest",
    ]


def test_extends_and_set_changing_the_sourcing_rule_drop_leftover_keys(tmp_path: Path) -> None:
    base = split_sourcing()
    (tmp_path / "base.yaml").write_text(json.dumps(base))
    (tmp_path / "child.yaml").write_text(
        "extends: base.yaml\nproducts:\n  widget:\n    sourcing: {rule: cheapest}\n"
    )
    loaded = load_scenario(tmp_path / "child.yaml")
    sourcing = loaded.scenario.products["widget"].sourcing
    assert sourcing is not None and (sourcing.rule, sourcing.fractions) == ("cheapest", None)
    assert "fractions" not in loaded.raw["products"]["widget"]["sourcing"]
    assert ("products", "widget", "sourcing", "fractions") not in loaded.lines
    # the child writes fractions without changing the rule: its own mistake
    (tmp_path / "child.yaml").write_text(
        "extends: base.yaml\nsourcing: {suppliers: [acme], rule: single, fractions: [1]}\n"
    )
    assert problems(tmp_path / "child.yaml") == [
        f"{tmp_path / 'child.yaml'}:2: sourcing.fractions: only used by rule split, not single"
    ]

    loaded = load_scenario(base, ("products.widget.sourcing.rule=fastest",))
    sourcing = loaded.scenario.products["widget"].sourcing
    assert sourcing is not None and (sourcing.rule, sourcing.fractions) == ("fastest", None)
    sets = ("products.widget.sourcing.rule=fastest", "products.widget.sourcing.fractions=[1, 0]")
    assert problems(base, sets) == [
        "--set products.widget.sourcing.fractions: only used by rule split, not fastest"
    ]


# -- the API around problems ------------------------------------------------------------------


def test_problem_and_error_text() -> None:
    problem = Problem("holiday.yaml", 14, "products.widget.replenishment.order_quantity", "bad")
    assert str(problem) == "holiday.yaml:14: products.widget.replenishment.order_quantity: bad"
    assert str(Problem("x.yaml", None, "", "no such file")) == "x.yaml: no such file"
    assert str(Problem("x.yaml", 3, "", "the file is empty")) == "x.yaml:3: the file is empty"
    assert str(Problem("--set", None, "a.b", "nope")) == "--set a.b: nope"
    error = ScenarioError([problem, Problem("x.yaml", None, "", "no such file")])
    assert str(error) == (
        "holiday.yaml:14: products.widget.replenishment.order_quantity: bad\nx.yaml: no such file"
    )


def test_error_survives_pickling() -> None:
    error = ScenarioError([Problem("x.yaml", 3, "name", "must be text, got 3")])
    again = pickle.loads(pickle.dumps(error))
    assert again.problems == error.problems
    assert str(again) == "x.yaml:3: name: must be text, got 3"
    loaded = load_scenario("good/holiday.yaml")
    assert pickle.loads(pickle.dumps(loaded)) == loaded


def test_validate_files_collects_every_file() -> None:
    found = validate_files(["good/minimal.yaml", "bad/rq_zero.yaml", "bad/empty.yaml", "nope.yaml"])
    assert [str(p) for p in found] == [
        "bad/rq_zero.yaml:12: products.widget.replenishment.order_quantity: "
        "must be a whole number >= 1, got 0",
        "bad/empty.yaml:1: the file is empty",
        "nope.yaml: no such file",
    ]


@pytest.mark.parametrize("name", sorted(p.name for p in (DATA / "bad").glob("*.yaml")))
def test_every_bad_fixture_fails_with_one_line_problems(name: str) -> None:
    found = validate_files([f"bad/{name}"])
    assert found
    for problem in found:
        text = str(problem)
        assert "\n" not in text and "Traceback" not in text
        assert problem.file.startswith("bad/")
        assert problem.line is not None


YAML_FILES = [
    *sorted((DATA / "good").rglob("*.yaml")),
    *sorted((DATA / "bad").glob("*.yaml")),
    *sorted((DATA.parents[1] / "scenarios").glob("*.yaml")),
]


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_libyaml_and_pure_python_read_the_same(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files are composed by libyaml's parser when PyYAML has it; the result (data, the
    line of every key, problems) must be what the pure Python parser gives (both on the
    full path: the fast reader of plain YAML is held to it in test_yaml_plain.py)."""
    text = path.read_text()
    tricky = "a: &x {b: 1e3, c: 2024-01-02, d: .5}\ne:\n  <<: *x\n  b: 7\nf: [1, 'two', null]\n"
    for source in (text, tricky):
        fast = yaml_lines.parse_yaml(source, "f.yaml", plain=False)
        with monkeypatch.context() as m:
            m.setattr(yaml_lines, "FastLineLoader", None)
            pure = yaml_lines.parse_yaml(source, "f.yaml", plain=False)
        assert (fast.data, fast.lines, fast.problems, fast.fatal, fast.suppressed) == (
            pure.data,
            pure.lines,
            pure.problems,
            pure.fatal,
            pure.suppressed,
        )


def test_libyaml_is_used_when_available() -> None:
    if not getattr(__import__("yaml"), "__with_libyaml__", False):
        pytest.skip("this PyYAML was built without libyaml")
    assert yaml_lines.FastLineLoader is not None
    loader, node = yaml_lines._fast_compose("a: 1\n")
    assert loader is not None and node is not None
    loader.dispose()


SCALARS = """\
a: [1, '1', "1", 1e3, 1.5, .5, .inf, -.Inf, .nan, 0x1f, 0o17, 1_000, 190:20:30]
b: [true, 'true', yes, no, on, off, ~, null, '', x, 2024-01-02, 2024-01-02 10:00:00]
c: !!str 5
d: {1: one, '1': text, true: t, null: n, 1e3: f}
e: [1, 1, '1', '1', x, x]
f: &anchor {g: 1}
h: *anchor
"""


def _tags(node: Any) -> Iterator[str]:
    """Every tag of a node tree, depth first."""
    yield node.tag
    if isinstance(node.value, list):
        for child in node.value:
            for part in child if isinstance(child, tuple) else (child,):
                yield from _tags(part)


def test_remembered_tags_are_the_resolvers_own() -> None:
    """Both loaders skip PyYAML's path-resolver calls and remember each tag by (kind, text,
    implicit): every node still gets the tag PyYAML's own resolver gives it."""
    plain = type(
        "Plain",
        (yaml.SafeLoader,),
        {"yaml_implicit_resolvers": yaml_lines.SafeLineLoader.yaml_implicit_resolvers},
    )
    assert not yaml_lines.SafeLineLoader.yaml_path_resolvers  # what the skip relies on
    expected = list(_tags(yaml.compose(SCALARS, Loader=plain)))
    assert "tag:yaml.org,2002:float" in expected and "tag:yaml.org,2002:timestamp" in expected
    loaders = [yaml_lines.SafeLineLoader]
    if yaml_lines.FastLineLoader is not None:
        loaders.append(yaml_lines.FastLineLoader)
    for loader_type in loaders:
        loader = loader_type(SCALARS)
        try:
            assert list(_tags(loader.get_single_node())) == expected
        finally:
            loader.dispose()


@pytest.mark.parametrize(
    "path", sorted((DATA.parents[1] / "scenarios").glob("*.yaml")), ids=lambda p: p.name
)
def test_plain_data_rules_find_nothing_in_valid_scenarios(path: Path) -> None:
    """The loader runs :func:`check_rules` only when the schema refuses the data, because
    the model validators run the same rules: on a valid scenario they find nothing."""
    loaded = load_scenario(path)
    assert check_rules(loaded.raw) == []
    for index, policy in enumerate(loaded.raw["policies"]):
        overrides = policy.get("overrides") or {}
        usable = {k: v for k, v in overrides.items() if k not in NOT_OVERRIDABLE}
        merged, _ = deep_merge(loaded.raw, usable)
        assert check_rules(merged) == [], (index, policy.get("name"))


@pytest.mark.parametrize("path", YAML_FILES[-3:], ids=lambda p: p.name)
def test_letting_the_tree_go_while_reading_changes_nothing(path: Path) -> None:
    """A text without aliases is read letting each node's children go once read; the
    data, lines and problems are those of a reading that keeps the whole tree."""
    from simulator.scenario.yaml_tree import TreeReader, YamlDocument

    text = path.read_text()
    results = []
    for shared in (True, False):
        loader = yaml_lines.SafeLineLoader(text)
        node = loader.get_single_node()
        doc = YamlDocument(data=None)
        doc.data = TreeReader(loader, "f.yaml", doc, shared=shared).build(node, ())
        loader.dispose()
        results.append((doc.data, doc.lines, doc.problems))
    assert results[0] == results[1]
    assert results[0][0]
