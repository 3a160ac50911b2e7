"""The typed schema of a scenario file: every key, its default and what it means.

The models here validate plain data (already read from YAML, merged with ``extends:`` and
``--set``). Line numbers and file names are attached by :mod:`simulator.scenario.loader`,
which maps each validation error back to the place in the file it came from.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from simulator.distributions import Distribution, parse_distribution


class Strict(BaseModel):
    """Base for every block: unknown keys are errors, values are not coerced from strings."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _dist(value: Any) -> Any:
    return parse_distribution(value)


def _duration(cls: type, value: Distribution | None) -> Distribution | None:
    """Field check for durations: the distribution must be able to take values >= 0."""
    problem = value.time_problem() if value is not None else None
    if problem:
        raise ValueError(problem)
    return value


Dist = Annotated[Distribution, BeforeValidator(_dist)]
"""A distribution: a bare number (a constant) or ``{dist: NAME, ...}`` (see distributions)."""

NonNegFloat = Annotated[float, Field(ge=0)]
PosFloat = Annotated[float, Field(gt=0)]
Number = float


class Seasonality(Strict):
    """A window of time in which the arrival rate is multiplied by `multiplier`."""

    start_day: NonNegFloat
    """First day of the window (inclusive)."""
    end_day: NonNegFloat
    """Day the window ends (exclusive)."""
    multiplier: NonNegFloat
    """Factor applied to `rate_per_day` inside the window; overlapping windows multiply."""
    repeat_every_days: PosFloat | None = None
    """If set, the window recurs with this period (e.g. 365 for a yearly rush)."""

    @model_validator(mode="after")
    def _check(self) -> Seasonality:
        if self.end_day <= self.start_day:
            raise ValueError(
                f"end_day: must be after start_day ({self.start_day:g}), got {self.end_day:g}"
            )
        if (
            self.repeat_every_days is not None
            and self.repeat_every_days < self.end_day - self.start_day
        ):
            raise ValueError(
                f"repeat_every_days: must be at least the window length "
                f"({self.end_day - self.start_day:g}), got {self.repeat_every_days:g}"
            )
        return self


class Demand(Strict):
    """How customers order one product."""

    rate_per_day: NonNegFloat
    """Mean number of customer orders per day (Poisson arrivals)."""
    order_size: Dist = Field(default_factory=lambda: parse_distribution(1))
    """Units per order: an integer distribution whose values are all >= 1 (default 1)."""
    seasonality: list[Seasonality] = Field(default_factory=list)
    """Windows that scale the arrival rate."""

    @field_validator("order_size")
    @classmethod
    def _whole_units(cls, value: Distribution) -> Distribution:
        problem = value.integer_problem(minimum=1)
        if problem:
            raise ValueError(problem)
        return value


class _Review(Strict):
    review_period_days: PosFloat | None = None
    """Periodic review every T days (at 0, T, 2T, ...); absent means continuous review."""


class BaseStockSpec(_Review):
    """Order up to `level` whenever the inventory position falls below it."""

    policy: Literal["base_stock"]
    level: Annotated[int, Field(ge=0)]


class RQSpec(_Review):
    """When IP <= r, order the smallest multiple of Q that lifts IP above r."""

    policy: Literal["rQ"]
    reorder_point: int
    order_quantity: Annotated[int, Field(ge=1)]

    @model_validator(mode="after")
    def _check(self) -> RQSpec:
        if self.reorder_point < -self.order_quantity:
            raise ValueError(
                f"reorder_point: must be >= -order_quantity ({-self.order_quantity}), "
                f"got {self.reorder_point}"
            )
        return self


class SSSpec(_Review):
    """When IP <= s, order up to S."""

    policy: Literal["sS"]
    reorder_point: int
    order_up_to: Annotated[int, Field(ge=0)]

    @model_validator(mode="after")
    def _check(self) -> SSSpec:
        if self.reorder_point >= self.order_up_to:
            raise ValueError(
                f"reorder_point: s must be below order_up_to S ({self.order_up_to}), "
                f"got {self.reorder_point}"
            )
        if self.reorder_point < -self.order_up_to:
            raise ValueError(
                f"reorder_point: must be >= -order_up_to ({-self.order_up_to}), "
                f"got {self.reorder_point}"
            )
        return self


class NoReplenishmentSpec(_Review):
    """Never order: the store sells what it starts with."""

    policy: Literal["none"]


ReplenishmentSpec = Annotated[
    BaseStockSpec | RQSpec | SSSpec | NoReplenishmentSpec, Field(discriminator="policy")
]

SourcingRule = Literal["single", "failover", "split", "fastest", "cheapest"]


class SourcingSpec(Strict):
    """Which suppliers a product's replenishment orders go to."""

    suppliers: Annotated[list[str], Field(min_length=1)]
    """Supplier ids in preference order (ties between suppliers go by this order)."""
    rule: SourcingRule = "single"
    switch_after_days: NonNegFloat | None = None
    """`failover`: use the first supplier that is up and whose expected delivery is within this."""
    fractions: list[NonNegFloat] | None = None
    """`split`: share of each order per supplier (same length as `suppliers`, summing to 1)."""

    @model_validator(mode="after")
    def _check(self) -> SourcingSpec:
        if len(set(self.suppliers)) != len(self.suppliers):
            raise ValueError("suppliers: each supplier may be listed only once")
        if self.rule == "failover" and self.switch_after_days is None:
            raise ValueError("switch_after_days: required key missing (rule failover needs it)")
        if self.rule == "split":
            if self.fractions is None:
                raise ValueError("fractions: required key missing (rule split needs it)")
            if len(self.fractions) != len(self.suppliers):
                raise ValueError(
                    f"fractions: needs one entry per supplier ({len(self.suppliers)}), "
                    f"got {len(self.fractions)}"
                )
            if abs(sum(self.fractions) - 1.0) > 1e-6:
                raise ValueError(f"fractions: must sum to 1, got {sum(self.fractions):g}")
        elif self.fractions is not None:
            raise ValueError(f"fractions: only used by rule split, not {self.rule}")
        return self


class Product(Strict):
    """One stocked product: its prices, costs, demand, replenishment and sourcing."""

    price: NonNegFloat
    holding_cost_per_unit_day: NonNegFloat = 0.0
    backlog_penalty_per_unit_day: NonNegFloat = 0.0
    lost_sale_penalty_per_unit: NonNegFloat = 0.0
    initial_on_hand: Annotated[int, Field(ge=0)] = 0
    demand: Demand
    replenishment: ReplenishmentSpec
    sourcing: SourcingSpec | None = None
    """Absent: the scenario's default `sourcing:`, else the only supplier."""


class DisruptionWindow(Strict):
    """A known outage from `start_day` to `end_day`."""

    start_day: NonNegFloat
    end_day: NonNegFloat

    @model_validator(mode="after")
    def _check(self) -> DisruptionWindow:
        if self.end_day <= self.start_day:
            raise ValueError(
                f"end_day: must be after start_day ({self.start_day:g}), got {self.end_day:g}"
            )
        return self


class RandomDisruptions(Strict):
    """Outages that recur at random: up for `every_days`, then down for `duration_days`."""

    every_days: Dist
    duration_days: Dist

    _durations = field_validator("every_days", "duration_days")(_duration)


def _disruption_kind(value: Any) -> str | None:
    """Which form of ``disruptions`` a value is: a mapping is random, a list is windows."""
    if isinstance(value, dict | RandomDisruptions):
        return "random"
    if isinstance(value, list):
        return "windows"
    return None


Disruptions = Annotated[
    Annotated[RandomDisruptions, Tag("random")] | Annotated[list[DisruptionWindow], Tag("windows")],
    Discriminator(
        _disruption_kind,
        custom_error_type="disruptions_type",
        custom_error_message=(
            "must be {every_days: ..., duration_days: ...} (random outages) "
            "or a list of {start_day, end_day} windows"
        ),
    ),
]
"""Disruptions: one branch is chosen by the value's form, so only that branch reports."""


class Supplier(Strict):
    """A source of stock with a random lead time."""

    lead_time_days: Dist
    unit_cost: NonNegFloat = 0.0
    order_cost: NonNegFloat = 0.0
    servers: Annotated[int, Field(ge=1)] | None = None
    """Orders worked on at once; absent means unlimited (independent lead times)."""
    hold_shipments: bool = False
    """During a disruption nothing in progress arrives before the disruption ends."""
    disruptions: Disruptions | None = None
    """Random outages (a mapping) or known windows (a list); absent means never disrupted."""

    _durations = field_validator("lead_time_days")(_duration)

    @model_validator(mode="after")
    def _check(self) -> Supplier:
        if isinstance(self.disruptions, list):
            windows = sorted(self.disruptions, key=lambda w: w.start_day)
            for a, b in itertools.pairwise(windows):
                if b.start_day < a.end_day:
                    raise ValueError(
                        f"disruptions: windows [{a.start_day:g}, {a.end_day:g}) and "
                        f"[{b.start_day:g}, {b.end_day:g}) overlap"
                    )
        return self


class Customers(Strict):
    """Traits every customer carries, drawn at arrival from their own random streams."""

    patience_days: Dist | None = None
    """Days after ordering a backordered customer waits before cancelling (absent: forever)."""
    max_quoted_wait_days: Dist | None = None
    """The longest quoted wait a customer accepts (absent: any)."""
    accept_probability: Annotated[float, Field(ge=0, le=1)] = 1.0
    """Chance a customer accepts a backorder at all."""
    informed_patience_factor: PosFloat = 1.0
    """With delay updates, remaining patience is multiplied by this at each new date."""

    _durations = field_validator("patience_days", "max_quoted_wait_days")(_duration)


Allocation = Literal["fifo", "smallest_first", "largest_first"]


class Backorder(Strict):
    """How a policy treats a customer whose order cannot ship in full at once."""

    allow: bool = False
    partial_fill: bool = False
    max_backlog_units: Annotated[int, Field(ge=0)] | None = None
    max_quoted_wait_days: NonNegFloat | None = None
    quote_eta: bool = False
    eta_padding_days: NonNegFloat = 0.0
    delay_updates: bool = False
    eta_update_min_days: PosFloat = 1.0
    allocation: Allocation = "fifo"

    @model_validator(mode="after")
    def _check(self) -> Backorder:
        if self.delay_updates and not self.quote_eta:
            raise ValueError("delay_updates: needs quote_eta: true")
        return self


class Policy(Strict):
    """One way of running the store; the first policy of a scenario is the baseline."""

    name: Annotated[str, Field(min_length=1)]
    backorder: Backorder = Field(default_factory=Backorder)
    overrides: dict[str, Any] = Field(default_factory=dict)
    """Parts of the scenario deep-merged over it for this policy (resolved by the loader)."""


class Objective(Strict):
    """How policies are ranked by `compare`."""

    metric: str = "profit"
    goal: Literal["max", "min"] = "max"


class Scenario(Strict):
    """A whole scenario file, after `extends:` and `--set` are applied."""

    name: Annotated[str, Field(min_length=1)]
    seed: Annotated[int, Field(ge=0)] = 1
    horizon_days: PosFloat
    warmup_days: NonNegFloat = 0.0
    replications: Annotated[int, Field(ge=1)] = 10
    objective: Objective = Field(default_factory=Objective)
    customers: Customers = Field(default_factory=Customers)
    products: Annotated[dict[str, Product], Field(min_length=1)]
    suppliers: Annotated[dict[str, Supplier], Field(min_length=1)]
    sourcing: SourcingSpec | None = None
    """Default sourcing for products that have none."""
    policies: Annotated[list[Policy], Field(min_length=1)]
    sweep: dict[str, list[Any]] | None = None
    """A grid of `KEY: [values]`, the same as `sweep --vary`."""

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        if self.warmup_days >= self.horizon_days:
            raise ValueError(
                f"warmup_days: must be less than horizon_days ({self.horizon_days:g}), "
                f"got {self.warmup_days:g}"
            )
        return self

    def sourcing_for(self, product_id: str) -> SourcingSpec:
        """The sourcing a product uses: its own, the default, or the only supplier."""
        product = self.products[product_id]
        if product.sourcing is not None:
            return product.sourcing
        if self.sourcing is not None:
            return self.sourcing
        only = next(iter(self.suppliers))
        return SourcingSpec(suppliers=[only])
