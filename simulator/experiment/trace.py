"""One replication of one policy, event by event: the data behind ``backorder-sim trace``.

The events come from the model itself through its observer interface
(:mod:`simulator.model.observe`); this module runs the replication, keeps the events (of one
product, if asked) in time order and counts what they add up to, so the story told can be
checked against ``run``'s metrics for the same replication.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulator.experiment.errors import ExperimentError, did_you_mean
from simulator.experiment.rendering import render
from simulator.experiment.runner import select_policies
from simulator.metrics.record import ReplicationMetrics
from simulator.model.observe import ModelEvent
from simulator.streams import replication_seeds

if TYPE_CHECKING:
    from simulator.scenario import LoadedScenario

COUNTS = (
    "units_demanded",
    "units_filled_immediately",
    "units_filled_from_backorder",
    "units_backordered",
    "units_refused",
    "units_declined",
    "units_cancelled",
    "open_backlog_units_end",
    "replenishment_orders",
)
"""What :meth:`TraceResult.counts` adds up, named as the metrics they must equal."""


@dataclass(frozen=True)
class LevelPath:
    """Stock levels as step functions: each value holds from its time to the next."""

    times: list[float]
    on_hand: list[int]
    backlog: list[int]
    on_order: list[int]


@dataclass(frozen=True)
class Disruption:
    """One supplier outage seen in the trace: ``start`` to ``end`` (None: past the end)."""

    supplier: str
    start: float
    end: float | None


@dataclass(frozen=True)
class TraceResult:
    """The events of one replication of one policy, in time order, and what it measured."""

    scenario: str
    policy: str
    replication: int
    """1 for the first replication of ``run`` (the first child of the seed), and so on."""
    seed: int
    horizon_days: float
    warmup_days: float
    product: str | None
    """The product the events are limited to (None: every product)."""
    products: dict[str, str]
    """Product id -> its unit, as the story names it (the id itself)."""
    initial_on_hand: int
    """Units on hand at day 0 (summed over the products traced)."""
    events: list[ModelEvent]
    metrics: ReplicationMetrics
    """The replication's metrics, exactly as ``run`` computes them."""

    def counts(self) -> dict[str, int]:
        """The window's counts, added up from the events alone (DESIGN §2 raw counts).

        They equal the replication's metrics (store level, or the traced product's).
        """
        total = dict.fromkeys(COUNTS, 0)
        window: set[tuple[str | None, int]] = set()
        for e in self.events:
            d = e.detail
            if e.kind == "order" and d["in_window"]:
                assert e.customer is not None and e.units is not None
                window.add((e.product, e.customer))
                total["units_demanded"] += e.units
                total["units_filled_immediately"] += d["shipped_now"]
                total["units_backordered"] += d["backordered"]
                total["units_refused"] += d["refused"]
                total["units_declined"] += d["declined"]
            elif e.kind in ("backorder_shipped", "cancelled"):
                if (e.product, e.customer) in window:
                    assert e.units is not None
                    key = (
                        "units_filled_from_backorder"
                        if e.kind != "cancelled"
                        else "units_cancelled"
                    )
                    total[key] += e.units
            elif e.kind == "replenishment" and d["in_window"]:
                total["replenishment_orders"] += 1
        total["open_backlog_units_end"] = (
            total["units_backordered"]
            - total["units_filled_from_backorder"]
            - total["units_cancelled"]
        )
        return total

    def disruptions(self) -> list[Disruption]:
        """Every supplier outage in the trace, in time order."""
        out: list[Disruption] = []
        open_: dict[str, float] = {}
        for e in self.events:
            assert e.supplier is not None or e.kind not in ("disruption_start", "disruption_end")
            if e.kind == "disruption_start" and e.supplier is not None:
                open_[e.supplier] = e.time
            elif e.kind == "disruption_end" and e.supplier in open_:
                out.append(Disruption(e.supplier, open_.pop(e.supplier), e.time))
        out.extend(Disruption(s, t, None) for s, t in open_.items())
        return sorted(out, key=lambda d: d.start)

    def path(self) -> LevelPath:
        """On hand, backlog and on order after every event (summed over the products traced),
        as step functions from day 0 to the horizon."""
        latest: dict[str, tuple[int, int, int]] = {}
        times: list[float] = [0.0]
        levels: list[tuple[int, int, int]] = [(self.initial_on_hand, 0, 0)]
        for e in self.events:
            if e.product is None or e.on_hand is None:
                continue
            assert e.backlog is not None and e.on_order is not None
            latest[e.product] = (e.on_hand, e.backlog, e.on_order)
            total = tuple(map(sum, zip(*latest.values(), strict=True)))
            if e.time == times[-1]:
                levels[-1] = total  # type: ignore[assignment]
            else:
                times.append(e.time)
                levels.append(total)  # type: ignore[arg-type]
        times.append(self.horizon_days)
        levels.append(levels[-1])
        on_hand, backlog, on_order = (list(c) for c in zip(*levels, strict=True))
        return LevelPath(times, on_hand, backlog, on_order)

    def _repr_html_(self) -> str:
        """The story as ``trace`` prints it (Jupyter shows it)."""
        text: str = render(self, "html")
        return text

    def to_frame(self) -> Any:
        """A pandas DataFrame, one row per event, the columns of ``trace --csv`` (needs
        pandas, the ``frames`` extra)."""
        return render(self, "frame")

    def rows(self) -> list[dict[str, Any]]:
        """One plain record per event, in the columns of ``trace --csv`` (DESIGN §4)."""
        return [
            {
                "time": e.time,
                "kind": e.kind,
                "product": e.product,
                "supplier": e.supplier,
                "customer": e.customer,
                "units": e.units,
                "on_hand": e.on_hand,
                "backlog": e.backlog,
                "on_order": e.on_order,
                "detail": e.detail,
            }
            for e in self.events
        ]


def _merge_disruptions(events: list[ModelEvent]) -> list[ModelEvent]:
    """A supplier simulated as several copies (one per part of the model) reports each
    outage once per copy: keep one, with every copy's next-supplier choices."""
    out: list[ModelEvent] = []
    seen: dict[tuple[str | None, str, float], ModelEvent] = {}
    for e in events:
        if e.kind in ("disruption_start", "disruption_end"):
            key = (e.supplier, e.kind, e.time)
            first = seen.get(key)
            if first is not None:
                first.detail["next_supplier"].update(e.detail["next_supplier"])
                continue
            seen[key] = e
        out.append(e)
    return out


def trace_replication(
    loaded: LoadedScenario,
    policy: str,
    *,
    replication: int = 1,
    days: float | None = None,
    product: str | None = None,
    seed: int | None = None,
) -> TraceResult:
    """Run replication ``replication`` (1-based) of ``policy`` and keep every event.

    ``days`` shortens the horizon to that many days (the run then stops there, as with
    ``--set horizon_days=DAYS``); ``product`` keeps only that product's events (and the
    suppliers'). ``seed`` defaults to the scenario's. The metrics are those ``run`` gives
    replication ``replication`` with the same seed and horizon.

    Raises :class:`ExperimentError` for an unknown policy or product or a bad number.
    """
    from simulator.model import simulation

    if days is not None:
        if not days > 0:
            raise ExperimentError(f"days (={days:g}) must be > 0")
        if days <= loaded.scenario.warmup_days:
            raise ExperimentError(
                f"days (={days:g}) must be > warmup_days (={loaded.scenario.warmup_days:g})"
            )
        loaded = loaded.with_sets([f"horizon_days={days!r}"])
    chosen = select_policies(loaded.policies, [policy])[0]
    scenario = chosen.scenario
    if product is not None and product not in scenario.products:
        known = list(scenario.products)
        raise ExperimentError(
            f"unknown product {product!r}{did_you_mean(product, known)}; "
            f"known products: {', '.join(known)}"
        )
    if replication < 1:
        raise ExperimentError(f"replication (={replication}) must be >= 1")
    base_seed = loaded.scenario.seed if seed is None else seed
    if base_seed < 0:
        raise ExperimentError(f"seed (={base_seed}) must be >= 0")
    child = replication_seeds(base_seed, replication)[replication - 1]
    events: list[ModelEvent] = []
    model = simulation.build(scenario, chosen.backorder, child, observer=events.append)
    metrics = simulation.run_model(model)
    # Parts of the model run one after another: put their events back in time order
    # (a stable sort keeps the order of simultaneous events within a part).
    events.sort(key=lambda e: e.time)
    events = _merge_disruptions(events)
    if product is not None:
        events = [e for e in events if e.product in (product, None)]
    return TraceResult(
        scenario=scenario.name,
        policy=chosen.name,
        replication=replication,
        seed=base_seed,
        horizon_days=scenario.horizon_days,
        warmup_days=scenario.warmup_days,
        product=product,
        products={pid: pid for pid in scenario.products},
        initial_on_hand=sum(
            spec.initial_on_hand
            for pid, spec in scenario.products.items()
            if product is None or pid == product
        ),
        events=events,
        metrics=metrics,
    )
