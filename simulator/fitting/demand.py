"""Fitting a product's demand from its order history: rate, seasonality, dispersion, sizes.

Days on which an order was recorded with ``in_stock`` false are *out of stock*: what was
recorded there are sales, not demand, so the whole day is left out of the exposure (and its
orders out of the counts and the order sizes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize, stats
from scipy.special import gammaln

from simulator.fitting.seasonality import YEAR, Seasonal, fit_seasonal, pearson
from simulator.history.orders import OrderHistory, ProductOrders


@dataclass
class Dispersion:
    """Do the daily counts vary as a Poisson process's would, given the fitted rates?

    Pearson's statistic X² = Σ (c_d − μ_d)² / μ_d over the exposed days is compared with a
    chi-square distribution with (days − fitted parameters) degrees of freedom; the index
    is X² / dof (1 for Poisson arrivals, above 1 when orders come in bursts)."""

    index: float
    dof: int
    p_value: float
    """Two-sided p-value of X² under the Poisson model."""
    verdict: str
    """``poisson``, ``overdispersed`` or ``underdispersed`` (at the 5% level), or
    ``no orders``."""


@dataclass
class OrderSizeFit:
    """Units per order: the empirical distribution or a zero-truncated Poisson, by AIC."""

    n: int
    mean: float
    mean_low: float
    mean_high: float
    chosen: str
    """``constant``, ``poisson`` or ``empirical``."""
    spec: Any
    """The DESIGN §3 distribution written (a number for a constant)."""
    aic_poisson: float | None
    aic_empirical: float | None
    poisson_p: float | None
    """Chi-square goodness-of-fit p-value of the truncated Poisson (None if not computed)."""


@dataclass
class DemandFit:
    """Everything fitted for one product."""

    product: str
    orders: int
    """Orders counted (in-stock days only)."""
    units: int
    exposure_days: int
    out_of_stock_days: int
    rate: float
    """Orders per day over the exposed days."""
    rate_low: float
    rate_high: float
    seasonal: Seasonal
    dispersion: Dispersion
    order_size: OrderSizeFit
    counts: np.ndarray = field(repr=False)
    """Orders on each day from day 0."""
    exposed: np.ndarray = field(repr=False)
    """Whether each day counts (the product was in stock)."""
    weekday0: int | None = None
    """Day of the week of day 0 (Monday 0), for dated histories."""
    notes: list[str] = field(default_factory=list)

    def demand_spec(self) -> dict[str, Any]:
        """The ``demand:`` block in the scenario grammar (DESIGN §3)."""
        s = self.seasonal
        block: dict[str, Any] = {"rate_per_day": significant(s.base)}
        if self.order_size.spec != 1:
            block["order_size"] = self.order_size.spec
        windows: list[dict[str, Any]] = []
        if s.weekly:
            first = self.weekday0 or 0
            for w in range(7):
                # weekday w falls on day (w - first) mod 7, then every 7 days
                windows.append(
                    {
                        "start_day": (w - first) % 7,
                        "end_day": (w - first) % 7 + 1,
                        "multiplier": significant(float(s.week[w])),
                        "repeat_every_days": 7,
                    }
                )
        for window in s.windows:
            spec: dict[str, Any] = {
                "start_day": window.start,
                "end_day": window.end,
                "multiplier": significant(window.multiplier),
            }
            if s.yearly:
                spec["repeat_every_days"] = YEAR
            windows.append(spec)
        if windows:
            block["seasonality"] = windows
        return block


def significant(x: float, digits: int = 4) -> float:
    """``x`` to ``digits`` significant digits (for the written fragment)."""
    if x == 0 or not math.isfinite(x):
        return float(x)
    return float(f"{x:.{digits}g}")


def poisson_interval(count: float, exposure: float) -> tuple[float, float]:
    """The exact (Garwood) 95% interval of a Poisson rate from ``count`` events."""
    low = stats.chi2.ppf(0.025, 2 * count) / 2 if count > 0 else 0.0
    high = stats.chi2.ppf(0.975, 2 * count + 2) / 2
    return float(low) / exposure, float(high) / exposure


def fit_demand(history: OrderHistory, product: str) -> DemandFit:
    """Fit one product of ``history`` (see the module docstring)."""
    orders = history.products[product]
    days = history.days
    counts, exposed = daily_counts(orders, days)
    weekday0 = history.weekday_of_day0()
    weekday = (np.arange(days) + (weekday0 or 0)) % 7
    seasonal = fit_seasonal(counts, exposed, weekday, days)
    n = int(counts[exposed].sum())
    exposure = int(exposed.sum())
    rate = n / exposure if exposure else 0.0
    low, high = poisson_interval(n, exposure) if exposure else (math.nan, math.nan)
    params = 1 + (6 if seasonal.weekly else 0) + len(seasonal.windows)
    dispersion = dispersion_test(counts, seasonal.expected, exposed, params)
    keep = orders.in_stock & exposed[np.floor(orders.times).astype(int)]
    sizes = orders.quantities[keep]
    fit = DemandFit(
        product=product,
        orders=n,
        units=int(sizes.sum()),
        exposure_days=exposure,
        out_of_stock_days=days - exposure,
        rate=rate,
        rate_low=low,
        rate_high=high,
        seasonal=seasonal,
        dispersion=dispersion,
        order_size=fit_order_size(sizes),
        counts=counts,
        exposed=exposed,
        weekday0=weekday0,
    )
    if not seasonal.scanned:
        fit.notes.append(f"the history covers only {days} days: no windows looked for")
    elif not seasonal.yearly:
        fit.notes.append(
            f"the history covers {days} days, less than a year: windows are written as "
            "happening once (no repeat_every_days)"
        )
    elif days < 2 * YEAR:
        fit.notes.append(
            "yearly windows are seen in fewer than two years; they are assumed to recur"
        )
    if dispersion.verdict == "overdispersed":
        fit.notes.append(
            f"daily counts vary more than Poisson arrivals would (index {dispersion.index:.2f}, "
            f"p = {dispersion.p_value:.2g}): the fitted Poisson rate understates the variability; "
            "consider demand: {history: ..., mode: bootstrap}"
        )
    return fit


def daily_counts(orders: ProductOrders, days: int) -> tuple[np.ndarray, np.ndarray]:
    """(orders per day, whether each day is exposed): out-of-stock days are not exposed.

    A day is out of stock when an order on it was recorded with ``in_stock`` false, and so
    is every day between two such orders with no in-stock order in between: a stock-out
    lasts until an order shows the product back in stock (days of a stock-out on which
    nothing at all was sold leave no row of their own)."""
    day = np.floor(orders.times).astype(int)
    exposed = np.ones(days, dtype=bool)
    run_start: int | None = None
    for d, in_stock in zip(day.tolist(), orders.in_stock.tolist(), strict=True):
        if in_stock:
            run_start = None
        else:
            if run_start is None:
                run_start = d
            exposed[run_start : d + 1] = False
    counts = np.bincount(day, minlength=days)[:days].astype(float)
    counts[~exposed] = 0
    return counts, exposed


def dispersion_test(
    counts: np.ndarray, expected: np.ndarray, exposed: np.ndarray, params: int
) -> Dispersion:
    """Pearson's dispersion test of daily counts against their fitted expectations."""
    x2 = pearson(counts, expected, exposed & (expected > 0))
    dof = max(int((exposed & (expected > 0)).sum()) - params, 1)
    if counts[exposed].sum() == 0:
        return Dispersion(math.nan, dof, math.nan, "no orders")
    upper = float(stats.chi2.sf(x2, dof))
    lower = float(stats.chi2.cdf(x2, dof))
    p = min(1.0, 2 * min(upper, lower))
    verdict = "poisson"
    if p < 0.05:
        verdict = "overdispersed" if upper < lower else "underdispersed"
    return Dispersion(x2 / dof, dof, p, verdict)


def fit_order_size(sizes: np.ndarray) -> OrderSizeFit:
    """Order sizes: a constant, a zero-truncated Poisson ``{dist: poisson, mean, min: 1}`` when
    its AIC is no worse than the empirical distribution's, else the empirical distribution."""
    n = len(sizes)
    if n == 0:
        return OrderSizeFit(0, math.nan, math.nan, math.nan, "constant", 1, None, None, None)
    mean = float(sizes.mean())
    half = (
        float(stats.t.ppf(0.975, n - 1) * sizes.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    )
    values, freq = np.unique(sizes, return_counts=True)
    if len(values) == 1:
        return OrderSizeFit(n, mean, mean, mean, "constant", int(values[0]), None, None, None)
    ll_emp = float((freq * np.log(freq / n)).sum())
    aic_emp = 2 * (len(values) - 1) - 2 * ll_emp
    lam = _truncated_poisson_lambda(mean)
    logp = values * math.log(lam) - lam - gammaln(values + 1) - math.log(-math.expm1(-lam))
    ll_poi = float((freq * logp).sum())
    aic_poi = 2 - 2 * ll_poi
    p_gof = _poisson_gof(values, freq, lam, n)
    empirical = {
        "dist": "empirical",
        "values": [int(v) for v in values],
        "weights": [int(f) for f in freq],
    }
    if aic_poi <= aic_emp:
        spec: Any = {"dist": "poisson", "mean": significant(lam), "min": 1}
        chosen = "poisson"
    else:
        spec, chosen = empirical, "empirical"
    return OrderSizeFit(n, mean, mean - half, mean + half, chosen, spec, aic_poi, aic_emp, p_gof)


def _truncated_poisson_lambda(mean: float) -> float:
    """λ with λ / (1 − e^−λ) = mean (the MLE of a zero-truncated Poisson)."""
    if mean <= 1.0:
        return 1e-6
    return float(optimize.brentq(lambda x: x / -math.expm1(-x) - mean, 1e-9, mean + 10))


def _poisson_gof(values: np.ndarray, freq: np.ndarray, lam: float, n: int) -> float | None:
    """Chi-square goodness of fit of the truncated Poisson, cells pooled to expect >= 5."""
    top = int(values.max())
    ks = np.arange(1, top + 1)
    pmf = stats.poisson.pmf(ks, lam) / -math.expm1(-lam)
    observed = np.zeros(top)
    observed[values.astype(int) - 1] = freq
    expected = pmf * n
    expected[-1] += n - expected.sum()  # the tail above the largest value seen
    cells_o: list[float] = []
    cells_e: list[float] = []
    acc_o = acc_e = 0.0
    for o, e in zip(observed, expected, strict=True):
        acc_o += o
        acc_e += e
        if acc_e >= 5:
            cells_o.append(acc_o)
            cells_e.append(acc_e)
            acc_o = acc_e = 0.0
    if acc_e > 0 and cells_e:
        cells_o[-1] += acc_o
        cells_e[-1] += acc_e
    dof = len(cells_o) - 2
    if dof < 1:
        return None
    x2 = sum((o - e) ** 2 / e for o, e in zip(cells_o, cells_e, strict=True))
    return float(stats.chi2.sf(x2, dof))
