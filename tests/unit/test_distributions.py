"""The distribution grammar and its samplers: bare numbers are constants, bounds condition
(redraw) and never clamp, means of bounded distributions are right, and lognormal/gamma
are given by the variable's own mean and sd."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis_profiles import examples
from pydantic import TypeAdapter, ValidationError
from scipy import stats

from simulator.distributions import (
    MIN_ACCEPTANCE,
    Constant,
    Distribution,
    parse_distribution,
)

ADAPTER: TypeAdapter[Any] = TypeAdapter(Distribution)


def dist(value: Any) -> Any:
    """A distribution from its scenario-file form."""
    return ADAPTER.validate_python(parse_distribution(value))


def draws(d: Any, n: int, seed: int = 7, nonnegative: bool = False) -> np.ndarray:
    sampler = d.sampler(np.random.default_rng(seed), nonnegative=nonnegative)
    return np.array([sampler() for _ in range(n)])


# -- the grammar ------------------------------------------------------------------------------


@pytest.mark.parametrize("number", [0, 3, 2.5, -1])
def test_bare_numbers_are_constants(number: float) -> None:
    d = dist(number)
    assert d == Constant(value=float(number))
    assert d.mean() == number
    rng = np.random.default_rng(1)
    state = rng.bit_generator.state
    sampler = d.sampler(rng)
    assert sampler.constant == number
    assert [sampler() for _ in range(5)] == [number] * 5
    assert rng.bit_generator.state == state  # a constant consumes no randomness


def test_constant_written_out() -> None:
    assert dist({"dist": "constant", "value": 4}) == Constant(value=4.0)


def test_booleans_are_not_numbers() -> None:
    with pytest.raises(ValidationError):
        dist(True)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"dist": "uniform", "low": 1, "high": 5, "min": 4, "max": 2},
            "max: must be >= min (4), got 2",
        ),
        ({"dist": "uniform", "low": 5, "high": 5}, "high: must be above low (5), got 5"),
        ({"dist": "triangular", "low": 1, "mode": 7, "high": 5}, "needs low <= mode <= high"),
        (
            {"dist": "empirical", "values": [1, 2], "weights": [1]},
            "weights: needs one entry per value (2), got 1",
        ),
        (
            {"dist": "empirical", "values": [1, 2], "weights": [0, 0]},
            "weights: must not all be zero",
        ),
    ],
)
def test_bad_parameters(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        dist(spec)
    assert message in str(info.value)


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "lognormal", "mean": 3, "sd": 0},
        {"dist": "gamma", "mean": -1, "sd": 1},
        {"dist": "exponential", "mean": 0},
        {"dist": "poisson", "mean": 0},
        {"dist": "expo", "mean": 3},
        {"dist": "normal", "mean": 3, "sd": 1, "sdd": 2},
    ],
)
def test_invalid_distributions(spec: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        dist(spec)


# -- bounds condition the draw ----------------------------------------------------------------


@settings(max_examples=examples(40), deadline=None)
@given(
    low=st.floats(-100, 100),
    width=st.floats(1, 100),
    a=st.floats(0, 0.8),
    b=st.floats(0.1, 1),
)
def test_uniform_bounds_redraw_and_never_clamp(
    low: float, width: float, a: float, b: float
) -> None:
    lo = low + a * width
    hi = lo + max(b * (low + width - lo), 0.05 * width)
    d = dist({"dist": "uniform", "low": low, "high": low + width, "min": lo, "max": hi})
    x = draws(d, 2000)
    assert x.min() >= lo and x.max() <= hi
    # clamping would pile draws up on the bounds
    assert np.sum(x == lo) + np.sum(x == hi) <= 1
    assert d.acceptance() == pytest.approx((min(hi, low + width) - lo) / width)


@settings(max_examples=examples(40), deadline=None)
@given(
    mean=st.floats(-10, 10),
    sd=st.floats(0.1, 5),
    lo_z=st.floats(-2, 1),
    span_z=st.floats(0.5, 3),
)
def test_normal_bounds(mean: float, sd: float, lo_z: float, span_z: float) -> None:
    lo, hi = mean + lo_z * sd, mean + (lo_z + span_z) * sd
    d = dist({"dist": "normal", "mean": mean, "sd": sd, "min": lo, "max": hi})
    x = draws(d, 4000)
    assert lo <= x.min() and x.max() <= hi
    assert np.sum(x == lo) + np.sum(x == hi) == 0
    expected = stats.truncnorm((lo - mean) / sd, (hi - mean) / sd, loc=mean, scale=sd)
    assert d.mean() == pytest.approx(expected.mean(), rel=1e-6, abs=1e-9)
    assert abs(x.mean() - expected.mean()) < 5 * expected.std() / math.sqrt(len(x))


@settings(max_examples=examples(30), deadline=None)
@given(mean=st.floats(0.5, 20), floor=st.floats(0, 10))
def test_exponential_min_is_memoryless(mean: float, floor: float) -> None:
    # bounds keeping less than MIN_ACCEPTANCE are refused in scenarios (the redraw would
    # practically never end): mean 0.5 with min 10 keeps 2e-9 of the draws
    assume(math.exp(-floor / mean) >= MIN_ACCEPTANCE)
    d = dist({"dist": "exponential", "mean": mean, "min": floor})
    x = draws(d, 3000)
    assert x.min() >= floor and np.sum(x == floor) == 0
    assert d.mean() == pytest.approx(floor + mean, rel=1e-6)


@settings(max_examples=examples(30), deadline=None)
@given(mean=st.floats(0.2, 8), floor=st.integers(1, 3))
def test_poisson_with_min_never_goes_below(mean: float, floor: int) -> None:
    frozen = stats.poisson(mean)
    if frozen.sf(floor - 1) < 1e-3:
        return  # the bounds would be refused as near-impossible
    d = dist({"dist": "poisson", "mean": mean, "min": floor})
    x = draws(d, 2000)
    assert x.min() >= floor
    assert np.all(x == np.round(x))
    assert d.integer_problem(minimum=floor) is None


def test_durations_redraw_below_zero() -> None:
    d = dist({"dist": "normal", "mean": 1, "sd": 2})
    x = draws(d, 20000, nonnegative=True)
    assert x.min() >= 0
    expected = stats.truncnorm(-0.5, np.inf, loc=1, scale=2)
    assert d.mean(nonnegative=True) == pytest.approx(expected.mean(), rel=1e-6)
    assert abs(x.mean() - expected.mean()) < 5 * expected.std() / math.sqrt(len(x))


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "exponential", "mean": 3, "max": 5},
        {"dist": "normal", "mean": 5, "sd": 2, "min": 4, "max": 9},
        {"dist": "lognormal", "mean": 9, "sd": 3, "min": 6},
        {"dist": "gamma", "mean": 4, "sd": 2, "max": 5},
        {"dist": "triangular", "low": 2, "mode": 3, "high": 6, "min": 3},
        {"dist": "uniform", "low": 0, "high": 10, "min": 2, "max": 5},
        {"dist": "poisson", "mean": 2, "min": 1},
        {"dist": "poisson", "mean": 5, "min": 2, "max": 6},
        {"dist": "empirical", "values": [1, 2, 3, 10], "weights": [1, 2, 3, 4], "max": 3},
    ],
)
def test_mean_of_bounded_distribution_matches_a_large_sample(spec: dict[str, Any]) -> None:
    d = dist(spec)
    x = draws(d, 100_000, seed=11)
    lo, hi = d.bounds()
    assert x.min() >= lo and x.max() <= hi
    assert abs(x.mean() - d.mean()) < 5 * x.std() / math.sqrt(len(x)) + 1e-12


def test_poisson_min_1_mean() -> None:
    d = dist({"dist": "poisson", "mean": 2, "min": 1})
    assert d.mean() == pytest.approx(2 / (1 - math.exp(-2)))


def test_empirical_with_weights() -> None:
    d = dist({"dist": "empirical", "values": [1, 5], "weights": [3, 1]})
    x = draws(d, 40_000)
    assert set(np.unique(x)) == {1.0, 5.0}
    assert np.mean(x == 5) == pytest.approx(0.25, abs=0.02)
    assert d.mean() == 2.0


def test_empirical_zero_is_a_valid_duration() -> None:
    d = dist({"dist": "empirical", "values": [0.0, 0.5], "weights": [1, 0]})
    assert d.time_problem() is None
    assert d.acceptance(nonnegative=True) == 1.0


# -- lognormal and gamma are given by the variable's mean and sd -------------------------------


@settings(max_examples=examples(20), deadline=None)
@given(
    family=st.sampled_from(["lognormal", "gamma"]),
    mean=st.floats(0.5, 50),
    cv=st.floats(0.1, 1.0),
)
def test_mean_and_sd_are_of_the_variable(family: str, mean: float, cv: float) -> None:
    sd = cv * mean
    d = dist({"dist": family, "mean": mean, "sd": sd})
    assert d.mean() == pytest.approx(mean, rel=1e-9)
    assert float(d._frozen().std()) == pytest.approx(sd, rel=1e-9)
    x = draws(d, 50_000, seed=3)
    assert abs(x.mean() - mean) < 5 * sd / math.sqrt(len(x))
    assert x.std() == pytest.approx(sd, rel=0.08)


# -- sampler behaviour ------------------------------------------------------------------------


def test_same_seed_same_draws() -> None:
    d = dist({"dist": "gamma", "mean": 4, "sd": 1, "min": 3})
    assert np.array_equal(draws(d, 3000, seed=5), draws(d, 3000, seed=5))
    assert not np.array_equal(draws(d, 100, seed=5), draws(d, 100, seed=6))


def test_problems_for_uses() -> None:
    assert dist(-2).time_problem() == "must be >= 0 (a duration in days), got -2"
    assert dist(0).time_problem() is None
    assert dist({"dist": "normal", "mean": -50, "sd": 1}).time_problem() is not None
    assert dist(3).integer_problem(minimum=1) is None
    assert dist(0).integer_problem(minimum=1) == "must be >= 1, got 0"
    assert dist({"dist": "poisson", "mean": 2}).integer_problem(minimum=1) == (
        "can be below 1; add min: 1"
    )
    assert dist({"dist": "empirical", "values": [1, 2]}).integer_problem(minimum=1) is None
    assert "whole-number" in (
        dist({"dist": "uniform", "low": 1, "high": 3}).integer_problem(1) or ""
    )


def test_near_impossible_bounds_are_refused_for_durations() -> None:
    d = dist({"dist": "normal", "mean": -4, "sd": 1, "min": -100, "max": 1})
    assert d.acceptance(nonnegative=True) < MIN_ACCEPTANCE
    assert "only 3.1e-05 of its mass" in (d.time_problem() or "")


@pytest.mark.parametrize(
    ("spec", "kept"),
    [
        ({"dist": "normal", "mean": 0, "sd": 1, "min": -100, "max": -8}, "6.2e-16"),
        ({"dist": "exponential", "mean": 1, "min": 30}, "9.4e-14"),
        ({"dist": "normal", "mean": 5, "sd": 1, "min": 30}, "3.1e-138"),
        ({"dist": "poisson", "mean": 1, "min": 20}, "1.6e-19"),
    ],
)
def test_bounds_keeping_almost_no_mass_are_refused_with_the_mass(
    spec: dict[str, Any], kept: str
) -> None:
    """The redraw behind min/max would practically never end: refused, saying what is kept."""
    with pytest.raises(ValidationError, match=f"keep only {kept} of the distribution's mass"):
        dist(spec)


def test_tiny_and_huge_parameters_are_refused() -> None:
    for spec in (
        {"dist": "gamma", "mean": 5, "sd": 5e-324},
        {"dist": "exponential", "mean": 1e308},
        {"dist": "uniform", "low": 1, "high": 1 + 1e-12},
        {"dist": "normal", "mean": float("nan"), "sd": 1},
        {"dist": "constant", "value": float("inf")},
        {"dist": "empirical", "values": [1, float("inf")]},
        {"dist": "gamma", "mean": 1e9, "sd": 1},
    ):
        with pytest.raises(ValidationError):
            dist(spec)
