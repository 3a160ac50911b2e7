"""Seasonality of daily order counts: a weekly pattern and yearly windows, by Poisson likelihood.

The model of the expected count on day d is multiplicative:

    mu_d = base * week[d mod 7] * product of the multipliers of the windows containing d,

fitted by maximum likelihood (iterative proportional fitting, the MLE of a Poisson model
with categorical factors). Two kinds of effect are looked for:

- **weekly**: a likelihood-ratio test of the seven day-of-week factors against none
  (6 degrees of freedom), scaled by the Pearson dispersion when the counts are
  overdispersed (quasi-Poisson), kept when p < :data:`ALPHA`;
- **yearly windows**: days are folded onto the day of the year (d mod 365) and every window
  of 1 to :data:`MAX_WINDOW_DAYS` consecutive days of the year is scanned (a history
  shorter than a year is scanned on its own days, for windows that happen once, at most
  half its length) (a scan statistic
  in the manner of Kulldorff's): the likelihood ratio of "the rate in the window differs
  from outside" against "it does not". The best window is kept when its likelihood ratio
  passes the chi-square(1) threshold at ALPHA divided by the number of windows scanned
  (Bonferroni, so that the chance of keeping a window where the rate does not differ is
  at most ALPHA however many windows are looked at); then the model is refitted with it and
  the scan repeats for a further window, at most :data:`MAX_WINDOWS` times.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats
from scipy.special import xlogy

ALPHA = 0.01
"""Significance level of the weekly test and (familywise) of the window scan."""
YEAR = 365
"""Days of the folded year (windows repeat every YEAR days)."""
MAX_WINDOW_DAYS = 182
"""Longest window scanned (longer effects are the base rate's complement)."""
MAX_WINDOWS = 4
"""Most yearly windows kept."""
MIN_SCAN_DAYS = 56
"""Shortest history in which windows are looked for."""


@dataclass
class Window:
    """A yearly window [start, end) of days of the year with its rate multiplier."""

    start: int
    end: int
    multiplier: float
    low: float = math.nan
    """Lower end of the multiplier's approximate 95% interval."""
    high: float = math.nan
    """Upper end of the multiplier's approximate 95% interval."""
    lr: float = math.nan
    """The likelihood ratio that selected it."""
    threshold: float = math.nan
    """The likelihood ratio it had to pass."""


@dataclass
class Seasonal:
    """A fitted seasonal model of daily counts."""

    base: float
    week: np.ndarray
    """Seven day-of-week factors (mean 1), all 1 without a weekly pattern."""
    weekly: bool
    weekly_p: float | None
    """p-value of the weekly test (None when it was not run)."""
    windows: list[Window] = field(default_factory=list)
    expected: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Expected count on every day (0 on days not exposed)."""
    scanned: bool = False
    """Whether windows were looked for (the history covers at least MIN_SCAN_DAYS)."""
    yearly: bool = True
    """Whether the windows recur every year (the history covers a year or more); if not,
    they are windows of the history's own days, written without a repeat."""


def fit_factors(
    counts: np.ndarray,
    exposed: np.ndarray,
    weekday: np.ndarray,
    windows: list[tuple[int, int]],
    position: np.ndarray,
    weekly: bool,
) -> tuple[float, np.ndarray, list[float], np.ndarray]:
    """MLE of (base, week factors, window multipliers) and the expected daily counts."""
    c = np.where(exposed, counts, 0).astype(float)
    e = exposed.astype(float)
    inside = [(position >= a) & (position < b) & exposed for a, b in windows]
    week = np.ones(7)
    mult = [1.0] * len(windows)
    base = c.sum() / max(e.sum(), 1.0)
    for _ in range(100):
        previous = (base, week.copy(), list(mult))
        factor = np.ones_like(c)
        for mask, m in zip(inside, mult, strict=True):
            factor[mask] *= m
        if weekly:
            for w in range(7):
                days = (weekday == w) & exposed
                denom = (base * factor[days]).sum()
                week[w] = c[days].sum() / denom if denom > 0 else 1.0
            mean = week.mean()
            if mean > 0:
                week /= mean
        for j, mask in enumerate(inside):
            rest = np.ones_like(c)
            for k, (other, m) in enumerate(zip(inside, mult, strict=True)):
                if k != j:
                    rest[other] *= m
            denom = (base * week[weekday] * rest)[mask].sum()
            mult[j] = c[mask].sum() / denom if denom > 0 else 1.0
        factor = np.ones_like(c)
        for mask, m in zip(inside, mult, strict=True):
            factor[mask] *= m
        denom = (week[weekday] * factor * e).sum()
        base = c.sum() / denom if denom > 0 else 0.0
        change = abs(base - previous[0]) + np.abs(week - previous[1]).sum()
        change += sum(abs(a - b) for a, b in zip(mult, previous[2], strict=True))
        if change < 1e-10:
            break
    factor = np.ones_like(c)
    for mask, m in zip(inside, mult, strict=True):
        factor[mask] *= m
    expected = base * week[weekday] * factor * e
    return base, week, mult, expected


def deviance(counts: np.ndarray, expected: np.ndarray) -> float:
    """The Poisson log-likelihood up to a constant (sum of c log mu - mu)."""
    return float((xlogy(counts, expected) - expected).sum())


def pearson(counts: np.ndarray, expected: np.ndarray, exposed: np.ndarray) -> float:
    """Pearson's statistic sum (c - mu)^2 / mu over exposed days with mu > 0."""
    use = exposed & (expected > 0)
    return float((((counts - expected) ** 2)[use] / expected[use]).sum())


def scan_windows(
    counts: np.ndarray,
    expected: np.ndarray,
    position: np.ndarray,
    taken: list[tuple[int, int]],
    period: int = YEAR,
) -> tuple[int, int, float, int] | None:
    """The yearly window with the largest likelihood ratio against ``expected``.

    Returns (start, end, likelihood ratio, number of windows scanned), or None. Windows
    overlapping one already ``taken`` are not considered.
    """
    c = np.bincount(position, weights=counts, minlength=period)[:period]
    m = np.bincount(position, weights=expected, minlength=period)[:period]
    total_c, total_m = c.sum(), m.sum()
    if total_c <= 0 or total_m <= 0:
        return None
    m = m * (total_c / total_m)  # same total: the two-rate test is about the split only
    cc = np.concatenate([[0.0], np.cumsum(c)])
    cm = np.concatenate([[0.0], np.cumsum(m)])
    blocked = np.zeros(period + 1, dtype=int)
    for a, b in taken:
        blocked[a:b] = 1
    cb = np.concatenate([[0], np.cumsum(blocked[:period])])
    best: tuple[int, int, float] | None = None
    scanned = 0
    for length in range(1, min(MAX_WINDOW_DAYS, period // 2) + 1):
        starts = np.arange(0, period - length + 1)
        cw = cc[starts + length] - cc[starts]
        mw = cm[starts + length] - cm[starts]
        free = (cb[starts + length] - cb[starts]) == 0
        scanned += len(starts)
        co, mo = total_c - cw, total_c - mw
        ok = free & (mw > 0) & (mo > 0)
        lr = np.full(len(starts), -np.inf)
        lr[ok] = 2 * (
            xlogy(cw[ok], cw[ok] / mw[ok]) + xlogy(co[ok], np.where(co[ok] > 0, co[ok], 1) / mo[ok])
        )
        i = int(np.argmax(lr))
        if lr[i] > -np.inf and (best is None or lr[i] > best[2]):
            best = (int(starts[i]), int(starts[i] + length), float(lr[i]))
    if best is None:
        return None
    return best[0], best[1], best[2], scanned


def fit_seasonal(
    counts: np.ndarray, exposed: np.ndarray, weekday: np.ndarray, days: int
) -> Seasonal:
    """Fit the weekly pattern and yearly windows to daily counts (see the module docstring)."""
    yearly = days >= YEAR
    period = YEAR if yearly else len(counts)
    position = np.arange(len(counts)) % period
    c = np.where(exposed, counts, 0).astype(float)
    _, _, _, flat = fit_factors(c, exposed, weekday, [], position, False)
    _, _, _, weekly_fit = fit_factors(c, exposed, weekday, [], position, True)
    dof = max(int(exposed.sum()) - 7, 1)
    phi = max(1.0, pearson(c, weekly_fit, exposed) / dof)
    lr_week = 2 * (deviance(c, weekly_fit) - deviance(c, flat)) / phi
    weekly_p = float(stats.chi2.sf(lr_week, 6)) if exposed.sum() >= 28 else None
    weekly = weekly_p is not None and weekly_p < ALPHA
    windows: list[Window] = []
    scanned = len(counts) >= MIN_SCAN_DAYS
    base, week, mult, expected = fit_factors(c, exposed, weekday, [], position, weekly)
    while scanned and len(windows) < MAX_WINDOWS:
        taken = [(w.start, w.end) for w in windows]
        found = scan_windows(c, expected, position, taken, period)
        if found is None:
            break
        start, end, lr, count = found
        dof = max(int(exposed.sum()) - 7 - 2 * len(windows), 1)
        phi = max(1.0, pearson(c, expected, exposed) / dof)
        threshold = float(stats.chi2.isf(ALPHA / count, 1))
        if lr / phi < threshold:
            break
        windows.append(Window(start, end, 1.0, lr=lr / phi, threshold=threshold))
        spans = [(w.start, w.end) for w in windows]
        base, week, mult, expected = fit_factors(c, exposed, weekday, spans, position, weekly)
        for window, m in zip(windows, mult, strict=True):
            window.multiplier = m
    dof = max(int(exposed.sum()) - 1 - (6 if weekly else 0) - len(windows), 1)
    phi = max(1.0, pearson(c, expected, exposed) / dof)
    for window in windows:
        inside = exposed & (position >= window.start) & (position < window.end)
        c_in, c_out = c[inside].sum(), c[exposed & ~inside].sum()
        if c_in > 0 and c_out > 0:
            se = math.sqrt(phi * (1 / c_in + 1 / c_out))
            window.low = window.multiplier * math.exp(-1.96 * se)
            window.high = window.multiplier * math.exp(1.96 * se)
    return Seasonal(base, week, weekly, weekly_p, windows, expected, scanned, yearly)
