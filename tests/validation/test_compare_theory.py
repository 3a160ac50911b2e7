"""`compare` against exact theory: paired differences of two base-stock levels.

Base-stock levels S and S + 2, Poisson demand, constant lead time L, full backorders: the
fill rate is P(D_L <= S - 1) (theory.py), so the exact fill-rate difference is
P(D_L <= S + 1) - P(D_L <= S - 1); on-hand and backlog differences, and with them the
holding and backlog-penalty cost differences, follow from the same stationary law. The
scenario runs through ``backorder-sim compare FILE --format json`` as a user would run it.

Checks: the paired 95% interval of the fill-rate difference holds the exact value; the
other differences hold theirs at 99.9% (as in test_against_theory.py); the paired interval
is narrower than the unpaired (Welch) one from the same runs; the difference if both levels
were one higher (power) lies outside; the ranking puts the level of lower exact cost first;
and a renamed copy is a tie, never "worse".
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from scipy import stats
from theory import base_stock_poisson

from simulator.cli import main

RATE, LEAD, S = 4.0, 1.5, 6
WINDOW, WARMUP = 1000.0, 20.0
HOLDING, BACKLOG = 0.5, 2.0


def level(s: int) -> dict[str, Any]:
    return {"products": {"widget": {"replenishment": {"level": s}, "initial_on_hand": s}}}


SCENARIO: dict[str, Any] = {
    "name": "base stock S vs S+2",
    "seed": 808,
    "horizon_days": WARMUP + WINDOW,
    "warmup_days": WARMUP,
    "replications": 20,
    "objective": {"metric": "profit", "goal": "max"},
    "products": {
        "widget": {
            "price": 10,
            "holding_cost_per_unit_day": HOLDING,
            "backlog_penalty_per_unit_day": BACKLOG,
            "initial_on_hand": S,
            "demand": {"rate_per_day": RATE},
            "replenishment": {"policy": "base_stock", "level": S},
        }
    },
    "suppliers": {"acme": {"lead_time_days": {"dist": "constant", "value": LEAD}, "unit_cost": 1}},
    "policies": [
        {"name": "S", "backorder": {"allow": True}},
        {"name": "S+2", "backorder": {"allow": True}, "overrides": level(S + 2)},
        {"name": "S+2-copy", "backorder": {"allow": True}, "overrides": level(S + 2)},
    ],
}


def exact_differences(low: int, high: int) -> dict[str, float]:
    """Exact steady-state differences (level ``high`` minus level ``low``) by metric."""
    a, b = base_stock_poisson(low, RATE, LEAD), base_stock_poisson(high, RATE, LEAD)
    on_hand = b.mean_on_hand_units - a.mean_on_hand_units
    backlog = b.mean_backlog_units - a.mean_backlog_units
    return {
        "fill_rate": b.fill_rate - a.fill_rate,
        "mean_on_hand_units": on_hand,
        "mean_backlog_units": backlog,
        "holding_cost": HOLDING * on_hand * WINDOW,
        "backlog_penalty_cost": BACKLOG * backlog * WINDOW,
        # Units ordered equal units demanded (IP stays at the level), and revenue differs
        # only by the backlog at the window's ends, which is 0 in expectation.
        "profit": -(HOLDING * on_hand + BACKLOG * backlog) * WINDOW,
    }


def half_width(s: dict[str, Any], confidence: float) -> float:
    return float(stats.t.ppf(0.5 + confidence / 2, s["n"] - 1)) * s["sd"] / math.sqrt(s["n"])


def welch_half_width(a: dict[str, Any], b: dict[str, Any]) -> float:
    """The 95% half-width of mean(a) - mean(b) treating the two as independent."""
    va, vb = a["sd"] ** 2 / a["n"], b["sd"] ** 2 / b["n"]
    df = (va + vb) ** 2 / (va**2 / (a["n"] - 1) + vb**2 / (b["n"] - 1))
    return float(stats.t.ppf(0.975, df)) * math.sqrt(va + vb)


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = Path(tmp_path_factory.mktemp("compare")) / "base_stock.yaml"
    path.write_text(yaml.safe_dump(SCENARIO, sort_keys=False))
    result = CliRunner().invoke(
        main, ["compare", str(path), "--format", "json", "--executor", "serial"]
    )
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@pytest.mark.slow
def test_paired_differences_hold_the_exact_differences(compared: dict[str, Any]) -> None:
    diffs = compared["differences"]["S+2"]
    exact = exact_differences(S, S + 2)
    shifted = exact_differences(S + 1, S + 3)  # both levels one higher: must be excluded
    fill = diffs["fill_rate"]
    want = exact["fill_rate"]
    print(
        f"fill_rate difference: exact {want:.5f}, paired {fill['mean']:.5f} "
        f"[{fill['ci95_low']:.5f}, {fill['ci95_high']:.5f}]"
    )
    assert fill["ci95_low"] <= want <= fill["ci95_high"]
    assert not fill["ci95_low"] <= shifted["fill_rate"] <= fill["ci95_high"]
    for metric, value in exact.items():
        s = diffs[metric]
        half = half_width(s, 0.999)
        print(f"{metric:22s} exact {value:12.5f}  paired {s['mean']:12.5f} ± {half:.5f}")
        assert abs(s["mean"] - value) <= half, metric
        if metric != "profit":
            assert abs(s["mean"] - shifted[metric]) > half, f"{metric}: no power"


@pytest.mark.slow
def test_paired_interval_is_narrower_than_unpaired(compared: dict[str, Any]) -> None:
    policies = compared["policies"]
    for metric in ("fill_rate", "mean_on_hand_units", "mean_backlog_units", "profit"):
        s = compared["differences"]["S+2"][metric]
        paired = (s["ci95_high"] - s["ci95_low"]) / 2
        unpaired = welch_half_width(
            policies["S+2"]["metrics"][metric], policies["S"]["metrics"][metric]
        )
        print(f"{metric:22s} paired ±{paired:.5f}  unpaired ±{unpaired:.5f}")
        assert paired < unpaired, metric


@pytest.mark.slow
def test_ranking_follows_theory_and_a_copy_ties(compared: dict[str, Any]) -> None:
    cost = {
        s: (lambda t: HOLDING * t.mean_on_hand_units + BACKLOG * t.mean_backlog_units)(
            base_stock_poisson(s, RATE, LEAD)
        )
        for s in (S, S + 2)
    }
    theory_best = "S+2" if cost[S + 2] < cost[S] else "S"
    ranking = compared["ranking"]
    assert ranking[0]["policy"] == theory_best
    assert ranking[0]["status"] == "best"
    by = {entry["policy"]: entry for entry in ranking}
    assert by["S+2-copy"]["status"] == "contender"
    assert by["S+2-copy"]["vs_best"] == {"mean": 0.0, "ci_low": 0.0, "ci_high": 0.0}
    assert by["S"]["status"] == "worse"
    assert compared["clear"] is False
    assert compared["differences"]["S+2-copy"] == compared["differences"]["S+2"]
