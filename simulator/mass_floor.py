"""Quick lower bounds on the mass a distribution keeps between bounds, without scipy.

Checking a scenario refuses a bounded distribution (``{dist: poisson, mean: 2, min: 1}``)
that keeps less than a small share of its mass; scipy computes that share exactly, but
importing scipy alone costs about half a second, more than validating a whole catalogue's
distributions. These bounds let the check accept, without scipy, a distribution that
clearly keeps enough: each is a sum or difference of standard functions that never
exceeds the exact mass by more than a relative 1e-6, so a floor of at least twice the
share needed proves the exact value passes. Anything closer, and every refusal (whose
message shows the mass), still goes through scipy.
"""

from __future__ import annotations

import math

WINDOW = 40
"""Terms summed on each side of the most likely value a Poisson distribution keeps."""

MAX_POISSON_MEAN = 1e6
"""Larger means get no floor (the terms' exponents lose too many digits)."""


def poisson_floor(mean: float, lo: float, hi: float) -> float:
    """At most the probability that a Poisson(`mean`) draw lies in [`lo`, `hi`] (within a
    relative 1e-6), or 0.0 if that is not cheap to bound."""
    if not 0 < mean <= MAX_POISSON_MEAN:
        return 0.0
    first = max(0, math.ceil(lo)) if lo > -math.inf else 0
    last = math.floor(hi) if hi < math.inf else math.inf
    if last < first:
        return 0.0
    centre = min(max(math.floor(mean), first), last)
    low = int(max(first, centre - WINDOW))
    high = int(min(last, centre + WINDOW))
    log_mean = math.log(mean)
    return math.fsum(
        math.exp(k * log_mean - mean - math.lgamma(k + 1)) for k in range(low, high + 1)
    )


def normal_floor(mean: float, sd: float, lo: float, hi: float) -> float:
    """At most the probability that a Normal(`mean`, `sd`) draw lies in [`lo`, `hi`]
    (within 1e-12), or 0.0 if that is not cheap to bound."""
    if not (sd > 0 and math.isfinite(mean) and math.isfinite(sd)):
        return 0.0
    root = sd * math.sqrt(2.0)
    upper = (hi - mean) / root if hi < math.inf else math.inf
    lower = (lo - mean) / root if lo > -math.inf else -math.inf
    if not lower < upper:
        return 0.0
    if lower >= 0:  # both in the upper tail: the difference of the upper tails
        mass = 0.5 * (math.erfc(lower) - math.erfc(upper))
    elif upper <= 0:
        mass = 0.5 * (math.erfc(-upper) - math.erfc(-lower))
    else:
        mass = 1.0 - 0.5 * (math.erfc(upper) + math.erfc(-lower))
    return max(0.0, mass - 1e-12)
