"""Precision targets: replications added until the half-widths are met, or the cap."""

from __future__ import annotations

import math
from typing import Any

import pytest
from test_compare import shop

from simulator import compare, run
from simulator.experiment.errors import ExperimentError
from simulator.experiment.precision import next_count
from simulator.experiment.targets import PrecisionTarget, TargetCheck, parse_precision


def without_precision(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "precision"}


def paired_half_width(n: int, metric: str) -> float:
    fixed = compare(shop(), executor="serial", replications=n)
    hw = fixed.differences["backorder"][metric].half_width
    assert hw is not None
    return hw


def test_stops_as_soon_as_the_target_is_met_with_the_numbers_of_a_fixed_run() -> None:
    target = paired_half_width(4, "profit") / 2.5  # needs several batches
    result = compare(
        shop(),
        executor="serial",
        replications=4,
        precision=[f"profit={target}"],
        max_replications=200,
    )
    outcome = result.run.precision
    assert outcome is not None and outcome.met
    n = outcome.replications
    assert outcome.history[0] == 4 and outcome.history[-1] == n and len(outcome.history) > 1
    # not met at any earlier check, met at the last one
    for earlier in outcome.history[:-1]:
        assert paired_half_width(earlier, "profit") > target, earlier
    assert paired_half_width(n, "profit") <= target
    # exactly the numbers of a fixed run of n replications
    fixed = compare(shop(), executor="serial", replications=n)
    assert without_precision(result.to_dict()) == fixed.to_dict()
    assert result.to_dict()["precision"]["met"] is True
    assert f"met after {n} replications" in outcome.message()


def test_an_unreachable_target_stops_at_the_cap_and_says_so() -> None:
    result = compare(
        shop(),
        executor="serial",
        replications=3,
        precision=["profit=0.001", "fill_rate=50%"],
        max_replications=7,
    )
    outcome = result.run.precision
    assert outcome is not None and not outcome.met
    assert outcome.replications == 7 == result.run.replications
    assert outcome.history == (3, 6, 7)  # doubling, then the cap
    message = outcome.message()
    assert message.startswith("precision target not met: stopped at the cap of 7 replications")
    reached = result.differences["backorder"]["profit"].half_width
    assert f"profit of backorder - lost-sales: ±{reached:,.4g} (target ±0.001)" in message
    assert "fill_rate" not in message  # met: 50% of the baseline's fill rate is easy
    assert (
        without_precision(result.to_dict())
        == compare(shop(), executor="serial", replications=7).to_dict()
    )


def test_run_targets_apply_to_each_policy_own_interval() -> None:
    plain = run(shop(), executor="serial", replications=4)
    widest = max(p.metrics["fill_rate"].half_width or 0.0 for p in plain.policies.values())
    result = run(shop(), executor="serial", replications=4, precision=[f"fill_rate={widest / 2}"])
    assert result.precision is not None and result.precision.met
    assert [c.subject for c in result.precision.checks] == ["lost-sales", "backorder"]
    for policy in result.policies.values():
        assert policy.metrics["fill_rate"].half_width <= widest / 2  # type: ignore[operator]
    n = result.replications
    assert (
        without_precision(result.to_dict())
        == run(shop(), executor="serial", replications=n).to_dict()
    )


def test_relative_targets_scale_with_the_baseline_mean() -> None:
    result = compare(shop(), executor="serial", replications=4, precision=["profit=5%"])
    outcome = result.run.precision
    assert outcome is not None
    (check,) = outcome.checks
    base = result.run.policies["lost-sales"].metrics["profit"].mean
    assert check.wanted == pytest.approx(0.05 * abs(base))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("profit=500", PrecisionTarget("profit", 500.0, False)),
        (" fill_rate = 0.5% ", PrecisionTarget("fill_rate", 0.005, True)),
    ],
)
def test_parse_precision(spec: str, expected: PrecisionTarget) -> None:
    assert parse_precision(spec) == expected
    assert str(expected) in {"profit=500", "fill_rate=0.5%"}


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("profit", "expected METRIC=HALF_WIDTH"),
        ("profit=", "expected METRIC=HALF_WIDTH"),
        ("proft=5", "unknown metric 'proft' (did you mean 'profit'?)"),
        ("profit=abc", "must be a number > 0, got 'abc'"),
        ("profit=-3", "must be a number > 0, got -3.0"),
        ("profit=0%", "must be a number > 0"),
        ("profit=nan", "must be a number > 0"),
    ],
)
def test_bad_precision_specs(spec: str, fragment: str) -> None:
    with pytest.raises(ExperimentError, match=r"^--precision") as info:
        parse_precision(spec)
    assert fragment in str(info.value)


def test_bad_caps() -> None:
    with pytest.raises(ExperimentError, match=r"--max-replications \(=3\) must be >= .*\(=5\)"):
        compare(
            shop(), executor="serial", replications=5, precision=["profit=1"], max_replications=3
        )
    with pytest.raises(ExperimentError, match="needs at least one --precision"):
        compare(shop(), executor="serial", max_replications=30)
    with pytest.raises(ExperimentError, match="needs at least one --precision"):
        run(shop(), executor="serial", max_replications=30)


def test_next_count_grows_by_the_predicted_need_within_bounds() -> None:
    target = PrecisionTarget("profit", 10.0)

    def check(reached: float | None) -> TargetCheck:
        return TargetCheck(target, "p", 10.0, reached)

    assert next_count(10, [check(12.0)], 1000) == math.ceil(10 * 1.2**2)  # predicted: 15
    assert next_count(10, [check(100.0)], 1000) == 20  # at most doubling
    assert next_count(10, [check(10.01)], 1000) == 11  # at least one more
    assert next_count(10, [check(None)], 1000) == 20  # no interval yet: double
    assert next_count(10, [check(100.0)], 13) == 13  # never past the cap


def test_a_relative_target_on_a_zero_baseline_mean_is_an_error_not_a_run_to_the_cap() -> None:
    # lost-sales retains no revenue: 2% of 0 can never be met
    with pytest.raises(ExperimentError, match="retained_revenue for lost-sales is 0"):
        compare(shop(), executor="serial", replications=2, precision=["retained_revenue=2%"])
