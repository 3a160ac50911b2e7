"""One replication run a piece at a time: a piece is consecutive independent parts of the
model (:mod:`simulator.model.simulation`), each built just before it runs and reduced to
small summaries just after, so memory holds one part's model at a time.

A piece's :class:`PieceResult` holds, for each of its products, the product's metrics and
its window totals as one row of numbers; the wait histogram of all its products merged;
and a :class:`~simulator.model.suppliers.SupplierTally` per supplier copy. :func:`combine`
puts the pieces of a replication back together in a fixed order: the products' totals are
added one product after another in the scenario's order, and the supplier tallies in part
order, exactly as :func:`~simulator.model.simulation.run_model` adds them for one big
model. The result is therefore the same to the last bit however the parts were cut into
pieces, and wherever the pieces ran (in this process, a process pool, a Dask cluster).
"""

from __future__ import annotations

import gc
from collections import Counter
from dataclasses import dataclass, fields

import numpy as np

from simulator.collector import paused_gc
from simulator.metrics.ledger import Totals, coarse_wait_hist, store_metrics
from simulator.metrics.record import WAIT_HIST_DAYS, ReplicationMetrics, Value
from simulator.model.simulation import Layout, build_part, run_part
from simulator.model.suppliers import SupplierTally, pooled_metrics
from simulator.policies.backorder import BackorderPolicy
from simulator.scenario.schema import Backorder, Scenario
from simulator.streams import RandomStreams

SUMMED: tuple[str, ...] = tuple(
    f.name for f in fields(Totals) if f.name not in ("window_days", "wait_max", "wait_hist")
)
"""The fields of :class:`Totals` that pool by adding, in a row's column order."""
COUNTS: frozenset[str] = frozenset(f.name for f in fields(Totals) if type(f.default) is int)
"""Those that are counts (whole numbers); the others are sums of floats."""


@dataclass
class PieceResult:
    """What parts ``first`` .. ``stop - 1`` of one replication measured."""

    first: int
    """The first part of the piece."""
    stop: int
    """One past its last part."""
    parts: int
    """How many parts the whole model has."""
    window_days: float
    """The length of the measurement window."""
    products: dict[str, dict[str, Value]]
    """Each product's metrics, in part order."""
    totals: np.ndarray
    """Each product's window totals (the :data:`SUMMED` fields of its :class:`Totals`),
    one row per product in the order of :attr:`products`. Counts are exact in float64."""
    wait_max: float
    """The longest wait of any of its products."""
    wait_hist: dict[int, int]
    """Backordered units shipped, by wait bin of ``WAIT_BIN_DAYS``, all its products merged."""
    suppliers: list[dict[str, SupplierTally]]
    """For each part of the piece, in order, the tallies of its supplier copies."""


COLLECT_PRODUCTS = 256
"""The reduced parts of a piece are freed after about this many products."""

_LAYOUT: tuple[Scenario, Layout] | None = None
"""The layout of the scenario seen last: the pieces of a replication (and all the
replications and pieces a worker runs for one scenario) work it out once."""


def layout(scenario: Scenario) -> Layout:
    """The :class:`Layout` of ``scenario``'s model (remembered for the last scenario)."""
    global _LAYOUT
    if _LAYOUT is None or _LAYOUT[0] is not scenario:
        _LAYOUT = (scenario, Layout.of(scenario))
    return _LAYOUT[1]


def run_piece(
    scenario: Scenario,
    backorder: Backorder,
    seed: np.random.SeedSequence,
    first: int = 0,
    stop: int | None = None,
) -> PieceResult:
    """Build, run and reduce parts ``first`` .. ``stop - 1`` (default: to the last part) of
    one replication of ``scenario`` under ``backorder``, one part at a time."""
    plan = layout(scenario)
    stop = len(plan.groups) if stop is None else stop
    if not 0 <= first < stop <= len(plan.groups):
        raise ValueError(f"parts {first}..{stop} are not within 0..{len(plan.groups)}")
    streams = RandomStreams(seed)
    policy = BackorderPolicy(backorder, scenario.customers)
    products: dict[str, dict[str, Value]] = {}
    rows: list[list[float]] = []
    hist: Counter[int] = Counter()
    wait_max = window = 0.0
    suppliers: list[dict[str, SupplierTally]] = []
    # No automatic collection for the whole piece: a full one would walk everything in
    # memory, a 100,000-product scenario's millions of objects included (and, in a forked
    # worker, copy the pages they live on). The parts already reduced (they hold cycles)
    # are young objects: collecting the young generations alone, every COLLECT_PRODUCTS
    # products, frees them without looking at the rest.
    with paused_gc():
        since = 0
        for index in range(first, stop):
            part = build_part(scenario, plan, index, policy, streams)
            run_part(part)
            for pid, store in part.stores.items():
                totals = store.totals()
                products[pid] = store_metrics(totals)
                rows.append([getattr(totals, name) for name in SUMMED])
                hist.update(totals.wait_hist)
                wait_max = max(wait_max, totals.wait_max)
                window = totals.window_days
            suppliers.append({sid: SupplierTally.of(s) for sid, s in part.suppliers.items()})
            since += len(part.stores)
            del part, store  # the last store, too, holds the part's model
            if since >= COLLECT_PRODUCTS:
                gc.collect(1)
                since = 0
    return PieceResult(
        first=first,
        stop=stop,
        parts=len(plan.groups),
        window_days=window,
        products=products,
        totals=np.array(rows, dtype=np.float64).reshape(len(rows), len(SUMMED)),
        wait_max=wait_max,
        wait_hist=dict(hist),
        suppliers=suppliers,
    )


def combine(scenario: Scenario, pieces: list[PieceResult]) -> ReplicationMetrics:
    """The metrics of one replication from all its pieces (in any order): exactly those of
    the whole model run at once. A missing or overlapping piece is a ValueError."""
    pieces = sorted(pieces, key=lambda piece: piece.first)
    reach = 0
    for piece in pieces:
        if piece.first != reach:
            raise ValueError(f"pieces of a replication do not join at part {reach}")
        reach = piece.stop
    if not pieces or reach != pieces[0].parts:
        raise ValueError(f"pieces of a replication end at part {reach}, not at its last part")
    where: dict[str, int] = {}
    offset = 0
    for piece in pieces:
        for k, pid in enumerate(piece.products):
            where[pid] = offset + k
        offset += len(piece.products)
    order = [where[pid] for pid in scenario.products]
    # One product after another in the scenario's order, from zero, as Totals.pooled adds
    # them: accumulate adds row by row (never pairwise), so every sum is bit for bit the same.
    rows = np.concatenate([np.zeros((1, len(SUMMED)))] + [piece.totals for piece in pieces])
    sums = np.add.accumulate(rows[[0, *(i + 1 for i in order)]], axis=0)[-1].tolist()
    pooled = Totals(window_days=pieces[0].window_days)
    for name, value in zip(SUMMED, sums, strict=True):
        setattr(pooled, name, int(value) if name in COUNTS else value)
    pooled.wait_max = max(piece.wait_max for piece in pieces)
    for piece in pieces:
        pooled.wait_hist.update(piece.wait_hist)
    metrics = {pid: m for piece in pieces for pid, m in piece.products.items()}
    tallies: dict[str, list[SupplierTally]] = {sid: [] for sid in scenario.suppliers}
    for piece in pieces:
        for part in piece.suppliers:
            for sid, tally in part.items():
                tallies[sid].append(tally)
    return ReplicationMetrics(
        store=store_metrics(pooled),
        wait_hist=coarse_wait_hist(pooled.wait_hist, WAIT_HIST_DAYS),
        products={pid: metrics[pid] for pid in scenario.products},
        suppliers={sid: pooled_metrics(copies) for sid, copies in tallies.items()},
    )
