"""Big catalogues on many workers: one replication cut into pieces that run as tasks.

A catalogue's products are simulated in independent parts (products that share no supplier
with limited ``servers``; see :mod:`simulator.model.simulation`). When a run has too few
(policy, replication) tasks to keep every worker busy, the process pool and the Dask
executor cut each replication of a large catalogue into *pieces*, consecutive parts with
about the same number of products each, and run the pieces as tasks. A piece builds its
parts inside the task from the scenario the worker already has, one part at a time, and
sends back per-product metrics and totals (:class:`~simulator.model.piecewise.PieceResult`),
never a model. The pieces of a replication are put back together in a fixed order
(:func:`~simulator.model.piecewise.combine`), so the numbers are exactly those of the
replication run whole, for any number of workers.

The rule (:func:`split`): with ``target`` the number of tasks the executor likes to have
(workers × :data:`~simulator.experiment.executors.CHUNKS_PER_WORKER`) and T the run's
(policy, replication) tasks, a replication of a catalogue of N products in P parts is cut
into k = min(P, N // :data:`MIN_PIECE_PRODUCTS`, max(⌈target / T⌉ when T < target else 1,
⌈N / :data:`MAX_PIECE_PRODUCTS`⌉)) pieces, when k ≥ 2. So a run with replications enough
for every worker is not cut, unless its catalogue is so large that one replication's
results would make a worker's memory grow with the catalogue; a small catalogue, or one
whose products all interact (one part), is never cut.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.collector import paused_gc
from simulator.model import piecewise, simulation
from simulator.scenario.schema import Backorder, Scenario

if TYPE_CHECKING:
    from simulator.experiment.executors import Advance, Batch, TaskResult

MIN_PIECE_PRODUCTS = 1000
"""A piece holds at least this many products: building and running a product's part costs
about 0.2-1 ms even over a short horizon, so a piece is worth at least ~0.2 s of work,
well above what sending it and its results costs."""

MAX_PIECE_PRODUCTS = 20_000
"""A piece holds at most about this many products, so that a worker's memory for results
(about 4 kB a product) stays bounded however large the catalogue."""


@dataclass(frozen=True)
class Piece:
    """Runs parts ``first`` .. ``stop - 1`` of a replication: called like ``simulate``,
    it returns a :class:`~simulator.model.piecewise.PieceResult`."""

    first: int
    stop: int

    def __call__(
        self, scenario: Scenario, backorder: Backorder, seed: np.random.SeedSequence
    ) -> Any:
        return piecewise.run_piece(scenario, backorder, seed, self.first, self.stop)


def pieces(scenario: Scenario, count: int) -> list[Piece]:
    """``scenario``'s parts cut into ``count`` consecutive pieces (fewer when there are
    fewer parts) holding about the same number of products each (a part is never cut)."""
    sizes = [len(group) for group in piecewise.layout(scenario).groups]
    count = min(count, len(sizes))
    total = sum(sizes)
    out: list[Piece] = []
    first, seen = 0, 0
    for index, size in enumerate(sizes[:-1]):
        seen += size
        # close a piece once it reaches its share of the products, or when the parts left
        # are just enough for one piece each
        left = len(sizes) - index - 1
        if seen * count >= (len(out) + 1) * total or left == count - len(out) - 1:
            out.append(Piece(first, index + 1))
            first = index + 1
    out.append(Piece(first, len(sizes)))
    return out


def piece_count(scenario: Scenario, tasks: int, target: int) -> int:
    """How many pieces each replication of ``scenario`` is cut into, by the rule of this
    module's docstring, in a run of ``tasks`` (policy, replication) tasks on an executor
    that likes ``target`` tasks; 1: not cut."""
    products = len(scenario.products)
    parts = len(piecewise.layout(scenario).groups) if products >= 2 * MIN_PIECE_PRODUCTS else 1
    wanted = math.ceil(target / tasks) if tasks < target else 1
    wanted = max(wanted, math.ceil(products / MAX_PIECE_PRODUCTS))
    return max(1, min(parts, products // MIN_PIECE_PRODUCTS, wanted))


@dataclass
class Split:
    """A run's batches with the replications of large catalogues cut into pieces."""

    batches: list[Batch]
    """What the executor runs: whole batches, and piece batches (one per batch and piece,
    with every replication of the batch)."""
    tasks: int
    """How many (policy, replication) tasks the original batches hold."""
    scenarios: dict[int, Scenario] = field(default_factory=dict)
    """The scenario of each policy index that was cut."""

    def advance(self, advance: Advance | None) -> Advance | None:
        """A callback for the executor's finished tasks (pieces) that tells ``advance`` of
        finished replications (in proportion: a replication is about its pieces' share)."""
        if advance is None:
            return None
        total = sum(len(batch.tasks) for batch in self.batches)
        done, told = 0, 0

        def tell(k: int) -> None:
            nonlocal done, told
            done += k
            now = done * self.tasks // total
            if now > told:
                advance(now - told)
                told = now

        return tell

    def combine(self, results: Sequence[Any]) -> list[TaskResult]:
        """The executor's results with each cut replication's pieces combined into its
        metrics (exactly those of the replication run whole)."""
        with paused_gc():  # a big catalogue's results are millions of objects, no cycles
            return self._combine(results)

    def _combine(self, results: Sequence[Any]) -> list[TaskResult]:
        out: list[TaskResult] = []
        cut: dict[tuple[int, int], list[piecewise.PieceResult]] = {}
        for index, replication, outcome in results:
            if isinstance(outcome, piecewise.PieceResult):
                cut.setdefault((index, replication), []).append(outcome)
            else:
                out.append((index, replication, outcome))
        for (index, replication), got in cut.items():
            try:
                metrics = piecewise.combine(self.scenarios[index], got)
            except ValueError as exc:
                raise RuntimeError(
                    f"replication {replication} of policy index {index} came back incomplete: {exc}"
                ) from None
            out.append((index, replication, metrics))
        return out


def split(batches: Sequence[Batch], target: int) -> Split | None:
    """The batches with the replications of large catalogues cut into pieces, by the rule
    of this module's docstring; None when nothing is cut. Only batches of the real model
    (:func:`simulator.model.simulation.simulate`) are cut."""
    tasks = sum(len(batch.tasks) for batch in batches)
    if tasks == 0 or target < 2:
        return None
    out: list[Batch] = []
    result = Split(out, tasks)
    for batch in batches:
        count = 1
        if batch.simulate is simulation.simulate and batch.tasks:
            count = piece_count(batch.scenario, tasks, target)
        if count < 2:
            out.append(batch)
            continue
        for piece in pieces(batch.scenario, count):
            out.append(replace(batch, simulate=piece))
        for task in batch.tasks:
            result.scenarios[task.policy] = batch.scenario
    if len(out) == len(batches):
        return None
    return result
