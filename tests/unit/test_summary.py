"""Summary statistics across replications: mean, sd, Student-t interval, n, paired differences."""

from __future__ import annotations

import json
import math
import statistics

import pytest
from scipy import stats

from simulator.metrics.record import STORE_METRICS, SUPPLIER_METRICS, ReplicationMetrics
from simulator.metrics.summary import (
    Summary,
    paired_differences,
    summarize,
    summarize_differences,
    summarize_records,
    summarize_replications,
)


def test_t_interval_matches_scipy_on_a_small_sample() -> None:
    xs = [1.0, 2.0, 3.0, 4.0, 10.0]
    s = summarize(xs)
    mean = sum(xs) / 5
    sd = statistics.stdev(xs)
    half = stats.t.ppf(0.975, df=4) * sd / math.sqrt(5)
    assert s.n == 5
    assert s.mean == pytest.approx(mean, rel=1e-12)
    assert s.sd == pytest.approx(sd, rel=1e-12)
    assert s.ci95_low == pytest.approx(mean - half, rel=1e-12)
    assert s.ci95_high == pytest.approx(mean + half, rel=1e-12)
    assert s.half_width == pytest.approx(half, rel=1e-12)
    low, high = stats.t.interval(0.95, df=4, loc=mean, scale=stats.sem(xs))
    assert (s.ci95_low, s.ci95_high) == (pytest.approx(low), pytest.approx(high))


def test_t_interval_two_values_uses_df_1() -> None:
    s = summarize([0.0, 1.0])
    # t(0.975, 1) = 12.706..., sd = sqrt(0.5), sem = 0.5
    assert s.half_width == pytest.approx(12.706204736174707 * 0.5, rel=1e-9)


def test_none_values_are_left_out_and_counted_out_of_n() -> None:
    s = summarize([1.0, None, 3.0, None])
    assert s.n == 2
    assert s.mean == 2.0
    assert s.sd == pytest.approx(math.sqrt(2.0))


def test_no_defined_value_gives_all_none() -> None:
    s = summarize([None, None, None])
    assert s == Summary(mean=None, sd=None, ci95_low=None, ci95_high=None, n=0)
    assert s.half_width is None
    assert json.dumps(s.to_dict(), allow_nan=False) == (
        '{"mean": null, "sd": null, "ci95_low": null, "ci95_high": null, "n": 0}'
    )
    assert summarize([]).n == 0


def test_one_defined_value_has_a_mean_but_no_sd_or_interval() -> None:
    s = summarize([None, 0.75])
    assert (s.mean, s.sd, s.ci95_low, s.ci95_high, s.n) == (0.75, None, None, None, 1)
    assert s.half_width is None


def test_constant_values_give_zero_width_interval_at_the_value() -> None:
    s = summarize([0.1, 0.1, 0.1])
    assert (s.mean, s.sd, s.ci95_low, s.ci95_high, s.n) == (0.1, 0.0, 0.1, 0.1, 3)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_values_are_a_bug_not_a_statistic(bad: float) -> None:
    with pytest.raises(ValueError, match="not finite"):
        summarize([1.0, bad])


def test_integers_are_accepted() -> None:
    assert summarize([1, 2, 3]).mean == 2.0


def test_paired_differences_keep_replications_where_both_are_defined() -> None:
    policy = [1.0, None, 3.0, 4.0]
    baseline = [0.5, 2.0, None, 1.0]
    assert paired_differences(policy, baseline) == [0.5, 3.0]
    s = summarize_differences(policy, baseline)
    assert s == summarize([0.5, 3.0])


def test_paired_differences_need_equal_lengths() -> None:
    with pytest.raises(ValueError, match="one value per replication"):
        paired_differences([1.0, 2.0], [1.0])


def test_paired_differences_are_tighter_than_independent_ones() -> None:
    baseline = [10.0, 20.0, 30.0, 40.0]
    policy = [11.0, 21.5, 30.5, 41.0]
    paired = summarize_differences(policy, baseline)
    assert paired.half_width is not None
    assert paired.half_width < 1.5


def test_records_keep_known_order_then_extras_and_missing_is_undefined() -> None:
    records = [{"fill_rate": 0.5, "new_metric": 2.0}, {"fill_rate": 0.7}]
    summaries = summarize_records(records)
    assert list(summaries)[: len(STORE_METRICS)] == list(STORE_METRICS)
    assert list(summaries)[-1] == "new_metric"
    assert summaries["fill_rate"].n == 2
    assert summaries["new_metric"].n == 1
    assert summaries["profit"].n == 0


def test_replications_are_summarised_per_scope() -> None:
    def rep(x: float) -> ReplicationMetrics:
        return ReplicationMetrics(
            store={m: x for m in STORE_METRICS},
            products={"widget": {m: x for m in STORE_METRICS}, "gadget": {"fill_rate": None}},
            suppliers={"acme": {m: 2 * x for m in SUPPLIER_METRICS}},
        )

    out = summarize_replications([rep(1.0), rep(3.0)])
    assert out.store["fill_rate"].mean == 2.0
    assert list(out.products) == ["widget", "gadget"]
    assert out.products["gadget"]["fill_rate"].n == 0
    assert list(out.suppliers["acme"]) == list(SUPPLIER_METRICS)
    assert out.suppliers["acme"]["spend"].mean == 4.0


def test_one_replication_is_summarised_as_summarize_would() -> None:
    record = {"fill_rate": 0.5, "profit": None, "units_demanded": 3, "extra": 1.25}
    one = summarize_records([record])
    assert one == {name: summarize([record.get(name)]) for name in one}
    assert list(one)[-1] == "extra" and one["profit"].n == 0
    with pytest.raises(ValueError):
        summarize_records([{"fill_rate": float("nan")}])


def test_the_t_table_holds_scipys_quantiles() -> None:
    from scipy.special import stdtrit

    from simulator.metrics import summary
    from simulator.metrics.t_table import T975

    assert len(T975) == 200
    for df in range(1, len(T975) + 1):
        assert T975[df - 1] == float(stdtrit(df, 0.975))
    summary._t_quantile.cache_clear()
    assert summary._t_quantile(250) == float(stdtrit(250, 0.975))  # beyond the table
