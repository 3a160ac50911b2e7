"""Paired differences and the ranking of policies: the statistics `compare`, `sweep` and
`optimize` share.

Every policy of a scenario sees the same customers and supplier delays in replication r
(common random numbers, DESIGN §5), so a comparison works on the per-replication
differences ``a[r] - b[r]``: the noise the two policies share cancels, and the interval is
much narrower than one built from the two means separately.

The ranking is *multiple comparisons with the best* (MCB) made simultaneous by Bonferroni's
inequality over every pair of policies, as in Nelson & Matejcik (1995), "Using common random
numbers for indifference-zone selection and multiple comparisons in simulation",
Management Science 41(12), 1935-1945, §4 (the Bonferroni MCB procedure under CRN; see also
Hsu, 1996, *Multiple Comparisons*, ch. 4):

1. For every pair i < j of the k policies, the paired differences ``d[r] = x_i[r] - x_j[r]``
   over the replications where both are defined give a Student-t interval
   ``mean(d) ± w_ij`` at level ``1 - alpha / m`` with ``m = k (k - 1) / 2``. By Bonferroni,
   all m intervals hold together with probability at least ``1 - alpha``.
2. On that event, for every i at once, ``mu_i - max_{j != i} mu_j = min_j (mu_i - mu_j)``
   lies in ``[min_j (d_ij - w_ij), min_j (d_ij + w_ij)]``, because ``min`` is monotone.

What it guarantees, whatever the correlation between policies (the differences need only be
roughly normal, as for any t interval): with probability at least ``confidence``, every
policy's ``vs_best`` interval contains the true difference between it and the best of the
others. So a policy called "worse" (interval wholly below 0) is, with that confidence, not
the best, and when every other policy is worse the leader is the best.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from simulator.metrics.record import Value
from simulator.metrics.summary import (
    CONFIDENCE,
    Summary,
    paired_differences,
    summarize,
    summarize_differences,
)

GOALS: tuple[str, ...] = ("max", "min")
"""Directions an objective can have: larger is better, or smaller is better."""

STATUSES: tuple[str, ...] = ("best", "contender", "worse")
"""What a ranking says of a policy (DESIGN §4 ``ranking[].status``)."""


def paired_difference(a: Sequence[Value], b: Sequence[Value]) -> Summary:
    """Per replication ``a[r] - b[r]`` where both are defined; mean, sd, Student-t 95%
    interval and their count ``n``.

    ``a`` and ``b`` hold one value per replication, in replication order, so that element r
    of each came from the same random numbers. Identical sequences give exactly 0 with a
    zero-width interval.
    """
    return summarize_differences(a, b)


def relative_difference(difference: Summary, baseline: Summary) -> Summary | None:
    """``difference`` divided by ``|baseline.mean|``: mean, sd and interval scaled alike.

    A fraction (0.041 is 4.1%). None when the baseline mean is missing or 0, where a
    relative difference means nothing. The baseline mean is treated as a constant, so the
    interval is the paired interval in the baseline's units, rescaled.
    """
    if baseline.mean is None or baseline.mean == 0.0:
        return None
    scale = abs(baseline.mean)

    def scaled(x: float | None) -> float | None:
        return None if x is None else x / scale

    return Summary(
        mean=scaled(difference.mean),
        sd=scaled(difference.sd),
        ci95_low=scaled(difference.ci95_low),
        ci95_high=scaled(difference.ci95_high),
        n=difference.n,
    )


def unpaired_difference(a: Sequence[Value], b: Sequence[Value]) -> Summary:
    """The difference of the means of ``a`` and ``b`` as if they were independent samples.

    Welch's interval (its Welch-Satterthwaite degrees of freedom), at 95%. It ignores the
    common random numbers, so it is what a comparison would cost without them: the paired
    interval of :func:`paired_difference` is normally much narrower. ``sd`` is the standard
    error of the difference; ``n`` the smaller of the two counts.
    """
    sa, sb = summarize(a), summarize(b)
    n = min(sa.n, sb.n)
    if sa.mean is None or sb.mean is None:
        return Summary(mean=None, sd=None, ci95_low=None, ci95_high=None, n=n)
    mean = sa.mean - sb.mean
    if sa.sd is None or sb.sd is None:
        return Summary(mean=mean, sd=None, ci95_low=None, ci95_high=None, n=n)
    va, vb = sa.sd**2 / sa.n, sb.sd**2 / sb.n
    se = math.sqrt(va + vb)
    if se == 0.0:
        return Summary(mean=mean, sd=0.0, ci95_low=mean, ci95_high=mean, n=n)
    df = (va + vb) ** 2 / (va**2 / (sa.n - 1) + vb**2 / (sb.n - 1))
    half = _t(df, 1.0 - (1.0 - CONFIDENCE) / 2.0) * se
    return Summary(mean=mean, sd=se, ci95_low=mean - half, ci95_high=mean + half, n=n)


@dataclass(frozen=True)
class RankEntry:
    """One policy's place in a ranking (DESIGN §4 ``ranking[]``)."""

    policy: str
    """The policy's name."""
    mean: float | None
    """Its mean of the objective over the replications where it is defined (None: never)."""
    vs_best_mean: float | None
    """This policy minus the best *other* policy on the objective, signed so that positive is
    better (for ``min``, the other's mean minus this one's). None with a single policy."""
    vs_best_low: float | None
    """Lower end of the simultaneous interval for that difference; None when it cannot be
    computed (a single policy, or fewer than 2 replications shared with some other)."""
    vs_best_high: float | None
    """Upper end of that interval."""
    status: str
    """"best" (the first, highest mean for the goal), "worse" (interval wholly below 0: with
    the ranking's confidence, not the best) or "contender" (cannot be ruled out)."""

    def to_dict(self) -> dict[str, object]:
        """The JSON form: ``{"policy", "mean", "vs_best": {"mean", "ci_low", "ci_high"},
        "status"}``."""
        return {
            "policy": self.policy,
            "mean": self.mean,
            "vs_best": {
                "mean": self.vs_best_mean,
                "ci_low": self.vs_best_low,
                "ci_high": self.vs_best_high,
            },
            "status": self.status,
        }


def _t(df: float, probability: float) -> float:
    """The Student-t quantile at ``probability`` with ``df`` degrees of freedom."""
    from scipy.special import stdtrit  # imported here: only intervals need it

    return float(stdtrit(df, probability))


def check_goal(goal: str) -> str:
    """``goal`` if it is "max" or "min", else a ValueError naming it."""
    if goal not in GOALS:
        raise ValueError(f"goal must be 'max' or 'min', got {goal!r}")
    return goal


def _pair(
    a: Sequence[Value], b: Sequence[Value], quantile_level: float
) -> tuple[float | None, float]:
    """Mean of ``a - b`` over shared replications (None: none shared) and the half-width of
    its interval at two-sided ``quantile_level`` (``inf`` with fewer than 2 shared)."""
    s = summarize(paired_differences(a, b))
    if s.mean is None or s.sd is None:
        return s.mean, math.inf
    half = _t(s.n - 1, quantile_level) * s.sd / math.sqrt(s.n) if s.sd > 0.0 else 0.0
    return s.mean, half


def _finite_or_none(x: float) -> float | None:
    return x if math.isfinite(x) else None


def rank(
    values: Mapping[str, Sequence[Value]], goal: str, confidence: float = CONFIDENCE
) -> list[RankEntry]:
    """Rank policies on one objective, best first, with simultaneous MCB intervals.

    ``values`` maps each policy to its objective's value per replication (replication order,
    the same length for every policy: common random numbers). ``goal`` is "max" or "min".
    The order is by mean, ties kept in the input order; the first is "best". For each policy
    i, ``vs_best`` estimates ``mu_i - max_{j != i} mu_j`` (signed so positive is better) with
    the interval ``[min_j (d_ij - w_ij), min_j (d_ij + w_ij)]`` from Bonferroni-corrected
    paired-t intervals over all k (k - 1) / 2 pairs (module docstring): all k intervals
    hold together with probability at least ``confidence``. A policy whose interval lies
    wholly below 0 is "worse". A policy with identical values to another (a renamed copy)
    has ``d = w = 0`` against it, so it is never "worse" than it.
    """
    check_goal(goal)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence!r}")
    names = list(values)
    lengths = {len(values[name]) for name in names}
    if len(lengths) > 1:
        raise ValueError(
            f"rank needs one value per replication for every policy, got lengths {sorted(lengths)}"
        )
    sign = 1.0 if goal == "max" else -1.0
    signed = {
        name: [None if v is None else sign * float(v) for v in values[name]] for name in names
    }
    means = {name: summarize(signed[name]).mean for name in names}
    # A policy whose objective is undefined in every replication cannot be compared: it
    # is left out of the comparisons (and of the Bonferroni count) and listed last.
    ranked = sorted(
        [name for name in names if means[name] is not None],
        key=lambda name: -float(means[name]),  # type: ignore[arg-type]
    )
    k = len(ranked)
    pairs = k * (k - 1) // 2
    level = 1.0 - (1.0 - confidence) / (2.0 * pairs) if pairs else 1.0
    d: dict[tuple[str, str], tuple[float | None, float]] = {}
    for i, a in enumerate(ranked):
        for b in ranked[i + 1 :]:
            mean, half = _pair(signed[a], signed[b], level)
            d[(a, b)] = (mean, half)
            d[(b, a)] = (None if mean is None else -mean + 0.0, half)  # + 0.0: no -0.0
    entries: list[RankEntry] = []
    for place, name in enumerate(ranked):
        others = [other for other in ranked if other != name]
        mean = means[name]
        if not others:
            entries.append(RankEntry(name, _unsign(mean, sign), None, None, None, "best"))
            continue
        # The true mu_i - max_j mu_j is min_j (mu_i - mu_j): every pair bounds it from
        # above, and it needs every pair for a lower bound.
        pair_means = [d[(name, other)] for other in others]
        defined = [(m, w) for m, w in pair_means if m is not None]
        vs_mean = min((m for m, _ in defined), default=None)
        high = min((m + w for m, w in defined), default=math.inf)
        low = min(m - w for m, w in defined) if len(defined) == len(pair_means) else -math.inf
        if place == 0:
            status = "best"
        elif math.isfinite(high) and high < 0.0:
            status = "worse"
        else:
            status = "contender"
        entries.append(
            RankEntry(
                policy=name,
                mean=_unsign(mean, sign),
                vs_best_mean=None if vs_mean is None else vs_mean + 0.0,
                vs_best_low=_finite_or_none(low),
                vs_best_high=_finite_or_none(high),
                status=status,
            )
        )
    entries += [
        RankEntry(name, None, None, None, None, "contender")
        for name in names
        if means[name] is None
    ]
    return entries


def _unsign(mean: float | None, sign: float) -> float | None:
    """A signed mean back in the objective's own direction."""
    return None if mean is None else sign * mean + 0.0


def is_clear(ranking: Sequence[RankEntry]) -> bool:
    """True when the first policy is clearly best: every other policy is "worse"."""
    return len(ranking) > 0 and all(entry.status == "worse" for entry in ranking[1:])
