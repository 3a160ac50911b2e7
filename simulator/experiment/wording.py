"""The words of a comparison: a sentence per policy and a one-paragraph recommendation.

Every number comes from the data handed in; nothing is hard-coded. A difference is called
"not significant" exactly when its 95% interval contains 0, and only then; the word
"significant" is never used on its own, and "clearly" only when the ranking's simultaneous
intervals show every other policy worse (see :mod:`simulator.statistics`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from simulator.metrics.record import is_money, is_rate
from simulator.metrics.summary import Summary
from simulator.statistics import RankEntry

LABELS: dict[str, str] = {
    "fill_rate": "fill rate",
    "order_fill_rate": "order fill rate",
    "eventual_fill_rate": "eventual fill rate",
    "backorder_rate": "backorder rate",
    "lost_sales_rate": "lost-sales rate",
    "cancellation_rate": "cancellation rate",
    "unserved_rate": "unserved rate",
    "mean_wait_days": "mean wait of backordered units",
    "p50_wait_days": "median wait of backordered units",
    "p90_wait_days": "90th-percentile wait of backordered units",
    "p95_wait_days": "95th-percentile wait of backordered units",
    "max_wait_days": "longest wait of a backordered unit",
    "mean_wait_all_units_days": "mean wait over all units",
    "mean_quoted_wait_days": "mean quoted wait",
    "eta_on_time_rate": "on-time rate of quoted dates",
    "eta_mean_lateness_days": "mean lateness of late quoted units",
    "mean_backlog_units": "mean backlog",
    "mean_on_hand_units": "mean stock on hand",
    "mean_on_order_units": "mean stock on order",
    "ready_rate": "ready rate",
    "replenishment_orders": "supplier orders",
    "backup_share": "share bought from backup suppliers",
}
"""Plain words for metric names; others are spelled from their name."""


def label(metric: str) -> str:
    """The metric in plain words, e.g. ``fill_rate`` -> ``fill rate``."""
    if metric in LABELS:
        return LABELS[metric]
    return metric.removesuffix("_days").replace("_", " ")


MAX_EXTRA_PLACES = 4
"""How many more decimals an interval may get so that an end that is not 0 does not print
as 0."""


def _scale(metric: str, relative: bool) -> float:
    """Rates and relative differences are printed as percentages."""
    return 100.0 if relative or is_rate(metric) else 1.0


def _unit(metric: str, *, relative: bool = False, difference: bool = False) -> str:
    """What follows a number: ``%``, `` points`` (a difference of two percentages),
    `` days`` or nothing (money, counts)."""
    if relative:
        return "%"
    if is_rate(metric):
        return " points" if difference else "%"
    if metric.endswith("_days"):
        return " days"
    return ""


def _places(metric: str, values: Sequence[float], *, relative: bool = False) -> int:
    """Decimals for numbers of this size (in the printed scale): money 0 from 100 up (else
    2), everything else 1 from 1 up (else 2); then more, up to :data:`MAX_EXTRA_PLACES`,
    until every value that is not 0 shows a digit that is not 0."""
    scale = _scale(metric, relative)
    largest = max((abs(v) * scale for v in values), default=0.0)
    if is_money(metric) and not relative:
        places = 0 if largest >= 100 else 2
    else:
        places = 1 if largest >= 1 or largest == 0 else 2
    base = places
    while places < base + MAX_EXTRA_PLACES and any(
        v != 0.0 and round(abs(v) * scale, places) == 0.0 for v in values
    ):
        places += 1
    return places


def _digits(value: float, places: int, *, signed: bool) -> str:
    """``value`` with thousands separators; ``+`` before a positive when ``signed``, and
    no sign at all when it prints as zero."""
    text = f"{value:{'+' if signed else ''},.{places}f}"
    if not any(ch in "123456789" for ch in text):
        text = text.lstrip("+-")
    return text


def number(metric: str, value: float, *, places: int, signed: bool = False) -> str:
    """``value`` in the metric's unit: money with thousands separators (``1,920``), rates as
    percentages (``91.2%``), days with ``days``; ``signed`` puts ``+`` before positives."""
    return _digits(value * _scale(metric, False), places, signed=signed) + _unit(metric)


def contains_zero(s: Summary) -> bool:
    """True when the interval of ``s`` contains 0 (or there is none): the data do not
    tell the sign of the difference at 95%."""
    if s.ci95_low is None or s.ci95_high is None:
        return True
    return s.ci95_low <= 0.0 <= s.ci95_high


def _ends(s: Summary) -> list[float]:
    return [x for x in (s.mean, s.ci95_low, s.ci95_high) if x is not None]


def interval(
    metric: str, s: Summary, *, first: bool, relative: bool = False, places: int | None = None
) -> str:
    """``(95% CI +1.3 to +2.5 points)`` for a difference (``CI`` alone unless ``first``),
    with ``, not significant`` inside exactly when it contains 0; a note instead of numbers
    when there is no interval (fewer than 2 replications)."""
    tag = "95% CI" if first else "CI"
    if s.ci95_low is None or s.ci95_high is None:
        return f"({tag}: none, too few replications; not significant)"
    if places is None:
        places = _places(metric, _ends(s), relative=relative)
    scale = _scale(metric, relative)
    unit = _unit(metric, relative=relative, difference=True)
    low = _digits(s.ci95_low * scale, places, signed=True)
    high = _digits(s.ci95_high * scale, places, signed=True)
    if unit == "%":
        low += unit
    note = ", not significant" if contains_zero(s) else ""
    return f"({tag} {low} to {high}{unit}{note})"


def difference_clause(metric: str, diff: Summary, *, first: bool = False) -> str:
    """``fill rate +2.3 points (CI +1.9 to +2.7 points)``: a difference and its interval,
    ``not significant`` when the interval contains 0."""
    if diff.mean is None:
        return f"{label(metric)}: no difference (not defined for both)"
    places = _places(metric, _ends(diff))
    unit = _unit(metric, difference=True)
    mean = _digits(diff.mean * _scale(metric, False), places, signed=True)
    return f"{label(metric)} {mean}{unit} {interval(metric, diff, first=first, places=places)}"


def relative_clause(
    policy: str, baseline: str, metric: str, rel: Summary, *, first: bool = True
) -> str:
    """``honest-eta brings in 4.1% more revenue than lost-sales (95% CI +3.6% to +4.6%)``;
    ``... about the same revenue as ...`` when the difference prints as 0."""
    assert rel.mean is not None
    places = _places(metric, _ends(rel), relative=True)
    size = _digits(100.0 * abs(rel.mean), places, signed=False)
    ci = interval(metric, rel, first=first, relative=True, places=places)
    what = "revenue" if metric == "revenue" else label(metric)
    verb = "brings in" if metric == "revenue" else "has"
    if not any(ch in "123456789" for ch in size):
        return f"{policy} {verb} about the same {what} as {baseline} {ci}"
    more = "more" if rel.mean > 0 else "less"
    return f"{policy} {verb} {size}% {more} {what} than {baseline} {ci}"


def level(metric: str, s: Summary) -> str:
    """A policy's own mean, e.g. ``2.3 days`` or ``91.2%``; ``n/a`` when undefined."""
    if s.mean is None:
        return "n/a"
    return number(metric, s.mean, places=_places(metric, [s.mean]))


def level_interval(metric: str, s: Summary) -> str:
    """A policy's own mean with its interval: ``46,074 (95% CI 45,311 to 46,838)``."""
    if s.mean is None:
        return "n/a"
    if s.ci95_low is None or s.ci95_high is None:
        return level(metric, s)
    places = _places(metric, _ends(s))
    scale = _scale(metric, False)
    mean, low, high = (_digits(x * scale, places, signed=False) for x in _ends(s))
    unit = _unit(metric)
    return f"{mean}{unit} (95% CI {low}{unit if unit == '%' else ''} to {high}{unit})"


SENTENCE_METRICS: tuple[str, ...] = ("fill_rate", "profit")
"""The differences every sentence states (after revenue, and the objective if another)."""


def policy_sentence(
    policy: str,
    baseline: str,
    objective: str,
    metrics: Mapping[str, Summary],
    differences: Mapping[str, Summary],
    relative: Mapping[str, Summary | None],
) -> str:
    """The sentence for one policy against the baseline, ready to paste into an email."""
    parts: list[str] = []
    rel = relative.get("revenue")
    named = rel is not None and rel.mean is not None
    if rel is not None and rel.mean is not None:
        head = relative_clause(policy, baseline, "revenue", rel)
    else:
        head = f"{policy} against {baseline}"
    wait = metrics.get("mean_wait_days")
    if wait is not None and wait.mean is not None:
        head += f", at {level('mean_wait_days', wait)} mean wait for backordered units"
    shown = list(SENTENCE_METRICS)
    if objective not in shown and objective != "revenue":
        shown.insert(0, objective)
    for metric in shown:
        diff = differences.get(metric)
        if diff is not None and diff.mean is not None:
            parts.append(difference_clause(metric, diff, first=not (named or parts)))
    if not parts:
        return head + "."
    return head + ("; " if named else ": ") + "; ".join(parts) + "."


def baseline_sentence(policy: str, objective: str, metrics: Mapping[str, Summary]) -> str:
    """The baseline's own levels: what every other sentence is measured against."""
    shown = [objective] + [
        m for m in ("profit", "revenue", "fill_rate", "mean_wait_days") if m != objective
    ]
    pieces = []
    for k, metric in enumerate(shown):
        s = metrics.get(metric)
        if s is None or s.mean is None:
            continue
        pieces.append(
            f"{label(metric)} {level_interval(metric, s) if k == 0 else level(metric, s)}"
        )
    return f"{policy} is the baseline: " + ", ".join(pieces) + "."


def _all(k: int) -> str:
    """``both policies`` or ``all 3 policies``."""
    return "both policies" if k == 2 else f"all {k} policies"


def _names(names: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def recommendation(
    ranking: Sequence[RankEntry],
    objective: str,
    goal: str,
    metrics: Mapping[str, Mapping[str, Summary]],
    wait_differences: Mapping[str, Summary],
) -> str:
    """One paragraph: which policy to use and how sure that is.

    ``metrics`` are each policy's store summaries; ``wait_differences`` hold, per contender,
    the paired difference of ``mean_wait_days`` between the best and that contender (used
    to break a tie on the objective).
    """
    what = label(objective)
    highest = "highest" if goal == "max" else "lowest"
    if not ranking:
        return "No policy was run."
    best = ranking[0]
    if best.mean is None:
        return f"No policy has a value of {what}, so none can be recommended on it."
    best_level = number(objective, best.mean, places=_places(objective, [best.mean]))
    if len(ranking) == 1:
        return (
            f"Only {best.policy} was run, so there is nothing to choose between: its {what} "
            f"is {best_level}. Add policies to the scenario to compare them."
        )
    unranked = [e.policy for e in ranking if e.mean is None]
    ranking = [e for e in ranking if e.mean is not None]
    worse = [e.policy for e in ranking[1:] if e.status == "worse"]
    contenders = [e.policy for e in ranking[1:] if e.status == "contender"]
    if len(ranking) == 1:
        text = (
            f"Only {best.policy} has a value of {what} ({best_level}); "
            f"{_names(unranked)} {'has' if len(unranked) == 1 else 'have'} none, in any "
            f"replication, so there is nothing to compare it with on {what}."
        )
        return text
    second = ranking[1]
    if not contenders:
        text = (
            f"Use {best.policy}: it has the {highest} {what} ({best_level}), clearly ahead "
            f"of the others: every other policy is worse with 95% confidence, taking "
            f"{_all(len(ranking))} into account at once."
        )
        if best.vs_best_mean is not None:
            lead = Summary(best.vs_best_mean, None, best.vs_best_low, best.vs_best_high, 0)
            places = _places(objective, _ends(lead))
            gap = number(objective, abs(best.vs_best_mean), places=places)
            text += f" The next best, {second.policy}, is {gap} behind"
            if best.vs_best_low is not None and best.vs_best_high is not None:
                low = number(objective, best.vs_best_low, places=places)
                high = number(objective, best.vs_best_high, places=places)
                text += f" (simultaneous 95% CI of the lead {low} to {high})"
            text += "."
    else:
        tied = [best.policy, *contenders]
        verb = "are" if len(tied) > 1 else "is"
        text = (
            f"{_names(tied)} {verb} tied on {what} within the noise: the data do not show "
            f"which is best at 95% confidence (simultaneous intervals over {_all(len(ranking))}"
            f"); {best.policy} has the {highest} mean ({best_level})."
        )
        if worse:
            text += (
                f" {_names(worse)} {'is' if len(worse) == 1 else 'are'} worse: with 95% "
                f"confidence, not the best."
            )
        for contender in contenders:
            diff = wait_differences.get(contender)
            if diff is None or diff.mean is None or contains_zero(diff):
                continue
            places = _places("mean_wait_days", _ends(diff))
            size = number("mean_wait_days", abs(diff.mean), places=places)
            less = "less" if diff.mean < 0 else "more"
            text += (
                f" {best.policy} keeps backordered customers waiting {size} {less} than "
                f"{contender} {interval('mean_wait_days', diff, first=True, places=places)}."
            )
        text += (
            " Choose among them on other grounds, or run more replications (see "
            "--precision) to narrow the intervals."
        )
    if unranked:
        text += (
            f" {_names(unranked)} {'has' if len(unranked) == 1 else 'have'} no value of "
            f"{what} in any replication and {'is' if len(unranked) == 1 else 'are'} not "
            f"ranked."
        )
    return text
