"""Paired differences and the MCB ranking (simulator.statistics)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from simulator.statistics import (
    RankEntry,
    is_clear,
    paired_difference,
    rank,
    relative_difference,
    unpaired_difference,
)


def test_paired_difference_of_a_copy_is_exactly_zero_with_zero_width() -> None:
    a = [3.2, 4.7, 1.1, 9.0]
    s = paired_difference(a, list(a))
    assert (s.mean, s.sd, s.ci95_low, s.ci95_high, s.n) == (0.0, 0.0, 0.0, 0.0, 4)


def test_paired_difference_uses_replications_where_both_are_defined() -> None:
    s = paired_difference([1.0, None, 5.0, 4.0], [0.0, 2.0, None, 1.0])
    assert s.n == 2
    assert s.mean == pytest.approx(2.0)
    t = stats.t.ppf(0.975, 1)
    assert s.ci95_high == pytest.approx(2.0 + t * math.sqrt(2.0) / math.sqrt(2.0))


def test_paired_difference_needs_equal_lengths() -> None:
    with pytest.raises(ValueError, match="got 2 and 3"):
        paired_difference([1.0, 2.0], [1.0, 2.0, 3.0])


def test_relative_difference_scales_by_the_baseline_magnitude() -> None:
    diff = paired_difference([11.0, 12.0, 13.0], [10.0, 10.0, 10.0])
    base = paired_difference([-10.0, -10.0, -10.0], [0.0, 0.0, 0.0])  # mean -10
    rel = relative_difference(diff, base)
    assert rel is not None
    assert rel.mean == pytest.approx(0.2)
    assert rel.ci95_low == pytest.approx(diff.ci95_low / 10.0)  # type: ignore[operator]
    zero = paired_difference([0.0, 0.0], [0.0, 0.0])
    assert relative_difference(diff, zero) is None


def test_paired_interval_is_narrower_than_unpaired_under_common_noise() -> None:
    rng = np.random.default_rng(5)
    common = rng.normal(0.0, 10.0, size=30)
    a = list(common + 1.0 + rng.normal(0.0, 0.5, size=30))
    b = list(common + rng.normal(0.0, 0.5, size=30))
    paired, unpaired = paired_difference(a, b), unpaired_difference(a, b)
    assert paired.mean == pytest.approx(unpaired.mean)
    assert paired.half_width < unpaired.half_width / 5  # type: ignore[operator]


def test_unpaired_difference_matches_welch() -> None:
    a, b = [1.0, 2.0, 4.0, 7.0], [0.5, 0.7, 0.9]
    s = unpaired_difference(a, b)
    low, high = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert (s.ci95_low, s.ci95_high) == (pytest.approx(low), pytest.approx(high))


def test_rank_orders_by_goal_and_signs_vs_best() -> None:
    values = {"a": [1.0, 2.0, 3.0], "b": [11.0, 12.0, 13.5], "c": [5.0, 6.0, 7.2]}
    best_first = rank(values, "max")
    assert [e.policy for e in best_first] == ["b", "c", "a"]
    assert best_first[0].status == "best"
    assert best_first[0].vs_best_mean == pytest.approx(12.1667 - 6.0667, abs=1e-3)
    assert best_first[2].vs_best_mean == pytest.approx(2.0 - 12.1667, abs=1e-3)
    low_first = rank(values, "min")
    assert [e.policy for e in low_first] == ["a", "c", "b"]
    assert low_first[0].vs_best_mean == pytest.approx(6.0667 - 2.0, abs=1e-3)
    assert low_first[0].mean == pytest.approx(2.0)
    for entry in best_first + low_first:
        assert entry.vs_best_low <= entry.vs_best_mean <= entry.vs_best_high  # type: ignore[operator]


def test_a_renamed_copy_is_a_tie_never_worse() -> None:
    rng = np.random.default_rng(1)
    base = list(rng.normal(100.0, 5.0, size=8))
    worse = [x - 50.0 + rng.normal(0.0, 1.0) for x in base]
    ranking = rank({"p": base, "worse": worse, "p-copy": list(base)}, "max")
    by = {e.policy: e for e in ranking}
    assert [e.policy for e in ranking][:2] == ["p", "p-copy"]  # ties keep input order
    assert by["p"].status == "best"
    assert by["p-copy"].status == "contender"
    assert by["p-copy"].vs_best_mean == 0.0 and by["p-copy"].vs_best_high == 0.0
    assert by["p"].vs_best_high == 0.0
    assert by["worse"].status == "worse"
    assert not is_clear(ranking)
    # Two copies alone: the same, with a zero-width interval.
    two = rank({"p": base, "p-copy": list(base)}, "min")
    assert [(e.status, e.vs_best_low, e.vs_best_high) for e in two] == [
        ("best", 0.0, 0.0),
        ("contender", 0.0, 0.0),
    ]


def test_clear_when_every_other_is_worse() -> None:
    ranking = rank({"a": [1.0, 1.1, 0.9], "b": [5.0, 5.2, 4.9], "c": [3.0, 3.1, 2.9]}, "max")
    assert [e.status for e in ranking] == ["best", "worse", "worse"]
    assert is_clear(ranking)


def test_rank_edge_cases() -> None:
    single = rank({"only": [1.0, 2.0]}, "max")
    assert single == [RankEntry("only", 1.5, None, None, None, "best")]
    one_rep = rank({"a": [1.0], "b": [2.0]}, "max")
    assert [(e.policy, e.status, e.vs_best_low) for e in one_rep] == [
        ("b", "best", None),
        ("a", "contender", None),
    ]
    undefined = rank({"a": [None, None], "b": [2.0, 3.0]}, "max")
    assert [(e.policy, e.mean, e.status) for e in undefined] == [
        ("b", 2.5, "best"),
        ("a", None, "contender"),
    ]
    with pytest.raises(ValueError, match="goal must be 'max' or 'min', got 'up'"):
        rank({"a": [1.0]}, "up")
    with pytest.raises(ValueError, match="lengths"):
        rank({"a": [1.0], "b": [1.0, 2.0]}, "max")


def _coverage(means: np.ndarray, trials: int, n: int, confidence: float, seed: int) -> float:
    """Fraction of trials in which every vs_best interval holds its true value at once.

    Correlated normal data (a strong common component, as common random numbers give, plus
    each policy's own noise with unequal variances).
    """
    rng = np.random.default_rng(seed)
    k = len(means)
    truth = {f"p{i}": means[i] - max(np.delete(means, i)) for i in range(k)}
    own_sd = np.linspace(1.0, 2.0, k)
    hits = 0
    for _ in range(trials):
        common = rng.normal(0.0, 3.0, size=n)
        data = means[:, None] + common[None, :] + own_sd[:, None] * rng.normal(size=(k, n))
        ranking = rank({f"p{i}": list(data[i]) for i in range(k)}, "max", confidence)
        hits += all(
            e.vs_best_low <= truth[e.policy] <= e.vs_best_high  # type: ignore[operator]
            for e in ranking
        )
    return hits / trials


TRIALS = 1500
MARGIN = 3.0 * math.sqrt(0.95 * 0.05 / TRIALS)
"""Three binomial standard errors at p = 0.95: a correct procedure passes almost surely."""


@pytest.mark.parametrize(
    "means", [np.zeros(4), np.array([0.0, 0.5, 1.0, 3.0])], ids=["all-equal", "spread"]
)
def test_mcb_intervals_have_simultaneous_coverage(means: np.ndarray) -> None:
    # All equal is the least favourable configuration for MCB.
    assert _coverage(means, TRIALS, n=10, confidence=0.95, seed=11) >= 0.95 - MARGIN


def test_coverage_test_catches_a_ranking_without_bonferroni() -> None:
    # With confidence 1 - 0.05 m each of the m = 6 pairs gets a plain 95% interval: the
    # planted bug "no multiplicity correction". The coverage test must reject it.
    m = 4 * 3 // 2
    assert _coverage(np.zeros(4), TRIALS, n=10, confidence=1 - 0.05 * m, seed=12) < 0.95 - MARGIN
