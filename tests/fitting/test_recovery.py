"""Fitting recovers known models: rate, holiday window, order sizes, lead-time families.

Each history is generated from a model whose parameters the test knows, written as CSV,
read back from disk and fitted. Tolerances are about four standard errors of the estimate
(stated at each check), so they hold for any seed yet catch a real bias.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

from simulator.distributions import parse_distribution
from simulator.fitting import fit_history
from simulator.fitting.lead_time import fit_lead_times
from simulator.scenario.schema import Demand

sys.path.insert(0, str(Path(__file__).parent))
from histories import (
    poisson_days,
    truncated_poisson,
    write_deliveries,
    write_orders,
)

RATE = 8.0
WINDOW = (300, 330, 2.0)
DAYS = 730


@pytest.fixture(scope="module")
def holiday_fit(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Two years of Poisson orders at 8 a day, doubled on days 300-330 of each year, order
    sizes zero-truncated Poisson(1.5); 80 days out of stock with a fifth of orders recorded."""
    folder = tmp_path_factory.mktemp("holiday")
    rng = np.random.default_rng(11)
    per_day = poisson_days(rng, DAYS, RATE, [WINDOW])
    out = list(range(100, 140)) + list(range(500, 540))
    write_orders(
        folder / "orders.csv",
        rng,
        per_day,
        sizes=truncated_poisson(rng, 1.5),
        out_of_stock=out,
        recorded_share=0.2,
    )
    return fit_history(folder / "orders.csv").products["widget"]


def test_rate_excludes_out_of_stock_days(holiday_fit) -> None:  # type: ignore[no-untyped-def]
    # base rate: about 8 * 610 exposed non-window days -> sd 0.115; 4 sd = 0.46. Counting the
    # out-of-stock days' sales would give about 8 * (0.2 * 80 + 530) / 610 = 7.2.
    assert DAYS - 80 <= holiday_fit.exposure_days <= DAYS - 76  # edge days may sell nothing
    assert holiday_fit.seasonal.base == pytest.approx(RATE, abs=0.46)


def test_holiday_window_and_multiplier(holiday_fit) -> None:  # type: ignore[no-untyped-def]
    windows = holiday_fit.seasonal.windows
    assert len(windows) == 1
    window = windows[0]
    # a jump from 8 to 16 a day moves the likelihood by ~2 units per misplaced day: the
    # boundaries land within a day or two
    assert abs(window.start - WINDOW[0]) <= 2
    assert abs(window.end - WINDOW[1]) <= 2
    # log multiplier sd = sqrt(1/960 + 1/4900) = 0.035; 4 sd = 0.14 on the log scale
    assert math.log(window.multiplier) == pytest.approx(math.log(2.0), abs=0.14)
    assert window.low < 2.0 < window.high
    assert not holiday_fit.seasonal.weekly
    spec = holiday_fit.demand_spec()
    assert spec["seasonality"][0]["repeat_every_days"] == 365
    Demand.model_validate(spec)  # in the scenario grammar


def test_order_size_mean(holiday_fit) -> None:  # type: ignore[no-untyped-def]
    true_mean = 1.5 / -math.expm1(-1.5)  # 1.93
    size = holiday_fit.order_size
    # about 6,000 orders, sd of a size about 0.9 -> se 0.012; 4 se = 0.05
    assert size.chosen == "poisson"
    spec = parse_distribution(size.spec)
    from pydantic import TypeAdapter

    from simulator.distributions import Distribution

    dist = TypeAdapter(Distribution).validate_python(spec)
    assert dist.mean() == pytest.approx(true_mean, abs=0.05)
    assert size.mean_low < true_mean < size.mean_high or abs(size.mean - true_mean) < 0.05


def test_poisson_history_looks_poisson(holiday_fit) -> None:  # type: ignore[no-untyped-def]
    assert holiday_fit.dispersion.verdict == "poisson"
    assert 0.85 < holiday_fit.dispersion.index < 1.15


def test_overdispersed_history_is_flagged(tmp_path: Path) -> None:
    """Negative binomial daily counts, mean 8, k = 5 (variance 20.8): the index is about 2.6."""
    rng = np.random.default_rng(5)
    k, mean = 5.0, 8.0
    per_day = rng.negative_binomial(k, k / (k + mean), size=DAYS)
    write_orders(tmp_path / "orders.csv", rng, per_day)
    fit = fit_history(tmp_path / "orders.csv").products["widget"]
    assert fit.dispersion.verdict == "overdispersed"
    assert fit.dispersion.index > 2.0
    assert any("overdispersed" in note or "vary more" in note for note in fit.notes)


def test_weekly_pattern_is_found_on_dates(tmp_path: Path) -> None:
    """Saturdays and Sundays at twice the weekday rate, dates without a time of day."""
    rng = np.random.default_rng(8)
    weekday = np.arange(DAYS) % 7  # DAY0 is a Monday
    per_day = rng.poisson(np.where(weekday >= 5, 10.0, 5.0))
    write_orders(tmp_path / "orders.csv", rng, per_day, date_only=True)
    fit = fit_history(tmp_path / "orders.csv").products["widget"]
    assert fit.seasonal.weekly
    week = fit.seasonal.week
    assert week[5] / week[0] == pytest.approx(2.0, rel=0.12)
    assert not fit.seasonal.windows


@pytest.mark.parametrize(
    ("family", "draw", "mean", "sd"),
    [
        ("lognormal", lambda rng, n: rng.lognormal(2.15, 0.32, n), None, None),
        ("gamma", lambda rng, n: rng.gamma(4.0, 1.5, n), 6.0, 3.0),
        ("uniform", lambda rng, n: rng.uniform(2.0, 5.0, n), 3.5, 3 / math.sqrt(12)),
        ("exponential", lambda rng, n: rng.exponential(5.0, n), 5.0, 5.0),
    ],
)
def test_lead_time_family_wins_at_large_n(family, draw, mean, sd, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if family == "lognormal":
        mean = math.exp(2.15 + 0.32**2 / 2)
        sd = mean * math.sqrt(math.expm1(0.32**2))
    rng = np.random.default_rng(21)
    leads = draw(rng, 1500)
    write_deliveries(tmp_path / "deliveries.csv", [("acme", leads)])
    orders = tmp_path / "orders.csv"
    orders.write_text("time,product\n0,widget\n1.5,widget\n", encoding="utf-8")
    fit = fit_history(orders, tmp_path / "deliveries.csv").suppliers["acme"]
    assert fit.chosen == family
    assert fit.candidates[0].family == family
    params = fit.candidates[0].params
    written = fit.spec
    # se of the mean sd/sqrt(1500) ~ 2.6% of sd; 4 se. The sd within 8%.
    fitted_mean = params.get("mean", (params.get("low", 0) + params.get("high", 0)) / 2)
    assert fitted_mean == pytest.approx(mean, abs=4 * sd / math.sqrt(1500))
    if "sd" in params:
        assert params["sd"] == pytest.approx(sd, rel=0.08)
    elif "low" in params:
        assert params["low"] == pytest.approx(2.0, abs=0.02)
        assert params["high"] == pytest.approx(5.0, abs=0.02)
    assert written["dist"] == family
    assert fit.candidates[0].bootstrap_p is not None and fit.candidates[0].bootstrap_p > 0.01


def test_small_sample_says_families_cannot_be_told_apart() -> None:
    rng = np.random.default_rng(4)
    fit = fit_lead_times(rng.gamma(9.0, 1.0, 12), "acme")
    assert any("too small to tell" in note for note in fit.notes)


def test_a_history_shorter_than_a_year_gets_one_off_windows(tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    per_day = poisson_days(rng, 300, 6.0, [(100, 130, 2.5)])
    write_orders(tmp_path / "orders.csv", rng, per_day)
    fit = fit_history(tmp_path / "orders.csv").products["widget"]
    [window] = fit.seasonal.windows
    assert abs(window.start - 100) <= 2 and abs(window.end - 130) <= 2
    assert window.low < 2.5 < window.high
    [spec] = fit.demand_spec()["seasonality"]
    assert "repeat_every_days" not in spec


def test_per_product_lead_times_when_the_data_allow(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    path = tmp_path / "deliveries.csv"
    rows = ["supplier,product,ordered,received"]
    for product, mean in (("widget", 4.0), ("gadget", 8.0)):
        for t, lead in enumerate(rng.gamma(9.0, mean / 9.0, 60)):
            rows.append(f"acme,{product},{t},{t + lead:.4f}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    orders = tmp_path / "orders.csv"
    orders.write_text("time,product\n0,widget\n1,gadget\n", encoding="utf-8")
    fit = fit_history(orders, path).suppliers["acme"]
    assert [p.product for p in fit.by_product] == ["widget", "gadget"]
    assert fit.by_product[0].mean == pytest.approx(4.0, abs=0.4)
    assert fit.by_product[1].mean == pytest.approx(8.0, abs=0.8)
    assert fit.products_differ_p is not None and fit.products_differ_p < 0.001
    assert any("differ between products" in note for note in fit.notes)
