"""Cheap checks of the exact formulas in ``theory.py`` themselves (no simulator involved).

Each test pins a special case with a known value, or an identity between two independent
derivations, so that the validation suite's yardstick is itself validated.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from theory import (
    Pmf,
    SteadyState,
    base_stock_poisson,
    base_stock_random_lead_time,
    birth_death_stationary,
    compound_poisson_pmf,
    empirical_sizes,
    erlang_b,
    lost_sales_base_stock,
    mm1_lost_sales,
    mm1_make_to_stock,
    partial_backorder_base_stock,
    periodic_base_stock_poisson,
    periodic_fill_rate_closed_form,
    poisson_pmf,
    rq_poisson,
    ss_compound_poisson,
    ss_inventory_position,
    ss_inventory_position_renewal,
    unit_size,
    zero_truncated_poisson,
)

SIZES = {
    "ztp2": zero_truncated_poisson(2.0),
    "empirical": empirical_sizes([1, 2, 3, 6], [4, 3, 2, 1]),
    "gappy": empirical_sizes([2, 5], [1, 1]),
}


def assert_same(a: SteadyState, b: SteadyState, rel: float = 1e-9) -> None:
    for key, value in a.as_dict().items():
        other = b.metric(key)
        if value is None or other is None:
            assert value is None and other is None, key
        else:
            assert value == pytest.approx(other, rel=rel, abs=1e-12), key


# -- building blocks --------------------------------------------------------------------


@pytest.mark.parametrize("load", [0.1, 1.0, 2.5, 40.0])
def test_erlang_b_one_server(load: float) -> None:
    assert erlang_b(1, load) == pytest.approx(load / (1 + load))


@pytest.mark.parametrize(("servers", "load"), [(2, 1.0), (5, 3.0), (12, 10.0), (30, 25.0)])
def test_erlang_b_matches_truncated_poisson(servers: int, load: float) -> None:
    terms = [load**k / math.factorial(k) for k in range(servers + 1)]
    assert erlang_b(servers, load) == pytest.approx(terms[-1] / sum(terms), rel=1e-12)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)


def test_compound_poisson_with_unit_sizes_is_poisson() -> None:
    got = compound_poisson_pmf(7.5, unit_size())
    want = poisson_pmf(7.5)
    n = min(len(got.probs), len(want.probs))
    assert np.allclose(got.probs[:n], want.probs[:n], atol=1e-15)


@pytest.mark.parametrize("name", sorted(SIZES))
def test_compound_poisson_moments(name: str) -> None:
    sizes = SIZES[name]
    a = 6.0
    d = compound_poisson_pmf(a, sizes)
    v = d.values.astype(float)
    mean = float(np.dot(v, d.probs))
    var = float(np.dot((v - mean) ** 2, d.probs))
    second = float(np.dot(sizes.values.astype(float) ** 2, sizes.probs))
    assert d.probs.sum() == pytest.approx(1.0)
    assert mean == pytest.approx(a * sizes.mean(), rel=1e-10)
    assert var == pytest.approx(a * second, rel=1e-9)  # Var of compound Poisson = a E[q²]


def test_compound_poisson_matches_direct_convolution() -> None:
    """Panjer against Σ_n P(N = n) f^{*n} computed by brute force."""
    sizes = SIZES["gappy"]
    a = 2.0
    got = compound_poisson_pmf(a, sizes)
    want = np.zeros(200)
    conv = np.array([1.0])  # f^{*0} = point mass at 0
    f = np.zeros(sizes.start + len(sizes.probs))
    f[sizes.start :] = sizes.probs
    for n in range(40):
        want[: min(len(conv), 200)] += stats.poisson.pmf(n, a) * conv[:200]
        conv = np.convolve(conv, f)
    m = min(len(got.probs), 200)
    assert np.allclose(got.probs[:m], want[:m], atol=1e-14)


def test_zero_truncated_poisson_mean() -> None:
    m = 2.0
    assert zero_truncated_poisson(m).mean() == pytest.approx(m / (1 - math.exp(-m)))


def test_birth_death_m_m_infinity_is_poisson() -> None:
    n = 60
    pi = birth_death_stationary(np.full(n, 3.0), np.arange(1, n + 1, dtype=np.float64))
    assert np.allclose(pi, stats.poisson.pmf(np.arange(n + 1), 3.0), atol=1e-14)


# -- a. base stock ----------------------------------------------------------------------


def test_base_stock_known_values() -> None:
    s, lam, lead = 5, 2.0, 2.0
    d = stats.poisson(lam * lead)
    got = base_stock_poisson(s, lam, lead)
    assert got.fill_rate == pytest.approx(d.cdf(s - 1))
    assert got.ready_rate == pytest.approx(d.cdf(s - 1))
    backlog = sum((k - s) * d.pmf(k) for k in range(s, 200))
    assert got.mean_backlog_units == pytest.approx(backlog)
    # NI = S − D: E[on hand] − E[backlog] = S − λL
    assert got.mean_on_hand_units - got.mean_backlog_units == pytest.approx(s - lam * lead)
    assert got.mean_wait_days == pytest.approx(backlog / (lam * d.sf(s - 1)))
    assert got.backorder_rate + got.fill_rate == pytest.approx(1.0)


def test_base_stock_zero_level_backorders_everything() -> None:
    got = base_stock_poisson(0, 3.0, 1.5)
    assert got.fill_rate == pytest.approx(0.0, abs=1e-15)
    assert got.mean_backlog_units == pytest.approx(4.5)
    assert got.mean_wait_days == pytest.approx(1.5)  # every unit waits exactly L


def test_base_stock_large_level_never_short() -> None:
    got = base_stock_poisson(60, 2.0, 3.0)
    assert got.fill_rate == pytest.approx(1.0)
    assert got.mean_on_hand_units == pytest.approx(60 - 6.0)


# -- b. (r, Q) ---------------------------------------------------------------------------


@pytest.mark.parametrize("r", [-1, 0, 3, 9])
def test_rq_with_q1_is_base_stock(r: int) -> None:
    assert_same(rq_poisson(r, 1, 2.5, 1.7), base_stock_poisson(r + 1, 2.5, 1.7))


@pytest.mark.parametrize(("r", "q"), [(4, 6), (-3, 5), (-5, 5)])
def test_rq_is_average_of_base_stock_levels(r: int, q: int) -> None:
    """IP uniform on r+1..r+Q: the metrics average NI = y − D_L over the levels y (for
    y < 0 the base-stock formula is used as the law of y − D_L, not as a policy)."""
    got = rq_poisson(r, q, 3.0, 2.0)
    levels = range(r + 1, r + q + 1)
    for key in ("fill_rate", "mean_backlog_units", "mean_on_hand_units"):
        want = np.mean([base_stock_poisson(s, 3.0, 2.0).metric(key) for s in levels])
        assert got.metric(key) == pytest.approx(float(want)), key


def test_rq_minus_q_never_has_stock() -> None:
    """r = −Q: IP ∈ {−Q+1..0}, every unit is backordered and waits L + (batch fill time)."""
    q, lam, lead = 4, 2.0, 2.0
    got = rq_poisson(-q, q, lam, lead)
    assert got.fill_rate == pytest.approx(0.0, abs=1e-15)
    assert got.mean_on_hand_units == pytest.approx(0.0, abs=1e-15)
    assert got.mean_backlog_units == pytest.approx(lam * lead + (q - 1) / 2)
    # the unit triggering the order waits L; the k-th before it waits L + k/λ on average
    assert got.mean_wait_days == pytest.approx(lead + (q - 1) / 2 / lam)


# -- c. (s, S) ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SIZES))
@pytest.mark.parametrize(("s", "big_s"), [(3, 12), (-2, 9), (0, 1), (10, 30)])
def test_ss_inventory_position_chain_equals_renewal(name: str, s: int, big_s: int) -> None:
    chain = ss_inventory_position(s, big_s, SIZES[name])
    renewal = ss_inventory_position_renewal(s, big_s, SIZES[name])
    assert chain.start == renewal.start
    assert np.allclose(chain.probs, renewal.probs, atol=1e-12)


def test_ss_with_unit_demand_is_rq() -> None:
    """Unit demand: (s, S) orders exactly S − s each time, i.e. (r, Q) = (s, S − s)."""
    ip = ss_inventory_position(2, 9, unit_size())
    assert np.allclose(ip.probs, 1 / 7)
    assert_same(ss_compound_poisson(2, 9, 3.0, unit_size(), 1.2), rq_poisson(2, 7, 3.0, 1.2))


def test_ss_with_s_just_below_big_s_and_unit_demand_is_base_stock() -> None:
    assert_same(ss_compound_poisson(6, 7, 3.0, unit_size(), 1.2), base_stock_poisson(7, 3.0, 1.2))


def test_ss_partial_fill_bounds() -> None:
    """Partial fill ships at least what whole orders do: order fill ≤ unit fill ≤ ready rate."""
    got = ss_compound_poisson(3, 12, 2.0, SIZES["ztp2"], 1.5)
    assert got.order_fill_rate < got.fill_rate < got.ready_rate
    # net inventory balance: E[NI] = E[IP] − λ E[q] L
    ip = ss_inventory_position(3, 12, SIZES["ztp2"])
    mean_ni = got.mean_on_hand_units - got.mean_backlog_units
    assert mean_ni == pytest.approx(ip.mean() - 2.0 * 1.5 * SIZES["ztp2"].mean())


def test_ss_single_size_order_quantity() -> None:
    """Orders of exactly 2 units and S − s = 4: IP alternates S, S − 2 with equal weight."""
    ip = ss_inventory_position(0, 4, Pmf(2, np.array([1.0])))
    assert ip.start == 1
    assert np.allclose(ip.probs, [0.0, 0.5, 0.0, 0.5])


# -- d. / e. / f. random lead times ------------------------------------------------------


def test_lost_sales_single_unit_is_erlang_one() -> None:
    got = lost_sales_base_stock(1, 2.0, 1.5)
    a = 3.0
    assert got.lost_sales_rate == pytest.approx(a / (1 + a))
    assert got.mean_on_hand_units == pytest.approx(1 / (1 + a))  # P(the one unit is home)


def test_lost_sales_balances() -> None:
    got = lost_sales_base_stock(12, 10.0, 1.0)
    assert got.fill_rate + got.lost_sales_rate == pytest.approx(1.0)
    assert got.mean_on_hand_units + got.mean_on_order_units == pytest.approx(12)
    assert got.mean_backlog_units == 0.0
    assert got.mean_wait_days is None


def test_random_lead_time_equals_constant_lead_time() -> None:
    """Palm: only E[L] matters, so a constant L is the same system."""
    assert_same(base_stock_random_lead_time(7, 2.0, 3.0), base_stock_poisson(7, 2.0, 3.0))


def test_partial_backorder_limits() -> None:
    assert_same(
        partial_backorder_base_stock(6, 3.0, 2.0, 1.0),
        base_stock_random_lead_time(6, 3.0, 2.0),
        rel=1e-8,
    )
    assert_same(partial_backorder_base_stock(6, 3.0, 2.0, 0.0), lost_sales_base_stock(6, 3.0, 2.0))


def test_partial_backorder_rates_add_up() -> None:
    got = partial_backorder_base_stock(10, 5.0, 2.0, 0.6)
    assert got.fill_rate + got.backorder_rate + got.lost_sales_rate == pytest.approx(1.0)
    assert got.backorder_rate / got.lost_sales_rate == pytest.approx(0.6 / 0.4)
    # on order = S − NI: E[on order] = S − E[on hand] + E[backlog]
    assert got.mean_on_order_units == pytest.approx(
        10 - got.mean_on_hand_units + got.mean_backlog_units
    )
    # Little on the supplier: outstanding = order rate × E[L]
    order_rate = 5.0 * (got.fill_rate + got.backorder_rate)
    assert got.mean_on_order_units == pytest.approx(order_rate * 2.0)


# -- g. M/M/1 ----------------------------------------------------------------------------


def test_mm1_known_values() -> None:
    got = mm1_make_to_stock(2, 0.5, 1.0)  # ρ = 1/2
    assert got.fill_rate == pytest.approx(0.75)
    assert got.mean_backlog_units == pytest.approx(0.25)
    assert got.mean_on_hand_units == pytest.approx(1.25)
    assert got.mean_on_order_units == pytest.approx(1.0)


@pytest.mark.parametrize(("level", "rho"), [(1, 0.3), (4, 0.7), (9, 0.9)])
def test_mm1_against_birth_death_chain(level: int, rho: float) -> None:
    n = np.arange(2000)
    pi = birth_death_stationary(np.full(len(n) - 1, rho), np.ones(len(n) - 1))
    got = mm1_make_to_stock(level, rho, 1.0)
    assert got.fill_rate == pytest.approx(float(pi[:level].sum()))
    assert got.mean_backlog_units == pytest.approx(float(np.dot(np.maximum(n - level, 0), pi)))
    assert got.mean_on_hand_units == pytest.approx(float(np.dot(np.maximum(level - n, 0), pi)))


def test_mm1_lost_sales_one_unit_is_erlang_one() -> None:
    assert mm1_lost_sales(1, 1.2, 1.0).lost_sales_rate == pytest.approx(erlang_b(1, 1.2))


def test_mm1_lost_sales_known_value() -> None:
    got = mm1_lost_sales(2, 1.0, 1.0)  # ρ = 1: uniform on {0, 1, 2}
    assert got.lost_sales_rate == pytest.approx(1 / 3)
    assert got.mean_on_hand_units == pytest.approx(1.0)


# -- h. periodic review ------------------------------------------------------------------


@pytest.mark.parametrize(("level", "lead", "period"), [(5, 1.0, 2.0), (12, 2.0, 1.0), (3, 0.5, 7)])
def test_periodic_quadrature_matches_closed_form(level: int, lead: float, period: float) -> None:
    got = periodic_base_stock_poisson(level, 2.0, lead, period)
    want = periodic_fill_rate_closed_form(level, 2.0, lead, period)
    assert got.fill_rate == pytest.approx(want, rel=1e-9)


def test_periodic_tends_to_continuous_review() -> None:
    got = periodic_base_stock_poisson(6, 2.0, 2.0, 1e-4)
    assert_same(got, base_stock_poisson(6, 2.0, 2.0), rel=1e-3)
