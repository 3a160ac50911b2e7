"""Selecting the best of many candidates: sequential elimination and feasibility with confidence.

Two procedures from the ranking-and-selection literature, on raw per-replication values
(replication r of every candidate comes from the same random numbers, so differences are
paired):

- :class:`KimNelson`, the fully sequential elimination of Kim & Nelson (2001), "A fully
  sequential procedure for indifference-zone selection in simulation", ACM TOMACS 11(3).
  After a first stage of n0 replications it estimates the variance of every paired
  difference, then after each further replication drops every candidate whose mean falls
  below another's by more than a boundary that shrinks as replications accumulate. It
  guarantees: under normality, if the best candidate is at least δ (the indifference zone)
  better than every other, it is the last one standing with probability >= 1 - α, with or
  without common random numbers.
- :func:`judge`, the feasibility of one constraint from a one-sided Student-t bound: a
  candidate is *feasible* when its one-sided 95% bound meets the target (the lower bound for
  ``>=``, the upper bound for ``<=``), *infeasible* when the opposite one-sided bound misses
  it, and *undecided* otherwise (after Andradóttir & Kim (2010), "Fully sequential procedures
  for comparing constrained systems via simulation", Naval Research Logistics 57).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

FEASIBLE = "feasible"
INFEASIBLE = "infeasible"
UNDECIDED = "undecided"


def t_quantile(p: float, df: int) -> float:
    """The Student-t quantile ``p`` with ``df`` degrees of freedom."""
    from scipy.special import stdtrit

    return float(stdtrit(df, p))


@dataclass(frozen=True)
class Judgement:
    """Whether one candidate meets one constraint, and the bound that says so."""

    status: str
    """``feasible``, ``infeasible`` or ``undecided``."""
    mean: float | None
    """The estimate of the constrained metric (None when it is defined in no replication)."""
    bound: float | None
    """The one-sided bound that is compared with the target: the lower bound for ``>=``, the
    upper bound for ``<=`` (None with fewer than 2 defined replications)."""


def judge(
    values: Sequence[float | None], op: str, target: float, confidence: float = 0.95
) -> Judgement:
    """Judge ``mean(values) op target`` with one-sided Student-t bounds at ``confidence``.

    ``op`` is ``">="`` or ``"<="``; undefined values (None) are left out. With all values
    equal the bounds are the value itself.
    """
    if op not in (">=", "<="):
        raise ValueError(f"op (={op!r}) must be '>=' or '<='")
    if not 0.5 < confidence < 1:
        raise ValueError(f"confidence (={confidence}) must be in (0.5, 1)")
    xs = np.array([x for x in values if x is not None], dtype=float)
    if xs.size == 0:
        return Judgement(UNDECIDED, None, None)
    mean = float(xs.mean())
    if xs.size == 1:
        return Judgement(UNDECIDED, mean, None)
    half = t_quantile(confidence, xs.size - 1) * float(xs.std(ddof=1)) / math.sqrt(xs.size)
    low, high = mean - half, mean + half
    if op == ">=":
        status = FEASIBLE if low >= target else INFEASIBLE if high < target else UNDECIDED
        return Judgement(status, mean, low)
    status = FEASIBLE if high <= target else INFEASIBLE if low > target else UNDECIDED
    return Judgement(status, mean, high)


def combine(statuses: Sequence[str]) -> str:
    """The status of a candidate under several constraints: feasible when it meets every one,
    infeasible when it misses any one, else undecided (feasible with no constraints)."""
    if any(status == INFEASIBLE for status in statuses):
        return INFEASIBLE
    if all(status == FEASIBLE for status in statuses):
        return FEASIBLE
    return UNDECIDED


class KimNelson:
    """The elimination rule of Kim & Nelson's procedure KN for ``k`` candidates.

    Values are "larger is better" (negate a metric to minimise it). ``first`` holds the first
    stage: one row per candidate, ``n0`` columns, column r from replication r of every
    candidate. The constants are those of the paper: η = ½[(2α/(k−1))^(−2/(n0−1)) − 1],
    h² = 2η(n0−1), and the boundary after r replications
    W_il(r) = max(0, δ/(2r)·(h²·S²_il/δ² − r)), S²_il the first-stage variance of the paired
    differences X_i − X_l. Once r exceeds h²·S²_il/δ² for a pair, W_il is 0 and the pair is
    decided by its means.
    """

    def __init__(self, first: np.ndarray, delta: float, alpha: float = 0.05) -> None:
        first = np.asarray(first, dtype=float)
        if first.ndim != 2:
            raise ValueError(f"first must be a (candidates, replications) array, got {first.shape}")
        k, n0 = first.shape
        if n0 < 2:
            raise ValueError(f"the first stage needs n0 >= 2 replications, got {n0}")
        if not delta > 0:
            raise ValueError(f"delta (={delta}) must be > 0")
        if not 0 < alpha < 1:
            raise ValueError(f"alpha (={alpha}) must be in (0, 1)")
        self.k = k
        """Number of candidates."""
        self.n0 = n0
        """First-stage replications."""
        self.delta = delta
        """The indifference zone δ, in the objective's units."""
        eta = 0.5 * ((2 * alpha / max(k - 1, 1)) ** (-2.0 / (n0 - 1)) - 1.0)
        self.h2 = 2.0 * eta * (n0 - 1)
        """The constant h² of the boundary."""
        diff = first[:, None, :] - first[None, :, :]
        self.s2 = diff.var(axis=2, ddof=1)
        """First-stage variances of the paired differences, S²_il (k × k)."""

    def boundary(self, r: int) -> np.ndarray:
        """W_il(r) for every pair (k × k)."""
        if r < 1:
            raise ValueError(f"r (={r}) must be >= 1")
        d = self.delta
        return np.maximum(0.0, d / (2.0 * r) * (self.h2 * self.s2 / d**2 - r))

    def horizon(self) -> int:
        """The most replications the procedure can take: the first r with every W_il(r) = 0."""
        return max(self.n0, math.floor(float(self.h2 * self.s2.max()) / self.delta**2) + 1)

    def eliminate(
        self, means: np.ndarray, alive: Sequence[int], judges: Sequence[int], r: int
    ) -> set[int]:
        """The candidates of ``alive`` that the rule drops after ``r`` replications.

        ``means`` are the candidates' means over replications 0..r−1. Candidate i is dropped
        when ``means[i] < means[l] − W_il(r)`` for some other l in ``judges`` (the alive
        candidates allowed to eliminate others: with constraints, only feasible ones).
        """
        w = self.boundary(r)
        means = np.asarray(means, dtype=float)
        out = set()
        for i in alive:
            for j in judges:
                if j != i and means[i] < means[j] - w[i, j]:
                    out.add(i)
                    break
        return out
