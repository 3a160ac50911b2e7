"""compare: paired differences against the baseline, the ranking, the JSON of DESIGN §4."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from simulator import compare, run
from simulator.experiment.compare import Objective, parse_objective
from simulator.experiment.errors import ExperimentError
from simulator.metrics.record import STORE_METRICS, is_money

SHOP: dict[str, Any] = {
    "name": "small shop",
    "seed": 3,
    "horizon_days": 120,
    "warmup_days": 10,
    "replications": 6,
    "objective": {"metric": "profit", "goal": "max"},
    "products": {
        "lamp": {
            "price": 30,
            "holding_cost_per_unit_day": 0.05,
            "initial_on_hand": 10,
            "demand": {"rate_per_day": 4},
            "replenishment": {"policy": "base_stock", "level": 10},
        }
    },
    "suppliers": {
        "lampco": {"lead_time_days": {"dist": "gamma", "mean": 2, "sd": 1}, "unit_cost": 12}
    },
    "policies": [
        {"name": "lost-sales"},
        {"name": "backorder", "backorder": {"allow": True}},
    ],
}


def shop(*extra: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(SHOP)
    data["policies"] += list(extra)
    return data


def test_a_renamed_copy_differs_by_exactly_zero_and_is_a_contender() -> None:
    data = shop({"name": "backorder-copy", "backorder": {"allow": True}})
    result = compare(data, executor="serial")
    diffs = result.differences["backorder-copy"]
    original = result.differences["backorder"]
    for metric, s in diffs.items():
        base = original[metric]
        if s.n == 0:
            continue
        # copy - baseline equals original - baseline replication by replication
        assert (s.mean, s.ci95_low, s.ci95_high) == (base.mean, base.ci95_low, base.ci95_high)
    by = {entry.policy: entry for entry in result.ranking}
    assert by["backorder-copy"].status == "contender"
    assert by["backorder"].status in ("best", "contender")
    assert not result.clear
    # and against itself as the baseline: exactly 0 with zero width
    data["policies"] = [data["policies"][1], data["policies"][2]]
    alone = compare(data, executor="serial")
    for metric, s in alone.differences["backorder-copy"].items():
        if s.n:
            assert (s.mean, s.sd, s.ci95_low, s.ci95_high) == (0.0, 0.0, 0.0, 0.0), metric
    assert [e.status for e in alone.ranking] == ["best", "contender"]
    assert [(e.vs_best_low, e.vs_best_high) for e in alone.ranking] == [(0.0, 0.0), (0.0, 0.0)]
    assert "not significant" in alone.sentences["backorder-copy"]
    assert "tied on profit" in alone.recommendation


def test_compare_json_is_the_run_document_plus_design_keys() -> None:
    result = compare(shop(), executor="serial")
    data = json.loads(result.to_json())
    plain = run(shop(), executor="serial").to_dict()
    assert {k: data[k] for k in plain} == json.loads(json.dumps(plain))
    extra = set(data) - set(plain)
    assert extra == {
        "baseline",
        "objective",
        "differences",
        "relative_differences",
        "ranking",
        "clear",
        "sentences",
        "recommendation",
    }
    assert data["baseline"] == "lost-sales"
    assert data["objective"] == {"metric": "profit", "goal": "max"}
    assert list(data["differences"]) == ["backorder"]
    assert list(data["differences"]["backorder"]) == list(STORE_METRICS)
    assert set(data["differences"]["backorder"]["fill_rate"]) == {
        "mean",
        "sd",
        "ci95_low",
        "ci95_high",
        "n",
    }
    assert set(data["relative_differences"]["backorder"]) == {
        m for m in STORE_METRICS if is_money(m)
    }
    for entry in data["ranking"]:
        assert set(entry) == {"policy", "mean", "vs_best", "status"}
        assert set(entry["vs_best"]) == {"mean", "ci_low", "ci_high"}
    assert data["ranking"][0]["status"] == "best"
    assert set(data["sentences"]) == {"lost-sales", "backorder"}
    assert isinstance(data["recommendation"], str) and isinstance(data["clear"], bool)


def test_differences_are_paired_per_replication() -> None:
    result = compare(shop(), executor="serial")
    a = result.run.policies["backorder"].values("profit")
    b = result.run.policies["lost-sales"].values("profit")
    d = result.differences["backorder"]["profit"]
    assert d.mean == pytest.approx(sum(x - y for x, y in zip(a, b, strict=True)) / len(a))  # type: ignore[operator]
    rel = result.relative_differences["backorder"]["profit"]
    base = result.run.policies["lost-sales"].metrics["profit"].mean
    assert rel is not None and rel.mean == pytest.approx(d.mean / abs(base))  # type: ignore[operator]


def test_objective_from_scenario_or_option() -> None:
    assert compare(shop(), executor="serial").objective == Objective("profit", "max")
    result = compare(shop(), executor="serial", objective="mean_on_hand_units:min")
    assert result.objective == Objective("mean_on_hand_units", "min")
    means = [e.mean for e in result.ranking]
    assert means == sorted(means)  # type: ignore[type-var]
    with pytest.raises(ExperimentError, match="did you mean 'profit'"):
        parse_objective("proft:max")
    with pytest.raises(ExperimentError, match="got 'up'"):
        parse_objective("profit:up")
    with pytest.raises(ExperimentError, match="METRIC:max"):
        parse_objective("profit")
