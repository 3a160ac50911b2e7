"""The kinds of number a scenario holds, each finite and within a documented, sane range.

One set of field types, shared by the schema (:mod:`simulator.scenario.schema`) and the
distribution grammar (:mod:`simulator.distributions`), so that no check is scattered in the
model. The ranges are wide enough for any real store and narrow enough that the model can
run what validates: no infinities or NaN, no 400-digit integers, and no positive periods,
rates or spreads so tiny (denormals) that a run would take forever to move its clock.
Every range is listed in ``docs/reference/scenario.md`` ("Limits").
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

MAX_MONEY = 1e9
"""Largest price, cost or penalty (per unit, per unit-day or per order)."""
MAX_DAYS = 1e6
"""Largest time in days (about 2,700 years): horizons, windows, waits, padding."""
MIN_PERIOD_DAYS = 1e-3
"""Smallest period in days (about 86 seconds): review periods, repeating windows, the
minimum step of a delay update."""
MAX_RATE = 1e6
"""Largest arrival rate, in orders per day."""
MIN_RATE = 1e-6
"""Smallest positive arrival rate (0 means no demand)."""
MAX_MULTIPLIER = 1e3
"""Largest seasonal multiplier and informed-patience factor."""
MAX_UNITS = 10**9
"""Largest quantity of units (stock, levels, order quantities, backlog caps)."""
MAX_SERVERS = 10**6
"""Largest number of orders a supplier works on at once."""
MAX_REPLICATIONS = 10**6
"""Largest number of replications in a file (the size check refuses most runs far below)."""
MAX_SEED = 2**64 - 1
"""Largest seed."""
MAX_PARAMETER = 1e9
"""Largest absolute value of a distribution parameter or bound (means, values, min, max)."""
MIN_SPREAD = 1e-6
"""Smallest positive spread of a distribution (sd, high - low) and smallest positive mean."""


Money = Annotated[float, Field(ge=0, le=MAX_MONEY, allow_inf_nan=False)]
"""A price, cost or penalty: 0 to 1e9."""
Days = Annotated[float, Field(ge=0, le=MAX_DAYS, allow_inf_nan=False)]
"""A time or a duration in days: 0 to 1e6."""
Horizon = Annotated[float, Field(gt=0, le=MAX_DAYS, allow_inf_nan=False)]
"""The length of a run in days: above 0, at most 1e6."""
Period = Annotated[float, Field(ge=MIN_PERIOD_DAYS, le=MAX_DAYS, allow_inf_nan=False)]
"""A period in days: 0.001 to 1e6."""
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
"""A probability or a share: 0 to 1."""
Multiplier = Annotated[float, Field(ge=0, le=MAX_MULTIPLIER, allow_inf_nan=False)]
"""A seasonal multiplier: 0 to 1000."""
Factor = Annotated[float, Field(ge=1 / MAX_MULTIPLIER, le=MAX_MULTIPLIER, allow_inf_nan=False)]
"""A positive scale factor: 0.001 to 1000."""


def _rate(value: float) -> float:
    if 0 < value < MIN_RATE:
        raise ValueError(f"must be 0 or at least {MIN_RATE:g} orders a day, got {value!r}")
    return value


Rate = Annotated[float, Field(ge=0, le=MAX_RATE, allow_inf_nan=False), AfterValidator(_rate)]
"""An arrival rate per day: 0, or 1e-6 to 1e6."""
Units = Annotated[int, Field(ge=0, le=MAX_UNITS)]
"""A whole number of units: 0 to 1e9."""
PositiveUnits = Annotated[int, Field(ge=1, le=MAX_UNITS)]
"""A whole number of units, at least 1."""


def _signed_units(value: int) -> int:
    if not -MAX_UNITS <= value <= MAX_UNITS:
        raise ValueError(
            f"must be a whole number >= {-MAX_UNITS} and <= {MAX_UNITS}, got {_short(value)}"
        )
    return value


def _short(value: int) -> str:
    from simulator.scenario.errors import show_value

    return show_value(value)


SignedUnits = Annotated[int, AfterValidator(_signed_units)]
"""A reorder point: -1e9 to 1e9 (the policy narrows it)."""
Servers = Annotated[int, Field(ge=1, le=MAX_SERVERS)]
"""Orders a supplier works on at once: 1 to 1e6."""
Replications = Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)]
"""Replications per policy: 1 to 1e6."""
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]
"""A seed: 0 to 2**64 - 1."""
Parameter = Annotated[float, Field(ge=-MAX_PARAMETER, le=MAX_PARAMETER, allow_inf_nan=False)]
"""A distribution's location parameter, value or bound: -1e9 to 1e9."""
Positive = Annotated[float, Field(ge=MIN_SPREAD, le=MAX_PARAMETER, allow_inf_nan=False)]
"""A distribution's mean or sd where it must be positive: 1e-6 to 1e9."""
