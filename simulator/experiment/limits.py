"""The size check: how much work and memory a run will take, and refusing absurd runs.

Before anything runs, :func:`estimate` counts the model's events (customers, reviews,
disruption changes, replenishment cycles) from the scenario, multiplies by replications
and policies, and turns them into seconds with per-event costs calibrated on the reference
benchmark (``benchmarks/reference.py``; see ``docs/reliability.md``), and into bytes from
what each replication keeps. :func:`check_size` refuses a run that would take longer than
a bound (2 hours by default, or ``BACKORDER_SIM_MAX_HOURS``) or more memory than the
machine has, in one line with the estimate; ``force=True`` (``--force``) runs it anyway.

Commands that run replications (run, compare, sweep, optimize) all go through
:func:`simulator.experiment.runner.run_experiment`, which calls the check.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulator.experiment.errors import ExperimentError

if TYPE_CHECKING:
    from simulator.scenario import LoadedScenario
from simulator.scenario.schema import (
    Backorder,
    Demand,
    HistoryDemand,
    NoReplenishmentSpec,
    ReplenishmentSpec,
    RQSpec,
    Scenario,
    Seasonality,
    SSSpec,
)

SECONDS_PER_CUSTOMER = 2e-6
"""CPU seconds per customer order. The reference benchmark books about 2 million plain
customers a second; customers who carry traits (patience, quoted waits) or meet a backlog
cost several times that, so this is a middle value, not the best case."""
SECONDS_PER_EVENT = 10e-6
"""CPU seconds per scheduled event (a review, a disruption change, a replenishment order
and its delivery): each is a SimPy event and a policy decision."""
SECONDS_PER_PRODUCT = 2e-4
"""CPU seconds to build and summarise one product of one replication."""
BYTES_PER_RESULT = 6_000
"""Memory kept per product (and per supplier, and the store) per replication and policy:
its metrics, until the summary is taken."""
BYTES_PER_MODEL_PRODUCT = 40_000
"""Memory of one product's model while a replication runs (arrival blocks, samplers)."""
DEFAULT_MAX_HOURS = 2.0
"""Runs estimated to take longer than this (on the workers used) are refused."""
MAX_HOURS_VARIABLE = "BACKORDER_SIM_MAX_HOURS"
"""Environment variable that sets another bound, in hours."""
LONG_RUN_SECONDS = 60.0
"""A run estimated to take longer than this gets its estimate shown with the progress."""


@dataclass(frozen=True)
class Estimate:
    """What a run is expected to cost."""

    events: float
    """Model events in all replications of all policies (customers included)."""
    seconds: float
    """Wall-clock seconds on ``workers`` workers."""
    memory: float
    """Peak bytes (results kept, plus the models running at once)."""
    workers: int
    """Workers the time is for."""
    detail: str
    """The inputs, as ``replications x policies x ...``, for the message."""

    def describe(self) -> str:
        """``about 3.1e+09 events, 2.5 h on 2 workers, 1.2 GB``: the estimate in words."""
        return (
            f"about {self.events:.2g} events ({self.detail}), "
            f"{duration(self.seconds)} on {self.workers} worker{'s' * (self.workers != 1)}, "
            f"{size(self.memory)} of memory"
        )


def duration(seconds: float) -> str:
    """Seconds in the largest unit that keeps the number readable."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400 * 3:
        return f"{seconds / 3600:.1f} h"
    if seconds < 86400 * 365 * 3:
        return f"{seconds / 86400:.0f} days"
    return f"{seconds / (86400 * 365):.2g} years"


def size(n: float) -> str:
    """Bytes in kB, MB, GB or TB."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n / 1e3:.0f} kB"


def _rate(demand: Demand | HistoryDemand, horizon: float) -> float:
    """Mean orders a day of a product's demand over the horizon. A replayed or bootstrapped
    history is not counted (its orders are read only when the model is built): the size
    check then underestimates, it never refuses such a run wrongly."""
    if isinstance(demand, HistoryDemand):
        return 0.0
    return demand.rate_per_day * _mean_multiplier(demand.seasonality, horizon)


def events_per_replication(scenario: Scenario, backorder: Backorder) -> tuple[float, float]:
    """(customers, other scheduled events) expected in one replication of one policy."""
    horizon = scenario.horizon_days
    customers = 0.0
    scheduled = 0.0
    for product in scenario.products.values():
        rate = _rate(product.demand, horizon)
        orders = rate * horizon
        customers += orders
        period = product.replenishment.review_period_days
        if period is not None:
            scheduled += horizon / period + 1
        # replenishment cycles (an order and its delivery): at most one per customer
        scheduled += 2 * orders * _cycles_per_order(product.replenishment)
        if backorder.delay_updates:
            scheduled += orders * min(1.0, horizon / backorder.eta_update_min_days)
    for supplier in scenario.suppliers.values():
        outages = supplier.disruptions
        if isinstance(outages, list):
            scheduled += 2 * len(outages)
        elif outages is not None:
            cycle = outages.every_days.mean(nonnegative=True) + outages.duration_days.mean(
                nonnegative=True
            )
            scheduled += 2 * horizon / max(cycle, 1e-9)
    return customers, scheduled


def _mean_multiplier(windows: Sequence[Seasonality], horizon: float) -> float:
    """The average factor the seasonal windows apply over the run (windows independent)."""
    factor = 1.0
    for w in windows:
        start, end, repeat = w.start_day, w.end_day, w.repeat_every_days
        if repeat is None:
            share = max(0.0, min(end, horizon) - min(start, horizon)) / horizon
        else:
            share = min(1.0, (end - start) / repeat) * max(0.0, horizon - start) / horizon
        factor *= 1 + share * (w.multiplier - 1)
    return factor


def _cycles_per_order(spec: ReplenishmentSpec) -> float:
    """Replenishment orders per customer order, roughly: 1 / order quantity for (r, Q),
    one per customer for base stock under continuous review, none for ``none``."""
    if isinstance(spec, RQSpec):
        return 1.0 / spec.order_quantity
    if isinstance(spec, SSSpec):
        return 1.0 / max(1, spec.order_up_to - spec.reorder_point)
    if isinstance(spec, NoReplenishmentSpec):
        return 0.0
    return 1.0


def estimate(
    runs: Sequence[tuple[Scenario, Backorder]], replications: int, workers: int
) -> Estimate:
    """The cost of ``replications`` replications of each (scenario, backorder) in ``runs``
    (one per policy, or per grid point and policy) on ``workers`` workers."""
    customers = scheduled = products = 0.0
    largest = 0
    for scenario, backorder in runs:
        c, s = events_per_replication(scenario, backorder)
        customers += c
        scheduled += s
        products += len(scenario.products)
        largest = max(largest, len(scenario.products))
    cpu = replications * (
        customers * SECONDS_PER_CUSTOMER
        + scheduled * SECONDS_PER_EVENT
        + products * SECONDS_PER_PRODUCT
    )
    used = max(1, min(workers, replications * max(1, len(runs))))
    results = (
        replications
        * sum(len(sc.products) + len(sc.suppliers) + 1 for sc, _ in runs)
        * BYTES_PER_RESULT
    )
    memory = results + used * largest * BYTES_PER_MODEL_PRODUCT
    first = runs[0][0] if runs else None
    rate = (
        sum(getattr(p.demand, "rate_per_day", 0.0) for p in first.products.values())
        if first
        else 0.0
    )
    detail = (
        f"{replications:,} replications x {len(runs)} policies x "
        f"{largest:,} products x {first.horizon_days:g} days x {rate:g} orders/day"
        if first is not None
        else "nothing to run"
    )
    return Estimate(replications * (customers + scheduled), cpu / used, memory, used, detail)


def estimate_run(
    loaded: LoadedScenario,
    *,
    policies: Sequence[str] | None = None,
    replications: int | None = None,
    executor: str = "process",
    workers: int | None = None,
) -> Estimate:
    """The estimate of ``run_experiment`` with these options (for a note before a long run;
    unknown policy names are left to the run to report)."""
    chosen = [p for p in loaded.policies if policies is None or p.name in policies]
    count = loaded.scenario.replications if replications is None else replications
    used = 1 if executor == "serial" else (workers or cpu_count())
    return estimate([(p.scenario, p.backorder) for p in chosen], count, used)


def max_seconds() -> float:
    """The time bound: ``BACKORDER_SIM_MAX_HOURS`` hours if set (and a number), else 2 h."""
    text = os.environ.get(MAX_HOURS_VARIABLE)
    if text:
        try:
            hours = float(text)
        except ValueError:
            raise ExperimentError(
                f"{MAX_HOURS_VARIABLE} must be a number of hours, got {text!r}"
            ) from None
        if hours > 0:
            return hours * 3600
    return DEFAULT_MAX_HOURS * 3600


def machine_memory() -> float | None:
    """Bytes of memory this machine has (None when it cannot be told)."""
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return None


def check_size(found: Estimate, force: bool = False) -> None:
    """Refuse (:class:`ExperimentError`, one line) a run estimated to take longer than
    :func:`max_seconds` or more memory than the machine has, unless ``force``."""
    if force:
        return
    reasons = []
    bound = max_seconds()
    if found.seconds > bound:
        reasons.append(f"more than {duration(bound)}")
    memory = machine_memory()
    if memory is not None and found.memory > memory:
        reasons.append(f"more memory than this machine has ({size(memory)})")
    if reasons:
        raise ExperimentError(
            f"this run is too large: {found.describe()}, {' and '.join(reasons)}; "
            "use fewer replications, products or days, or --force to run it anyway"
        )


def cpu_count() -> int:
    """The CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def capped_workers(workers: int | None, force: bool = False) -> tuple[int | None, str | None]:
    """``workers`` capped at the CPU count unless ``force``, and the note to show when it
    was capped (None otherwise)."""
    cpus = cpu_count()
    if workers is None or workers <= cpus or force:
        return workers, None
    return cpus, (
        f"note: --workers {workers} capped at the {cpus} CPUs of this machine "
        "(--force to start them all)"
    )
