"""The distribution grammar of scenario files, and fast samplers on an explicit Generator.

A distribution is written as a bare number (a constant) or as ``{dist: NAME, ...}``. Any
distribution may carry ``min``/``max`` bounds, which *condition* the draw (values outside are
redrawn, never clamped). Durations are additionally conditioned on being >= 0.

Samplers draw in numpy blocks and hand values out one at a time, so the hot path pays one
list pop per draw instead of one numpy call.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulator.fields import MAX_PARAMETER, MIN_SPREAD, Parameter, Positive
from simulator.mass_floor import normal_floor, poisson_floor

if TYPE_CHECKING:
    import numpy as np
else:

    class _Numpy:
        """numpy, imported on first use: checking a scenario file (``validate``) needs the
        grammar but no sampler. The first attribute looked up replaces this placeholder by
        numpy itself, so samplers pay nothing for it afterwards."""

        def __getattr__(self, name: str) -> Any:
            module = importlib.import_module("numpy")
            globals()["np"] = module
            return getattr(module, name)

    np = _Numpy()


def _stats() -> Any:
    """scipy.stats, imported only when a bounded distribution needs it (it is slow to import)."""
    from scipy import stats

    return stats


BLOCK = 1024
FIRST_BLOCK = 16
"""How many values a sampler draws from numpy at a time."""

RESIDUAL_SAMPLES = 20_000
"""Sample size behind ``residual_mean``."""

RESIDUAL_SEED = 20_241_127
"""Fixed seed of that sample: the table is part of the model, not of a replication."""

_RESIDUAL_TABLES: dict[str, tuple[np.ndarray, np.ndarray]] = {}
_ACCEPTANCE: dict[tuple[Any, ...], float] = {}
_ENOUGH: dict[tuple[Any, ...], bool] = {}
_T = TypeVar("_T")


def _fields_key(dist: BaseModel) -> tuple[Any, ...]:
    """A distribution's parameters as a hashable tuple."""
    return tuple(
        (name, tuple(value) if isinstance(value, list) else value)
        for name, value in dist.__dict__.items()
    )


def _remembered(
    cache: dict[tuple[Any, ...], _T],
    dist: BaseModel,
    extra: tuple[Any, ...],
    compute: Callable[[], _T],
) -> _T:
    """``compute()`` for `dist` (and `extra`), remembered in `cache` under the distribution's
    type and values as they are (a catalogue checks the same few thousands of times); a
    distribution holding a list of values (empirical) is keyed by :func:`_fields_key`."""
    key: tuple[Any, ...] = (type(dist), *dist.__dict__.values(), *extra)
    try:
        found = cache.get(key)
    except TypeError:  # a list is not hashable: the values as tuples
        key = (type(dist), _fields_key(dist), *extra)
        found = cache.get(key)
    if found is None:
        found = cache[key] = compute()
    return found


MIN_ACCEPTANCE = 1e-4
"""Bounds that keep less than this probability are refused (the redraw would never end)."""


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    min: Parameter | None = None
    """Lower bound: draws below it are redrawn."""
    max: Parameter | None = None
    """Upper bound: draws above it are redrawn."""

    # -- what subclasses provide ------------------------------------------------------------
    def _frozen(self) -> Any:
        """The scipy distribution (used for means and acceptance checks, not for sampling)."""
        raise NotImplementedError

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n unbounded draws."""
        raise NotImplementedError

    def _mass_floor(self, lo: float, hi: float) -> float:
        """A quick lower bound on the mass in [lo, hi] (see :mod:`simulator.mass_floor`);
        0.0 where there is none."""
        return 0.0

    def is_discrete(self) -> bool:
        """Whether every value is a whole number."""
        return False

    # -- shared behaviour -------------------------------------------------------------------
    @model_validator(mode="after")
    def _check_bounds(self) -> _Dist:
        if self.min is not None and self.max is not None and self.max < self.min:
            raise ValueError(f"max: must be >= min ({self.min:g}), got {self.max:g}")
        if (self.min is not None or self.max is not None) and not self._surely_enough():
            mass = self.acceptance()
            if not mass >= MIN_ACCEPTANCE:
                key = "min" if self.min is not None else "max"
                raise ValueError(
                    f"{key}: the bounds keep only {mass:.2g} of the distribution's mass "
                    f"(at least {MIN_ACCEPTANCE:g} is needed, or the redraw would never end), "
                    f"got {self.describe()}"
                )
        return self

    def bounds(self, nonnegative: bool = False) -> tuple[float, float]:
        lo = -math.inf if self.min is None else self.min
        hi = math.inf if self.max is None else self.max
        if nonnegative:
            lo = max(lo, 0.0)
        return lo, hi

    def support(self) -> tuple[float, float]:
        """The smallest and largest values an unbounded draw can take."""
        return -math.inf, math.inf

    def unbounded_mean(self) -> float:
        """The mean before any bounds."""
        return float(self._frozen().mean())

    def _inside(self, lo: float, hi: float) -> bool:
        low, high = self.support()
        return lo <= low and high <= hi

    def acceptance(self, nonnegative: bool = False) -> float:
        """Probability that an unbounded draw falls inside the bounds.

        Remembered per distribution (a catalogue repeats the same few thousands of times,
        and each scipy evaluation costs about a millisecond)."""
        lo, hi = self.bounds(nonnegative)
        if self._inside(lo, hi):
            return 1.0
        return _remembered(_ACCEPTANCE, self, (nonnegative,), lambda: self._acceptance(lo, hi))

    def _surely_enough(self) -> bool:
        """Whether the bounds surely keep at least :data:`MIN_ACCEPTANCE` of the mass, by a
        quick floor (twice that share) that needs no scipy; False means "compute it"."""
        return _remembered(
            _ENOUGH, self, (), lambda: self._mass_floor(*self.bounds()) >= 2 * MIN_ACCEPTANCE
        )

    def _acceptance(self, lo: float, hi: float) -> float:
        frozen = self._frozen()
        if isinstance(frozen, _PointMass | _Discrete):
            return frozen.mass(lo, hi)
        if self.is_discrete():
            lo_int = math.ceil(lo) if lo > -math.inf else -math.inf
            lo = lo_int - 1
        if lo > float(frozen.median()):  # upper tail: sf keeps the digits cdf rounds away
            return max(0.0, float(frozen.sf(lo) - frozen.sf(hi)))
        return max(0.0, float(frozen.cdf(hi) - frozen.cdf(lo)))

    def mean(self, nonnegative: bool = False) -> float:
        """The mean of the bounded distribution."""
        lo, hi = self.bounds(nonnegative)
        if self._inside(lo, hi):
            return self.unbounded_mean()
        frozen = self._frozen()
        if self.is_discrete():
            lo_int = max(math.ceil(lo), int(frozen.support()[0])) if lo > -math.inf else None
            return float(frozen.expect(lb=lo_int, ub=hi, conditional=True))
        return float(frozen.expect(lb=lo, ub=hi, conditional=True))

    def time_problem(self) -> str | None:
        """Why this cannot be a duration (in days), or None if it can."""
        mass = self.acceptance(nonnegative=True)
        if not mass >= MIN_ACCEPTANCE:
            return (
                f"must be able to take values >= 0 (a duration): only {mass:.2g} of its mass "
                f"is usable (at least {MIN_ACCEPTANCE:g} is needed), got {self.describe()}"
            )
        return None

    def integer_problem(self, minimum: int) -> str | None:
        """Why this cannot be a whole-number quantity >= minimum, or None if it can."""
        if not self.is_discrete():
            return (
                f"must be a whole-number distribution (constant, poisson or empirical), "
                f"got {self.describe()}"
            )
        lo, _ = self.bounds()
        if lo < minimum and self._can_be_below(minimum):
            return f"can be below {minimum}; add min: {minimum}"
        if not self._surely_enough() and self.acceptance() < MIN_ACCEPTANCE:
            return f"its bounds leave no possible value, got {self.describe()}"
        return None

    def _can_be_below(self, minimum: int) -> bool:
        return self.support()[0] < minimum

    def describe(self) -> str:
        fields = {k: v for k, v in self.model_dump(by_alias=True).items() if v is not None}
        return "{" + ", ".join(f"{k}: {v}" for k, v in fields.items()) + "}"

    def sampler(self, rng: np.random.Generator, nonnegative: bool = False) -> Sampler:
        """A sampler drawing from this distribution with `rng`."""
        return Sampler(self, rng, nonnegative)

    def residual_mean(self, age: float) -> float:
        """E[X - age | X > age] for the bounded, non-negative distribution: how much longer
        a lead time that has already lasted ``age`` days is expected to last.

        Estimated once per distribution from a large fixed-seed sample (so it does not touch
        any simulation stream) and looked up by binary search; 0 past the largest value.
        """
        key = self.model_dump_json()
        table = _RESIDUAL_TABLES.get(key)
        if table is None:
            rng = np.random.default_rng(RESIDUAL_SEED)
            draw = self.sampler(rng, nonnegative=True)
            values = np.sort(np.array([draw() for _ in range(RESIDUAL_SAMPLES)]))
            suffix = np.cumsum(values[::-1])[::-1]
            table = _RESIDUAL_TABLES[key] = (values, suffix)
        values, suffix = table
        i = int(np.searchsorted(values, age, side="right"))
        if i >= len(values):
            return 0.0
        return float(suffix[i] / (len(values) - i)) - age


class Constant(_Dist):
    dist: Literal["constant"] = "constant"
    value: Parameter

    def is_discrete(self) -> bool:
        return float(self.value).is_integer()

    def support(self) -> tuple[float, float]:
        return self.value, self.value

    def unbounded_mean(self) -> float:
        return self.value

    def _frozen(self) -> Any:
        return _PointMass(self.value)

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, self.value, dtype=float)

    def integer_problem(self, minimum: int) -> str | None:
        if not float(self.value).is_integer():
            return f"must be a whole number, got {self.value:g}"
        if self.value < minimum:
            return f"must be >= {minimum}, got {self.value:g}"
        return super().integer_problem(minimum)

    def time_problem(self) -> str | None:
        if self.value < 0:
            return f"must be >= 0 (a duration in days), got {self.value:g}"
        return super().time_problem()

    def describe(self) -> str:
        return f"{self.value:g}"


class Exponential(_Dist):
    dist: Literal["exponential"]
    mean_: Annotated[Positive, Field(alias="mean")]

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)

    def support(self) -> tuple[float, float]:
        return 0.0, math.inf

    def unbounded_mean(self) -> float:
        return self.mean_

    def _frozen(self) -> Any:
        return _stats().expon(scale=self.mean_)

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.exponential(self.mean_, n)


class Uniform(_Dist):
    dist: Literal["uniform"]
    low: Parameter
    high: Parameter

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if self.high <= self.low:
            raise ValueError(f"high: must be above low ({self.low:g}), got {self.high:g}")
        if self.high - self.low < MIN_SPREAD:
            raise ValueError(
                f"high: must be at least {MIN_SPREAD:g} above low ({self.low:g}), "
                f"got {self.high!r} (use a constant for a fixed value)"
            )
        return self

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def unbounded_mean(self) -> float:
        return (self.low + self.high) / 2

    def _frozen(self) -> Any:
        return _stats().uniform(loc=self.low, scale=self.high - self.low)

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)


class Triangular(_Dist):
    dist: Literal["triangular"]
    low: Parameter
    mode: Parameter
    high: Parameter

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not (self.low <= self.mode <= self.high) or self.high <= self.low:
            raise ValueError(
                f"needs low <= mode <= high with low < high, got "
                f"{self.low:g}, {self.mode:g}, {self.high:g}"
            )
        if self.high - self.low < MIN_SPREAD:
            raise ValueError(
                f"high: must be at least {MIN_SPREAD:g} above low ({self.low:g}), "
                f"got {self.high!r} (use a constant for a fixed value)"
            )
        return self

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def unbounded_mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def _frozen(self) -> Any:
        width = self.high - self.low
        return _stats().triang(c=(self.mode - self.low) / width, loc=self.low, scale=width)

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.triangular(self.low, self.mode, self.high, n)


class Normal(_Dist):
    dist: Literal["normal"]
    mean_: Annotated[Parameter, Field(alias="mean")]
    sd: Positive

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)

    def unbounded_mean(self) -> float:
        return self.mean_

    def _frozen(self) -> Any:
        return _stats().norm(loc=self.mean_, scale=self.sd)

    def _mass_floor(self, lo: float, hi: float) -> float:
        return normal_floor(self.mean_, self.sd, lo, hi)

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.normal(self.mean_, self.sd, n)


class Lognormal(_Dist):
    """Lognormal given by the mean and sd of the variable itself (not of its logarithm)."""

    dist: Literal["lognormal"]
    mean_: Annotated[Positive, Field(alias="mean")]
    sd: Positive

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)

    @cached_property
    def _params(self) -> tuple[float, float]:
        sigma2 = math.log1p((self.sd / self.mean_) ** 2)
        return math.log(self.mean_) - sigma2 / 2, math.sqrt(sigma2)

    def support(self) -> tuple[float, float]:
        return 0.0, math.inf

    def unbounded_mean(self) -> float:
        return self.mean_

    def _frozen(self) -> Any:
        mu, sigma = self._params
        return _stats().lognorm(s=sigma, scale=math.exp(mu))

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        mu, sigma = self._params
        return rng.lognormal(mu, sigma, n)


class Gamma(_Dist):
    """Gamma given by its mean and sd."""

    dist: Literal["gamma"]
    mean_: Annotated[Positive, Field(alias="mean")]
    sd: Positive

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _shape(self) -> Gamma:
        if self.sd < self.mean_ * MIN_SPREAD:
            raise ValueError(
                f"sd: must be at least {MIN_SPREAD:g} x mean ({self.mean_ * MIN_SPREAD:g}), "
                f"got {self.sd!r} (use a constant for a fixed value)"
            )
        return self

    def support(self) -> tuple[float, float]:
        return 0.0, math.inf

    def unbounded_mean(self) -> float:
        return self.mean_

    def _frozen(self) -> Any:
        shape = (self.mean_ / self.sd) ** 2
        return _stats().gamma(a=shape, scale=self.sd**2 / self.mean_)

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        shape = (self.mean_ / self.sd) ** 2
        return rng.gamma(shape, self.sd**2 / self.mean_, n)


class Poisson(_Dist):
    dist: Literal["poisson"]
    mean_: Annotated[Positive, Field(alias="mean")]

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)

    def is_discrete(self) -> bool:
        return True

    def support(self) -> tuple[float, float]:
        return 0.0, math.inf

    def unbounded_mean(self) -> float:
        return self.mean_

    def _frozen(self) -> Any:
        return _stats().poisson(self.mean_)

    def _mass_floor(self, lo: float, hi: float) -> float:
        return poisson_floor(self.mean_, lo, hi)

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.poisson(self.mean_, n).astype(float)


class Empirical(_Dist):
    """Values drawn with the given weights (equal weights if absent)."""

    dist: Literal["empirical"]
    values: Annotated[list[Parameter], Field(min_length=1)]
    weights: list[Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Empirical:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"weights: needs one entry per value ({len(self.values)}), "
                    f"got {len(self.weights)}"
                )
            if sum(self.weights) <= 0:
                raise ValueError("weights: must not all be zero")
        return self

    def is_discrete(self) -> bool:
        return all(float(v).is_integer() for v in self.values)

    @cached_property
    def _probabilities(self) -> np.ndarray:
        w = np.ones(len(self.values)) if self.weights is None else np.asarray(self.weights)
        return w / w.sum()

    def support(self) -> tuple[float, float]:
        return min(self.values), max(self.values)

    def unbounded_mean(self) -> float:
        return float(np.dot(self.values, self._probabilities))

    def _frozen(self) -> Any:
        return _Discrete(np.asarray(self.values, dtype=float), self._probabilities)

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.choice(np.asarray(self.values, dtype=float), size=n, p=self._probabilities)


Distribution = Annotated[
    Constant
    | Exponential
    | Uniform
    | Triangular
    | Normal
    | Lognormal
    | Gamma
    | Poisson
    | Empirical,
    Field(discriminator="dist"),
]

DIST_NAMES = (
    "constant",
    "exponential",
    "uniform",
    "triangular",
    "normal",
    "lognormal",
    "gamma",
    "poisson",
    "empirical",
)


def parse_distribution(value: Any) -> Any:
    """Turn a bare number into a constant distribution; leave mappings to the validator."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if isinstance(value, int) and abs(value) > MAX_PARAMETER:
            return value  # too large for a float: the validator says so in one line
        return Constant(value=float(value))
    if isinstance(value, dict) and value.get("dist") == "constant" and "value" in value:
        inner = value["value"]
        if isinstance(inner, int) and not isinstance(inner, bool) and abs(inner) <= MAX_PARAMETER:
            return {**value, "value": float(inner)}
    return value


class _PointMass:
    """A scipy-like point mass, enough for acceptance and mean."""

    def __init__(self, value: float) -> None:
        self.value = value

    def cdf(self, x: float) -> float:
        return 1.0 if x >= self.value else 0.0

    def mass(self, lo: float, hi: float) -> float:
        """Probability of a value in [lo, hi]."""
        return 1.0 if lo <= self.value <= hi else 0.0

    def mean(self) -> float:
        return self.value

    def support(self) -> tuple[float, float]:
        return self.value, self.value

    def expect(self, lb: float | None, ub: float | None, conditional: bool) -> float:
        return self.value


class _Discrete:
    """A scipy-like finite distribution, enough for acceptance and mean."""

    def __init__(self, values: np.ndarray, probabilities: np.ndarray) -> None:
        self.values = values
        self.p = probabilities

    def cdf(self, x: float) -> float:
        return float(self.p[self.values <= x].sum())

    def mass(self, lo: float, hi: float) -> float:
        """Probability of a value in [lo, hi]."""
        return float(self.p[(self.values >= lo) & (self.values <= hi)].sum())

    def mean(self) -> float:
        return float((self.values * self.p).sum())

    def support(self) -> tuple[float, float]:
        return float(self.values.min()), float(self.values.max())

    def expect(self, lb: float | None, ub: float | None, conditional: bool) -> float:
        mask = np.ones(len(self.values), dtype=bool)
        if lb is not None:
            mask &= self.values >= lb
        if ub is not None:
            mask &= self.values <= ub
        return float((self.values[mask] * self.p[mask]).sum() / self.p[mask].sum())


class Sampler:
    """Draws one value at a time from a distribution, refilling in numpy blocks.

    Each sampler owns its Generator's sequence: two samplers never share a stream, so the
    i-th draw of a stream is the same whatever else the simulation does (common random
    numbers across policies).
    """

    __slots__ = ("_block", "_buf", "_dist", "_hi", "_lo", "_rng", "constant")

    def __init__(self, dist: _Dist, rng: np.random.Generator, nonnegative: bool = False) -> None:
        self._dist = dist
        self._rng = rng
        self._lo, self._hi = dist.bounds(nonnegative)
        self._buf: list[float] = []
        self._block = FIRST_BLOCK
        """Values drawn at the next refill: doubling up to ``BLOCK``, so a stream used a few
        times (one product's lead times in a short run) draws and keeps only a few."""
        self.constant: float | None = dist.value if isinstance(dist, Constant) else None
        """The value, when the distribution is a constant (no stream is consumed)."""

    def _refill(self) -> None:
        block = self._block
        self._block = min(2 * block, BLOCK)
        raw = self._dist._raw(self._rng, block)
        lo, hi = self._lo, self._hi
        if lo > -math.inf or hi < math.inf:
            raw = raw[(raw >= lo) & (raw <= hi)]
        # reversed so that pop() hands values out in drawing order
        self._buf = raw[::-1].tolist()

    def __call__(self) -> float:
        buf = self._buf
        while not buf:
            self._refill()
            buf = self._buf
        return buf.pop()
