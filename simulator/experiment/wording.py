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


def _decimals(metric: str, largest: float, *, relative: bool = False) -> int:
    """Decimals for numbers of this size: percentages (rates, relative) 1 (2 below 1),
    money 0 from 100 up (else 2), days 1 (2 below 1), anything else 1."""
    size = abs(largest) * (100.0 if relative or is_rate(metric) else 1.0)
    if is_money(metric) and not relative:
        return 0 if size >= 100 else 2
    return 1 if size >= 1 or size == 0 else 2


def number(metric: str, value: float, *, places: int, signed: bool = False) -> str:
    """``value`` in the metric's unit: money with thousands separators (``1,920``), rates as
    percentages (``91.2%``), days with ``days``; ``signed`` puts ``+`` before positives."""
    sign = "+" if signed else ""
    if is_rate(metric):
        text = f"{100.0 * value:{sign},.{places}f}%"
    elif is_money(metric):
        text = f"{value:{sign},.{places}f}"
    elif metric.endswith("_days"):
        text = f"{value:{sign},.{places}f} days"
    else:
        text = f"{value:{sign},.{places}f}"
    # "-0.0" and "+0.0" read as if something had a sign; they do not.
    digits = text.lstrip("+-")
    if text[0] in "+-" and not any(ch in "123456789" for ch in digits):
        text = digits
    return text


def contains_zero(s: Summary) -> bool:
    """True when the interval of ``s`` contains 0 (or there is none): the data do not
    tell the sign of the difference at 95%."""
    if s.ci95_low is None or s.ci95_high is None:
        return True
    return s.ci95_low <= 0.0 <= s.ci95_high


def interval(metric: str, s: Summary, *, first: bool, relative: bool = False) -> str:
    """``(95% CI a to b)`` for a difference; ``, not significant`` inside when it contains
    0; the note ``(no interval: one replication)`` when there is none."""
    if s.ci95_low is None or s.ci95_high is None:
        return "(no interval: too few replications, not significant)"
    places = _decimals(metric, max(abs(s.ci95_low), abs(s.ci95_high)), relative=relative)
    unit = "percent" if relative else metric
    low = _diff_number(unit, metric, s.ci95_low, places)
    high = _diff_number(unit, metric, s.ci95_high, places)
    tag = "95% CI" if first else "CI"
    note = ", not significant" if contains_zero(s) else ""
    return f"({tag} {low} to {high}{note})"


def _diff_number(unit: str, metric: str, value: float, places: int) -> str:
    """A signed difference: relative in %, rates in points, others in their own unit."""
    if unit == "percent":
        return _signed(f"{100.0 * value:+,.{places}f}%")
    if is_rate(metric):
        return _signed(f"{100.0 * value:+,.{places}f} points")
    return number(metric, value, places=places, signed=True)


def _signed(text: str) -> str:
    digits = text.lstrip("+-")
    return digits if not any(ch in "123456789" for ch in digits.split(" ")[0]) else text


def difference_clause(metric: str, diff: Summary, *, first: bool = False) -> str:
    """``fill rate +2.3 points (CI +1.9 points to +2.7 points)``: a difference and its
    interval, ``not significant`` when the interval contains 0."""
    if diff.mean is None:
        return f"{label(metric)}: no difference can be computed (not defined for both)"
    largest = max(abs(x) for x in (diff.mean, diff.ci95_low, diff.ci95_high) if x is not None)
    places = _decimals(metric, largest)
    mean = _diff_number(metric, metric, diff.mean, places)
    return f"{label(metric)} {mean} {interval(metric, diff, first=first)}"


def relative_clause(
    policy: str, baseline: str, metric: str, rel: Summary, *, first: bool = True
) -> str:
    """``honest-eta brings in 4.1% more revenue than lost-sales (95% CI +3.6% to +4.6%)``."""
    assert rel.mean is not None
    largest = max(abs(x) for x in (rel.mean, rel.ci95_low, rel.ci95_high) if x is not None)
    places = _decimals(metric, largest, relative=True)
    size = f"{100.0 * abs(rel.mean):,.{places}f}%"
    more = "more" if rel.mean >= 0 else "less"
    if metric == "revenue":
        what = f"brings in {size} {more} revenue"
    else:
        what = f"has {size} {more} {label(metric)}"
    return f"{policy} {what} than {baseline} {interval(metric, rel, first=first, relative=True)}"


def level(metric: str, s: Summary) -> str:
    """A policy's own mean, e.g. ``2.3 days`` or ``91.2%``; ``n/a`` when undefined."""
    if s.mean is None:
        return "n/a"
    return number(metric, s.mean, places=_decimals(metric, s.mean))


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
        if diff is not None:
            parts.append(difference_clause(metric, diff, first=not (named or parts)))
    if not parts:
        return head + "."
    return head + ("; " if named else ": ") + "; ".join(parts) + "."


def baseline_sentence(policy: str, objective: str, metrics: Mapping[str, Summary]) -> str:
    """The baseline's own levels: what every other sentence is measured against."""
    shown = [objective] + [m for m in ("profit", "revenue", "fill_rate") if m != objective]
    pieces = []
    for k, metric in enumerate(shown):
        s = metrics.get(metric)
        if s is None:
            continue
        text = f"{label(metric)} {level(metric, s)}"
        if k == 0 and s.ci95_low is not None and s.ci95_high is not None and s.mean is not None:
            places = _decimals(metric, s.mean)
            low = number(metric, s.ci95_low, places=places)
            high = number(metric, s.ci95_high, places=places)
            text += f" (95% CI {low} to {high})"
        pieces.append(text)
    wait = metrics.get("mean_wait_days")
    if wait is not None and wait.mean is not None:
        pieces.append(f"mean wait for backordered units {level('mean_wait_days', wait)}")
    return f"{policy} is the baseline: " + ", ".join(pieces) + "."


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
    best_level = number(objective, best.mean, places=_decimals(objective, best.mean))
    if len(ranking) == 1:
        return (
            f"Only {best.policy} was run, so there is nothing to choose between: its {what} "
            f"is {best_level}. Add policies to the scenario to compare them."
        )
    worse = [e.policy for e in ranking[1:] if e.status == "worse"]
    contenders = [e.policy for e in ranking[1:] if e.status == "contender"]
    second = ranking[1]
    if not contenders:
        text = (
            f"Use {best.policy}: it has the {highest} {what} ({best_level}), clearly ahead "
            f"of the others: every other policy is worse with 95% confidence, taking all "
            f"{len(ranking)} policies into account at once."
        )
        if best.vs_best_mean is not None:
            places = _decimals(objective, best.vs_best_mean)
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
            f"which is best at 95% confidence (simultaneous intervals over all "
            f"{len(ranking)} policies); {best.policy} has the {highest} mean ({best_level})."
        )
        if worse:
            text += f" {_names(worse)} {'is' if len(worse) == 1 else 'are'} worse."
        for contender in contenders:
            diff = wait_differences.get(contender)
            if diff is None or diff.mean is None or contains_zero(diff):
                continue
            places = _decimals("mean_wait_days", diff.mean)
            size = number("mean_wait_days", abs(diff.mean), places=places)
            less = "less" if diff.mean < 0 else "more"
            text += (
                f" {best.policy} keeps backordered customers waiting {size} {less} than "
                f"{contender} {interval('mean_wait_days', diff, first=True)}."
            )
        text += (
            " Choose among them on other grounds, or run more replications (see "
            "--precision) to narrow the intervals."
        )
    return text
