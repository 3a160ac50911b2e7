"""The typed schema of a scenario file: every key, its default and what it means.

The models here validate plain data (already read from YAML, merged with ``extends:`` and
``--set``). Line numbers and file names are attached by :mod:`simulator.scenario.loader`,
which maps each validation error back to the place in the file it came from.

Rules that tie several keys of one block together (``warmup_days < horizon_days``, ``s < S``,
...) are written once, as the block's :meth:`Strict.cross_checks`. The model validator runs
them on valid blocks; :func:`simulator.scenario.checks.check_rules` runs the same rules on
the plain data, so that they are reported even when another key of the block (or of the
file) is invalid, which stops pydantic before the model validator.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import cached_property
from typing import Annotated, Any, ClassVar, Literal, Self

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
from pydantic.json_schema import DEFAULT_REF_TEMPLATE, GenerateJsonSchema, JsonSchemaMode

from simulator.distributions import Distribution, parse_distribution
from simulator.fields import (
    MIN_PERIOD_DAYS,
    Days,
    Factor,
    Fraction,
    Horizon,
    Money,
    Multiplier,
    Period,
    Positive,
    PositiveUnits,
    Rate,
    Replications,
    Seed,
    Servers,
    SignedUnits,
    Units,
)


class _Unknown:
    """The type of :data:`UNKNOWN`."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()
"""A value :meth:`Strict.cross_checks` cannot use (missing, or invalid on its own): every
rule that needs it is skipped."""

Found = list[tuple[str, str]]
"""Problems found by cross checks: (key of the block, message)."""


def known(*values: Any) -> bool:
    """Whether none of `values` is :data:`UNKNOWN`."""
    for value in values:  # noqa: SIM110 (faster than all(...): runs for every block)
        if value is UNKNOWN:
            return False
    return True


class Strict(BaseModel):
    """Base for every block: unknown keys are errors, values are not coerced from strings."""

    # Field descriptions come from the attribute docstrings, read on demand (see
    # describe_fields): reading them at import would cost every command ~20 ms.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    cross_keys: ClassVar[tuple[str, ...]] = ()
    """The keys :meth:`cross_checks` reads."""

    @classmethod
    def model_json_schema(
        cls,
        by_alias: bool | None = None,
        ref_template: str = DEFAULT_REF_TEMPLATE,
        schema_generator: type[GenerateJsonSchema] = GenerateJsonSchema,
        mode: JsonSchemaMode = "validation",
        *,
        union_format: Literal["any_of", "primitive_type_array"] = "any_of",
    ) -> dict[str, Any]:
        """The JSON Schema of this block, every key described by its docstring."""
        from simulator.scenario.descriptions import describe_fields

        describe_fields()
        return super().model_json_schema(
            by_alias, ref_template, schema_generator, mode, union_format=union_format
        )

    @classmethod
    def cross_checks(cls, values: Mapping[str, Any]) -> Found:
        """Every problem between keys of this block, as (key, message) pairs.

        `values` maps each of :attr:`cross_keys` to its validated value (the default when
        absent), or to :data:`UNKNOWN` when it cannot be used; a rule that needs an UNKNOWN
        value is skipped.
        """
        return []

    @model_validator(mode="after")
    def _cross_check(self) -> Self:
        if not self.cross_keys:  # no rules (a product, its demand): nothing to call
            return self
        found = self.cross_checks({key: getattr(self, key) for key in self.cross_keys})
        if found:
            key, message = found[0]
            raise ValueError(f"{key}: {message}")
        return self


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


WINDOW_TOLERANCE = 1e-9
"""A repeating window whose length is within this relative distance of its period (equal up
to rounding) is one that never closes: it is accepted and applies from `start_day` on."""


class Seasonality(Strict):
    """A window of time in which the arrival rate is multiplied by `multiplier`.

    A repeating window as long as its period (up to :data:`WINDOW_TOLERANCE`) never closes.
    """

    start_day: Days
    """First day of the window (inclusive)."""
    end_day: Days
    """Day the window ends (exclusive)."""
    multiplier: Multiplier
    """Factor applied to `rate_per_day` inside the window; overlapping windows multiply."""
    repeat_every_days: Period | None = None
    """If set, the window recurs with this period (e.g. 365 for a yearly rush)."""

    @property
    def always_on(self) -> bool:
        """Whether the window, once started, never closes (it repeats as soon as it ends)."""
        repeat = self.repeat_every_days
        length = self.end_day - self.start_day
        return repeat is not None and length >= repeat * (1 - WINDOW_TOLERANCE)

    cross_keys = ("start_day", "end_day", "repeat_every_days")

    @classmethod
    def cross_checks(cls, values: Mapping[str, Any]) -> Found:
        start, end, repeat = (values[key] for key in cls.cross_keys)
        if not known(start, end):
            return []
        if end <= start:
            return [("end_day", _after_start(start, end))]
        if known(repeat) and repeat is not None and repeat < (end - start) * (1 - WINDOW_TOLERANCE):
            return [
                (
                    "repeat_every_days",
                    f"must be at least the window length ({end - start:g}), got {repeat:g}",
                )
            ]
        return []


def _after_start(start: float, end: float) -> str:
    return f"must be after start_day ({start:g}), got {end:g}"


class Demand(Strict):
    """How customers order one product."""

    rate_per_day: Rate
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


def _history_start(value: Any) -> Any:
    """``start:`` as a date-time (a YAML date, date-time or ISO text) or a number of days."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"must be a date (YYYY-MM-DD), a date-time or a number of days, got {value!r}")


class HistoryDemand(Strict):
    """Demand taken from an orders history (a CSV file) instead of a rate."""

    history: Annotated[str, Field(min_length=1)]
    """The orders CSV (as for ``fit``), relative to the scenario file; a local file."""
    product: Annotated[str, Field(min_length=1)] | None = None
    """The product whose orders are used (default: this product's own id)."""
    mode: Literal["replay", "bootstrap"] = "replay"
    """``replay``: the recorded orders, the same in every replication; ``bootstrap``: each
    replication resamples whole blocks of `block_days` days of the history."""
    block_days: Annotated[int, Field(ge=1)] = 7
    """Length of the blocks a bootstrap resamples."""
    start: Annotated[dt.datetime | float | None, BeforeValidator(_history_start)] = None
    """Day 0 of the history (default: the first day of the file); orders before it are
    left out."""


def _demand_kind(value: Any) -> str:
    """Which form of ``demand`` a value is: with ``history:`` it is a history, else a rate."""
    if isinstance(value, HistoryDemand) or (isinstance(value, dict) and "history" in value):
        return "history"
    return "rate"


DemandSpec = Annotated[
    Annotated[Demand, Tag("rate")] | Annotated[HistoryDemand, Tag("history")],
    Discriminator(_demand_kind),
]
"""A product's demand: a rate (``rate_per_day``, ...) or a history (``history: FILE``)."""


class _Review(Strict):
    review_period_days: Period | None = None
    """Periodic review every T days (at 0, T, 2T, ...); absent means continuous review."""


class BaseStockSpec(_Review):
    """Order up to `level` whenever the inventory position falls below it."""

    policy: Literal["base_stock"]
    level: Units


class RQSpec(_Review):
    """When IP <= r, order the smallest multiple of Q that lifts IP above r."""

    policy: Literal["rQ"]
    reorder_point: SignedUnits
    order_quantity: PositiveUnits

    cross_keys = ("reorder_point", "order_quantity")

    @classmethod
    def cross_checks(cls, values: Mapping[str, Any]) -> Found:
        r, q = values["reorder_point"], values["order_quantity"]
        if known(r, q) and r < -q:
            return [("reorder_point", f"must be >= -order_quantity ({-q}), got {r}")]
        return []


class SSSpec(_Review):
    """When IP <= s, order up to S."""

    policy: Literal["sS"]
    reorder_point: SignedUnits
    order_up_to: Units

    cross_keys = ("reorder_point", "order_up_to")

    @classmethod
    def cross_checks(cls, values: Mapping[str, Any]) -> Found:
        s, big_s = values["reorder_point"], values["order_up_to"]
        if not known(s, big_s):
            return []
        if s >= big_s:
            return [("reorder_point", f"s must be below order_up_to S ({big_s}), got {s}")]
        if s < -big_s:
            return [("reorder_point", f"must be >= -order_up_to ({-big_s}), got {s}")]
        return []


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
    switch_after_days: Days | None = None
    """`failover`: use the first supplier that is up and whose expected delivery is within this.

    Required by `failover` and refused with any other rule, except when it is a leftover: a
    later layer (a file that `extends:` this one, a `--set`, a policy's `overrides`) changed
    `rule` without writing `switch_after_days`; the leftover is then dropped."""
    fractions: list[Fraction] | None = None
    """`split`: share of each order per supplier (same length as `suppliers`, summing to 1).

    Required by `split` and refused with any other rule, except when it is a leftover (see
    `switch_after_days`), which is dropped."""

    cross_keys = ("suppliers", "rule", "switch_after_days", "fractions")

    @classmethod
    def cross_checks(cls, values: Mapping[str, Any]) -> Found:
        suppliers, rule, switch, fractions = (values[key] for key in cls.cross_keys)
        found: Found = []
        if known(suppliers) and len(set(suppliers)) != len(suppliers):
            found.append(("suppliers", "each supplier may be listed only once"))
        if known(rule, switch):
            if rule == "failover" and switch is None:
                found.append(("switch_after_days", "required key missing (rule failover needs it)"))
            elif rule != "failover" and switch is not None:
                found.append(("switch_after_days", f"only used by rule failover, not {rule}"))
        if known(rule, fractions):
            if rule != "split":
                if fractions is not None:
                    found.append(("fractions", f"only used by rule split, not {rule}"))
            elif fractions is None:
                found.append(("fractions", "required key missing (rule split needs it)"))
            elif known(suppliers) and len(fractions) != len(suppliers):
                found.append(
                    (
                        "fractions",
                        f"needs one entry per supplier ({len(suppliers)}), got {len(fractions)}",
                    )
                )
            elif abs(sum(fractions) - 1.0) > 1e-6:
                found.append(("fractions", f"must sum to 1, got {sum(fractions):g}"))
        return found


class Product(Strict):
    """One stocked product: its prices, costs, demand, replenishment and sourcing."""

    price: Money
    holding_cost_per_unit_day: Money = 0.0
    backlog_penalty_per_unit_day: Money = 0.0
    lost_sale_penalty_per_unit: Money = 0.0
    unit_cost: Money | None = None
    """What one unit costs to buy, where its supplier gives no ``unit_cost`` for it
    (absent: 0)."""
    initial_on_hand: Units = 0
    demand: DemandSpec
    replenishment: ReplenishmentSpec
    sourcing: SourcingSpec | None = None
    """Absent: the scenario's default `sourcing:`, else the only supplier."""


class DisruptionWindow(Strict):
    """A known outage from `start_day` to `end_day`."""

    start_day: Days
    end_day: Days

    cross_keys = ("start_day", "end_day")

    @classmethod
    def cross_checks(cls, values: Mapping[str, Any]) -> Found:
        start, end = values["start_day"], values["end_day"]
        if known(start, end) and end <= start:
            return [("end_day", _after_start(start, end))]
        return []


class RandomDisruptions(Strict):
    """Outages that recur at random: up for `every_days`, then down for `duration_days`."""

    every_days: Dist
    duration_days: Dist

    _durations = field_validator("every_days", "duration_days")(_duration)

    cross_keys = ("every_days", "duration_days")

    @classmethod
    def cross_checks(cls, values: Mapping[str, Any]) -> Found:
        """Up time plus outage must take time on average, or the clock would never move."""
        every, duration = values["every_days"], values["duration_days"]
        if not known(every, duration):
            return []
        cycle = every.mean(nonnegative=True) + duration.mean(nonnegative=True)
        if not cycle >= MIN_PERIOD_DAYS:
            return [
                (
                    "every_days",
                    f"the mean up time plus the mean outage must be at least "
                    f"{MIN_PERIOD_DAYS:g} days, got {cycle:g}",
                )
            ]
        return []


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


def _cost_kind(value: Any) -> str | None:
    """Which form of a supplier's ``unit_cost`` a value is: a number, or a map by product."""
    if isinstance(value, dict):
        return "by_product"
    if isinstance(value, int | float):  # true/false too: "must be a number, got true"
        return "number"
    return None


UnitCost = Annotated[
    Annotated[Money, Tag("number")] | Annotated[dict[str, Money], Tag("by_product")],
    Discriminator(
        _cost_kind,
        custom_error_type="unit_cost_type",
        custom_error_message="must be a number >= 0 or a map of product id: number",
    ),
]
"""A supplier's unit cost: one number for all products, or one per product id."""


class Supplier(Strict):
    """A source of stock with a random lead time."""

    lead_time_days: Dist
    unit_cost: UnitCost | None = None
    """What a unit costs from this supplier: one number for every product, or a map by
    product id (a product it leaves out costs its own ``unit_cost``). Absent: each
    product's own ``unit_cost``. See :meth:`Scenario.unit_cost`."""
    order_cost: Money = 0.0
    servers: Servers | None = None
    """Orders worked on at once; absent means unlimited (independent lead times)."""
    hold_shipments: bool = False
    """During a disruption nothing in progress arrives before the disruption ends."""
    disruptions: Disruptions | None = None
    """Random outages (a mapping) or known windows (a list); absent means never disrupted."""

    _durations = field_validator("lead_time_days")(_duration)

    cross_keys = ("disruptions",)

    @classmethod
    def cross_checks(cls, values: Mapping[str, Any]) -> Found:
        """Known windows may not overlap; `disruptions` may hold only the usable windows."""
        disruptions = values["disruptions"]
        if not known(disruptions) or not isinstance(disruptions, list):
            return []
        found: Found = []
        reach: DisruptionWindow | None = None  # the window reaching furthest so far
        for window in sorted(disruptions, key=lambda w: w.start_day):
            if reach is not None and window.start_day < reach.end_day:
                found.append(
                    (
                        "disruptions",
                        f"windows [{reach.start_day:g}, {reach.end_day:g}) and "
                        f"[{window.start_day:g}, {window.end_day:g}) overlap",
                    )
                )
            if reach is None or window.end_day > reach.end_day:
                reach = window
        return found


Loss = Fraction
"""The fraction of goodwill one bad experience takes away."""


class Goodwill(Strict):
    """Customers remember (DESIGN.md §1, Goodwill): a level G in [floor, 1], starting at 1,
    that each potential customer orders with; bad experiences multiply it by (1 - loss)."""

    scope: Literal["product", "store"] = "product"
    """One level per product, or one for the whole store."""
    lost_order: Loss = 0.0
    """Loss when an order's short part is refused or declined (at order time)."""
    cancelled_order: Loss = 0.0
    """Loss when a backordered customer cancels."""
    late_order: Loss = 0.0
    """Loss, once per order, when its quoted date passes unfilled (unquoted: when it has
    waited ``customers.expected_wait_days``)."""
    recovery_days: Period | None = None
    """Between bad experiences 1 - G decays as exp(-days / recovery_days); null: never."""
    floor: Fraction = 0.0
    """G never drops below this."""

    @property
    def can_change(self) -> bool:
        """Whether any bad experience costs goodwill (with no loss, G stays 1)."""
        return self.lost_order > 0 or self.cancelled_order > 0 or self.late_order > 0


class Customers(Strict):
    """Traits every customer carries, drawn at arrival from their own random streams."""

    patience_days: Dist | None = None
    """Days after ordering a backordered customer waits before cancelling (absent: forever)."""
    max_quoted_wait_days: Dist | None = None
    """The longest quoted wait a customer accepts (absent: any)."""
    accept_probability: Fraction = 1.0
    """Chance a customer accepts a backorder at all."""
    informed_patience_factor: Factor = 1.0
    """With delay updates, remaining patience is multiplied by this at each new date."""
    expected_wait_days: Period = 3.0
    """How long an unquoted backordered customer expects to wait: served within it is "as
    promised", later is late (the experience mix, and goodwill's ``late_order``)."""
    goodwill: Goodwill | None = None
    """Off when absent: every potential customer orders."""

    _durations = field_validator("patience_days", "max_quoted_wait_days")(_duration)


Allocation = Literal["fifo", "smallest_first", "largest_first"]


class Backorder(Strict):
    """How a policy treats a customer whose order cannot ship in full at once."""

    allow: bool = False
    partial_fill: bool = False
    max_backlog_units: Units | None = None
    max_quoted_wait_days: Days | None = None
    quote_eta: bool = False
    eta_padding_days: Days = 0.0
    delay_updates: bool = False
    eta_update_min_days: Period = 1.0
    allocation: Allocation = "fifo"

    cross_keys = ("quote_eta", "delay_updates")

    @classmethod
    def cross_checks(cls, values: Mapping[str, Any]) -> Found:
        quote_eta, delay_updates = values["quote_eta"], values["delay_updates"]
        if known(quote_eta, delay_updates) and delay_updates and not quote_eta:
            return [("delay_updates", "needs quote_eta: true")]
        return []


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


CONSTRAINT_PATTERN = (
    r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*(>=|<=)\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"
)
"""A constraint of `optimize`: ``METRIC>=VALUE`` or ``METRIC<=VALUE``."""


def _constraint(value: Any) -> Any:
    import re

    if isinstance(value, str) and not re.match(CONSTRAINT_PATTERN, value):
        raise ValueError(
            f"must be METRIC>=VALUE or METRIC<=VALUE, e.g. fill_rate>=0.95, got {value!r}"
        )
    return value


class OptimizeBlock(Strict):
    """The search of `optimize`; each of its command-line options replaces one field."""

    vary: dict[str, list[Any] | str] = Field(default_factory=dict)
    """Each dotted key and its values: a list, or a `START:STOP:STEP` string."""
    objective: Objective | None = None
    """What to optimise (default: the scenario's `objective`)."""
    constraints: list[Annotated[str, BeforeValidator(_constraint)]] = Field(default_factory=list)
    """Service levels that must hold with 95% confidence, e.g. `fill_rate>=0.95`."""
    budget: Annotated[int, Field(ge=1, le=10**9)] | None = None
    """The most replications the search may simulate in all (shared evenly among policies)."""
    indifference: Positive | None = None
    """δ: the smallest difference in the objective worth telling apart."""


class Scenario(Strict):
    """A whole scenario file, after `extends:` and `--set` are applied."""

    name: Annotated[str, Field(min_length=1)]
    seed: Seed = 1
    horizon_days: Horizon
    warmup_days: Days = 0.0
    replications: Replications = 10
    objective: Objective = Field(default_factory=Objective)
    customers: Customers = Field(default_factory=Customers)
    products: Annotated[dict[str, Product], Field(min_length=1)]
    suppliers: Annotated[dict[str, Supplier], Field(min_length=1)]
    sourcing: SourcingSpec | None = None
    """Default sourcing for products that have none."""
    policies: Annotated[list[Policy], Field(min_length=1)]
    sweep: dict[str, list[Any]] | None = None
    """A grid of `KEY: [values]`, the same as `sweep --vary`."""
    optimize: OptimizeBlock | None = None
    """The search of `optimize` (the same fields as its options)."""

    cross_keys = ("horizon_days", "warmup_days")

    @classmethod
    def cross_checks(cls, values: Mapping[str, Any]) -> Found:
        horizon, warmup = values["horizon_days"], values["warmup_days"]
        if known(horizon, warmup) and warmup >= horizon:
            return [
                ("warmup_days", f"must be less than horizon_days ({horizon:g}), got {warmup:g}")
            ]
        return []

    def unit_cost(self, supplier_id: str, product_id: str) -> float:
        """What a unit of product ``product_id`` costs from supplier ``supplier_id``.

        The supplier's entry for the product, else the supplier's single number, else the
        product's own ``unit_cost``, else 0 (DESIGN.md §1).
        """
        given = self.suppliers[supplier_id].unit_cost
        if isinstance(given, dict):
            given = given.get(product_id)
        if given is None:
            given = self.products[product_id].unit_cost
        return 0.0 if given is None else float(given)

    def sourcing_for(self, product_id: str) -> SourcingSpec:
        """The sourcing a product uses: its own, the default, or the only supplier."""
        product = self.products[product_id]
        if product.sourcing is not None:
            return product.sourcing
        if self.sourcing is not None:
            return self.sourcing
        return self._only_supplier

    @cached_property
    def _only_supplier(self) -> SourcingSpec:
        """Sourcing from the only supplier: one shared spec, however many products use it."""
        return SourcingSpec(suppliers=[next(iter(self.suppliers))])
