"""Fitting lead times: candidate families by maximum likelihood, ranked by AIC, with a test.

Each family of DESIGN §3 is fitted by maximum likelihood (closed form where there is one,
``scipy.stats`` otherwise): exponential, gamma, lognormal (both with location 0), normal,
uniform and triangular. They are ranked by AIC = 2k − 2 log L. Every candidate gets a
Kolmogorov-Smirnov p-value against its fitted distribution; since the parameters were
estimated from the same data, that p-value is too large (the test is conservative). The
best family also gets a parametric-bootstrap p-value (the KS statistic recomputed on
:data:`BOOTSTRAP` samples drawn from the fitted distribution and refitted), which is not;
except the triangular family, whose numerical fit is too slow to repeat, where the KS
p-value stands in. When that p-value is below :data:`REJECT` (and the sample has at least
:data:`MIN_EMPIRICAL` values), no family fits and the empirical distribution of the
observed lead times is written instead. Families within 2 AIC of the best have
substantial support too (Burnham & Anderson): the sample is then too small to tell them
apart, and a note says so. Gamma nests the exponential (shape 1), so AIC alone would prefer
gamma for exponential data about one time in six however large the sample; gamma is
chosen over the exponential only when the likelihood-ratio test of shape 1 rejects it at
:data:`NESTED_ALPHA`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from simulator.fitting.demand import significant

BOOTSTRAP = 199
"""Parametric bootstrap samples behind the chosen family's p-value."""
BOOTSTRAP_SEED = 20_260_101
"""Fixed seed of that bootstrap: a fit is a function of its data."""
REJECT = 0.01
"""Below this bootstrap p-value no family is taken to fit."""
MIN_EMPIRICAL = 30
"""Fewest lead times for which the empirical distribution may replace a family."""
NESTED_ALPHA = 0.01
"""Level of the likelihood-ratio test of gamma against its special case, the exponential."""
MIN_FIT = 5
"""Fewest lead times for fitting families at all (fewer: empirical)."""


@dataclass
class Candidate:
    """One family fitted to the lead times."""

    family: str
    params: dict[str, float]
    """The DESIGN §3 parameters (mean and sd of the variable itself for lognormal/gamma)."""
    aic: float
    ks_p: float
    """Kolmogorov-Smirnov p-value against the fitted distribution (conservative)."""
    frozen: Any = field(repr=False)
    """The fitted scipy distribution."""
    bootstrap_p: float | None = None
    """Parametric bootstrap p-value of the KS statistic (the chosen family only)."""


@dataclass
class LeadTimeFit:
    """The lead times of one supplier (or one supplier and product)."""

    supplier: str
    product: str | None
    n: int
    mean: float
    mean_low: float
    mean_high: float
    sd: float
    candidates: list[Candidate]
    """Fitted families, best AIC first."""
    chosen: str
    """The family written: a candidate's or ``empirical``."""
    spec: Any
    """The distribution written, in the grammar of DESIGN §3."""
    values: np.ndarray = field(repr=False)
    notes: list[str] = field(default_factory=list)
    by_product: list[LeadTimeFit] = field(default_factory=list)
    """Per-product fits, when the data allow (reported, not written)."""
    products_differ_p: float | None = None
    """Kruskal-Wallis p-value of "the products' lead times differ" (None if not tested)."""


def _fit_exponential(x: np.ndarray) -> tuple[Any, dict[str, float], int]:
    mean = float(x.mean())
    return stats.expon(scale=mean), {"mean": mean}, 1


def _fit_gamma(x: np.ndarray) -> tuple[Any, dict[str, float], int]:
    a, _, scale = stats.gamma.fit(x, floc=0)
    return stats.gamma(a, scale=scale), {"mean": a * scale, "sd": math.sqrt(a) * scale}, 2


def _fit_lognormal(x: np.ndarray) -> tuple[Any, dict[str, float], int]:
    logs = np.log(x)
    mu, sigma = float(logs.mean()), float(logs.std())
    mean = math.exp(mu + sigma**2 / 2)
    sd = mean * math.sqrt(math.expm1(sigma**2))
    return stats.lognorm(s=sigma, scale=math.exp(mu)), {"mean": mean, "sd": sd}, 2


def _fit_normal(x: np.ndarray) -> tuple[Any, dict[str, float], int]:
    mean, sd = float(x.mean()), float(x.std())
    return stats.norm(mean, sd), {"mean": mean, "sd": sd}, 2


def _fit_uniform(x: np.ndarray) -> tuple[Any, dict[str, float], int]:
    low, high = float(x.min()), float(x.max())
    return stats.uniform(low, high - low), {"low": low, "high": high}, 2


def _fit_triangular(x: np.ndarray) -> tuple[Any, dict[str, float], int]:
    low, high = float(x.min()), float(x.max())
    width = high - low
    # start from a slightly widened support, so no observation has density zero
    pad = width / max(len(x), 1)
    guess_c = min(max((3 * float(x.mean()) - 2 * low - high) / width, 0.01), 0.99)
    c, loc, scale = stats.triang.fit(x, guess_c, loc=low - pad, scale=width + 2 * pad)
    mode = loc + c * scale
    return (
        stats.triang(c, loc=loc, scale=scale),
        {"low": loc, "mode": mode, "high": loc + scale},
        3,
    )


FAMILIES: dict[str, tuple[Callable[[np.ndarray], tuple[Any, dict[str, float], int]], bool]] = {
    "exponential": (_fit_exponential, True),
    "gamma": (_fit_gamma, True),
    "lognormal": (_fit_lognormal, True),
    "normal": (_fit_normal, False),
    "uniform": (_fit_uniform, False),
    "triangular": (_fit_triangular, False),
}
"""Family -> (its maximum-likelihood fit, whether it needs values > 0)."""

BOOTSTRAPPED = ("exponential", "gamma", "lognormal", "normal", "uniform")
"""Families whose fit is fast enough to repeat in the parametric bootstrap."""


def spec_of(family: str, params: dict[str, float]) -> dict[str, Any]:
    """The DESIGN §3 distribution of a fitted family."""
    return {"dist": family, **{k: significant(v) for k, v in params.items()}}


def empirical_spec(values: np.ndarray) -> dict[str, Any]:
    """The empirical distribution of ``values`` (rounded to 0.001 day, repeats as weights)."""
    rounded, counts = np.unique(np.round(values, 3), return_counts=True)
    spec: dict[str, Any] = {"dist": "empirical", "values": [float(v) for v in rounded]}
    if (counts > 1).any():
        spec["weights"] = [int(c) for c in counts]
    return spec


def _candidates(x: np.ndarray) -> tuple[list[Candidate], list[str]]:
    found: list[Candidate] = []
    skipped: list[str] = []
    positive = bool((x > 0).all())
    spread = float(x.max() - x.min()) > 0
    for family, (fit, needs_positive) in FAMILIES.items():
        if needs_positive and not positive:
            skipped.append(f"{family} (needs lead times > 0)")
            continue
        if not spread:
            continue
        try:
            frozen, params, k = fit(x)
            loglik = float(frozen.logpdf(x).sum())
        except (ValueError, RuntimeError, FloatingPointError):
            skipped.append(f"{family} (the fit failed)")
            continue
        if not math.isfinite(loglik):
            continue
        ks = float(stats.kstest(x, frozen.cdf).pvalue)
        found.append(Candidate(family, params, 2 * k - 2 * loglik, ks, frozen))
    found.sort(key=lambda c: c.aic)
    return _prefer_nested(found), skipped


def _prefer_nested(found: list[Candidate]) -> list[Candidate]:
    """Put the exponential first when gamma leads but the LR test does not reject shape 1."""
    if len(found) < 2 or found[0].family != "gamma":
        return found
    expo = next((c for c in found if c.family == "exponential"), None)
    if expo is None:
        return found
    lr = expo.aic - found[0].aic + 2  # 2 (log L_gamma - log L_exp)
    if float(stats.chi2.sf(max(lr, 0.0), 1)) >= NESTED_ALPHA:
        found.remove(expo)
        found.insert(0, expo)
    return found


def bootstrap_p(x: np.ndarray, best: Candidate) -> float:
    """Parametric bootstrap p-value of the KS statistic of ``best`` (refitted each time)."""
    fit = FAMILIES[best.family][0]
    observed = float(stats.kstest(x, best.frozen.cdf).statistic)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    n = len(x)
    exceed = 0
    done = 0
    for _ in range(BOOTSTRAP):
        sample = best.frozen.rvs(size=n, random_state=rng)
        try:
            frozen, _, _ = fit(sample)
        except (ValueError, RuntimeError, FloatingPointError):
            continue
        done += 1
        if float(stats.kstest(sample, frozen.cdf).statistic) >= observed:
            exceed += 1
    return (exceed + 1) / (done + 1)


def fit_lead_times(values: np.ndarray, supplier: str, product: str | None = None) -> LeadTimeFit:
    """Fit the families to one supplier's lead times (see the module docstring)."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    mean = float(x.mean())
    sd = float(x.std(ddof=1)) if n > 1 else 0.0
    half = float(stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)) if n > 1 else math.nan
    notes: list[str] = []
    candidates: list[Candidate] = []
    if n >= MIN_FIT:
        candidates, skipped = _candidates(x)
        if skipped:
            notes.append("not fitted: " + ", ".join(skipped))
    chosen = "empirical"
    spec: Any = empirical_spec(x)
    if n > 0 and float(x.max() - x.min()) == 0:
        chosen, spec = "constant", significant(float(x[0]))
        notes.append("every lead time is the same: written as a constant")
    elif candidates:
        best = candidates[0]
        if best.family in BOOTSTRAPPED:
            best.bootstrap_p = bootstrap_p(x, best)
        test_p = best.bootstrap_p if best.bootstrap_p is not None else best.ks_p
        close = [c.family for c in candidates[1:] if c.aic - best.aic < 2]
        gamma = next((c for c in candidates if c.family == "gamma"), None)
        if best.family == "exponential" and gamma is not None and gamma.aic < best.aic + 2:
            close.remove("gamma")
            p = float(stats.chi2.sf(max(best.aic - gamma.aic + 2, 0.0), 1))
            notes.append(
                f"gamma's shape {gamma.params['mean'] ** 2 / gamma.params['sd'] ** 2:.3g} is "
                f"not significantly different from 1 (likelihood-ratio p = {p:.3f}): exponential"
            )
        if test_p < REJECT and n >= MIN_EMPIRICAL:
            notes.append(
                f"no family fits (best, {best.family}: p = {test_p:.3f}): "
                f"the empirical distribution of the {n} lead times is written"
            )
        else:
            chosen, spec = best.family, spec_of(best.family, best.params)
            if close:
                notes.append(
                    f"{', '.join(close)} within 2 AIC of {best.family}: the sample (n = {n}) is "
                    "too small to tell these families apart"
                )
    elif n < MIN_FIT:
        notes.append(
            f"only {n} lead times: too few to fit a family; the empirical distribution is written"
        )
    if n and bool((x == np.round(x)).all()):
        notes.append(
            "lead times are whole numbers of days: the families are fitted to rounded values"
        )
    return LeadTimeFit(
        supplier, product, n, mean, mean - half, mean + half, sd, candidates, chosen, spec, x, notes
    )
