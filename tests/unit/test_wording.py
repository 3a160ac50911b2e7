"""The words of a comparison: golden sentences, and properties that hold for any numbers."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from simulator import compare
from simulator.experiment.wording import (
    baseline_sentence,
    contains_zero,
    difference_clause,
    policy_sentence,
    recommendation,
)
from simulator.metrics.summary import Summary
from simulator.statistics import RankEntry


def summary(mean: float, low: float, high: float, n: int = 20) -> Summary:
    return Summary(mean=mean, sd=1.0, ci95_low=low, ci95_high=high, n=n)


# -- golden: fixed inputs, exact words --------------------------------------------------------

DIFFS = {
    "fill_rate": summary(0.023, 0.019, 0.027),
    "profit": summary(1920.4, 1310.2, 2530.9),
    "mean_wait_days": summary(-1.1, -1.4, -0.8),
    "revenue": summary(4100.0, 3600.0, 4600.0),
}
RELATIVE = {"revenue": summary(0.041, 0.036, 0.046), "profit": summary(0.02, 0.01, 0.03)}
LEVELS = {"mean_wait_days": summary(2.3, 2.1, 2.5), "profit": summary(96000.0, 95000.0, 97000.0)}


def test_golden_policy_sentence() -> None:
    text = policy_sentence("honest-eta", "lost-sales", "profit", LEVELS, DIFFS, RELATIVE)
    assert text == (
        "honest-eta brings in 4.1% more revenue than lost-sales (95% CI +3.6% to +4.6%), "
        "at 2.3 days mean wait for backordered units; fill rate +2.3 points (CI +1.9 to "
        "+2.7 points); profit +1,920 (CI +1,310 to +2,531)."
    )


def test_golden_sentence_with_a_difference_that_is_not_significant() -> None:
    diffs = {**DIFFS, "profit": summary(-120.0, -480.5, 240.0)}
    text = policy_sentence("b", "a", "mean_wait_days", {}, diffs, RELATIVE)
    assert text == (
        "b brings in 4.1% more revenue than a (95% CI +3.6% to +4.6%); mean wait of "
        "backordered units -1.1 days (CI -1.4 to -0.8 days); fill rate +2.3 points (CI "
        "+1.9 to +2.7 points); profit -120 (CI -480 to +240, not significant)."
    )


def test_golden_baseline_sentence() -> None:
    levels = {
        "profit": summary(46074.2, 45311.0, 46838.0),
        "revenue": summary(104970.0, 0.0, 1.0),
        "fill_rate": summary(0.804, 0.79, 0.81),
    }
    assert baseline_sentence("lost-sales", "profit", levels) == (
        "lost-sales is the baseline: profit 46,074 (95% CI 45,311 to 46,838), revenue "
        "104,970, fill rate 80.4%."
    )


def test_golden_recommendations() -> None:
    clear = [
        RankEntry("honest-eta", 56555.0, 4140.0, 772.0, 7507.0, "best"),
        RankEntry("lost-sales", 52415.0, -4140.0, -7507.0, -772.0, "worse"),
    ]
    assert recommendation(clear, "profit", "max", {}, {}) == (
        "Use honest-eta: it has the highest profit (56,555), clearly ahead of the others: "
        "every other policy is worse with 95% confidence, taking both policies into "
        "account at once. The next best, lost-sales, is 4,140 behind (simultaneous 95% CI "
        "of the lead 772 to 7,507)."
    )
    tied = [
        RankEntry("honest-eta", 56555.0, 99.0, -209.0, 407.0, "best"),
        RankEntry("backorder-all", 56456.0, -99.0, -407.0, 209.0, "contender"),
        RankEntry("lost-sales", 46074.0, -10481.0, -11432.0, -9531.0, "worse"),
    ]
    waits = {"backorder-all": summary(-1.1, -1.3, -0.9)}
    assert recommendation(tied, "profit", "max", {}, waits) == (
        "honest-eta and backorder-all are tied on profit within the noise: the data do not "
        "show which is best at 95% confidence (simultaneous intervals over all 3 policies); "
        "honest-eta has the highest mean (56,555). lost-sales is worse: with 95% "
        "confidence, not the best. honest-eta keeps backordered customers waiting 1.1 "
        "days less than backorder-all (95% CI -1.3 to -0.9 days). Choose among them on "
        "other grounds, or run more replications (see --precision) to narrow the "
        "intervals."
    )
    single = [RankEntry("only", 12.5, None, None, None, "best")]
    assert recommendation(single, "mean_wait_days", "min", {}, {}) == (
        "Only only was run, so there is nothing to choose between: its mean wait of "
        "backordered units is 12.5 days. Add policies to the scenario to compare them."
    )


def test_small_digits_are_not_printed_as_zero() -> None:
    # An interval clear of 0 must not print an end as 0.00.
    text = difference_clause("mean_wait_days", summary(0.017, 0.004, 0.030))
    assert text == "mean wait of backordered units +0.017 days (CI +0.004 to +0.030 days)"


def test_sentences_of_a_small_scenario_quote_the_data() -> None:
    from test_compare import shop

    result = compare(shop(), executor="serial")
    sentence = result.sentences["backorder"]
    profit = result.differences["backorder"]["profit"]
    rel = result.relative_differences["backorder"]["revenue"]
    assert rel is not None and rel.mean is not None
    assert f"{100 * rel.mean:.1f}% more revenue than lost-sales" in sentence
    assert f"profit {profit.mean:+,.0f} (CI {profit.ci95_low:+,.0f} to " in sentence
    assert sentence.startswith("backorder brings in ")
    assert result.sentences["lost-sales"].startswith("lost-sales is the baseline: profit ")
    best = result.ranking[0].policy
    assert best in result.recommendation


# -- properties: any numbers -------------------------------------------------------------------

METRICS = ["fill_rate", "profit", "mean_wait_days", "mean_backlog_units", "revenue"]
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@st.composite
def summaries(draw: st.DrawFn) -> Summary:
    a, b, c = sorted(draw(st.tuples(finite, finite, finite)))
    if draw(st.booleans()):  # intervals that touch or straddle 0 often
        shift = draw(st.sampled_from([a, b, c, 0.0]))
        a, b, c = a - shift, b - shift, c - shift
    if draw(st.integers(0, 9)) == 0:
        return Summary(mean=b, sd=None, ci95_low=None, ci95_high=None, n=1)
    return Summary(mean=b, sd=abs(c - a), ci95_low=a, ci95_high=c, n=draw(st.integers(2, 50)))


@given(st.sampled_from(METRICS), summaries())
def test_a_clause_says_not_significant_exactly_when_its_interval_contains_zero(
    metric: str, diff: Summary
) -> None:
    text = difference_clause(metric, diff)
    assert ("not significant" in text) == contains_zero(diff)
    assert re.search(r"(?<!not )significant", text) is None


@given(
    st.sampled_from(METRICS),
    st.dictionaries(st.sampled_from(METRICS), summaries(), min_size=1),
    st.one_of(st.none(), summaries()),
)
def test_a_sentence_never_calls_a_difference_significant_when_its_interval_contains_zero(
    objective: str, diffs: dict[str, Summary], rel: Summary | None
) -> None:
    relative = {} if rel is None else {"revenue": rel}
    text = policy_sentence("b", "a", objective, {}, diffs, relative)
    mentioned = [diffs[m] for m in {objective, "fill_rate", "profit"} - {"revenue"} if m in diffs]
    if rel is not None and rel.mean is not None:
        mentioned.append(rel)
    assert text.count("not significant") == sum(contains_zero(s) for s in mentioned)
    assert re.search(r"(?<!not )significant", text) is None


@st.composite
def rankings(draw: st.DrawFn) -> list[RankEntry]:
    k = draw(st.integers(1, 5))
    statuses = ["best"] + [draw(st.sampled_from(["contender", "worse"])) for _ in range(k - 1)]
    entries = []
    for i, status in enumerate(statuses):
        low, mean, high = sorted(draw(st.tuples(finite, finite, finite)))
        entries.append(RankEntry(f"p{i}", draw(finite), mean, low, high, status))
    return entries


@given(rankings(), st.sampled_from(["max", "min"]))
def test_the_recommendation_says_clearly_only_when_every_other_is_worse(
    ranking: list[RankEntry], goal: str
) -> None:
    text = recommendation(ranking, "profit", goal, {}, {})
    clear = len(ranking) > 1 and all(e.status == "worse" for e in ranking[1:])
    assert ("clearly ahead" in text) == clear
    assert ("tied on profit" in text) == (len(ranking) > 1 and not clear)
    assert ranking[0].policy in text
