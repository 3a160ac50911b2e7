"""The pattern search of ``optimize`` for grids too large to screen whole.

A compass search on the grid's indices (Torczon's generalised pattern search in its simplest
form, on a lattice): poll ±step along each key, move to the best polled point while one is
better, halve the steps when none is. It relies on the objective being unimodal along each
key, which inventory costs usually are in the reorder level and the order quantity; the
screening of :mod:`simulator.experiment.optimize` then runs on its finalists.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from simulator.experiment.errors import ExperimentError
from simulator.experiment.optimize import (
    FINALISTS,
    SCREEN_LIMIT,
    Candidate,
    Evaluator,
    objective_matrix,
)
from simulator.experiment.optimize_spec import Constraint, Goal


class Grid(Protocol):
    """The candidates of a grid, by the index of their value along each key."""

    shape: tuple[int, ...]
    """How many values each key has."""

    def get(self, coords: tuple[int, ...]) -> Candidate | None:
        """The candidate at ``coords`` (None: the scenario refuses its settings)."""

    def start(self) -> tuple[int, ...]:
        """Where the search starts: the middle, or the accepted point nearest to it."""

    def evaluated(self) -> list[Candidate]:
        """The candidates simulated so far, in grid order."""


def box(at: tuple[int, ...], shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """The points around ``at`` the final screening also gets: every point within 2 steps
    along every key when there are at most :data:`SCREEN_LIMIT` of them (two keys), else
    within 1 step (and along at most the first 3 keys), inside the grid."""
    radius = 2 if 5 ** len(shape) <= SCREEN_LIMIT else 1
    ranges = [
        range(max(0, x - radius), min(n, x + radius + 1)) if axis < 3 else range(x, x + 1)
        for axis, (x, n) in enumerate(zip(at, shape, strict=True))
    ]
    return list(itertools.product(*ranges))


def pattern_search(
    grid: Grid,
    evaluator: Evaluator,
    goal: Goal,
    constraints: Sequence[Constraint],
    n0: int,
) -> list[Candidate]:
    """A compass search over the grid's indices at ``n0`` replications; the finalists.

    A point is better than another when it misses the constraints by less (the sum of the
    shortfalls of the means, each relative to its target), then when its mean objective is
    better. The search starts at the middle of the grid with steps of a quarter of each
    key's range, moves to the best polled neighbour while one is better, and halves the
    steps when none is; it stops at steps of 1 with no better neighbour, or when the budget
    cannot pay for the next poll. The finalists are the :data:`FINALISTS` best points seen
    and the :func:`box` around the point where it stopped (the optimum of an inventory cost
    often lies in a diagonal valley, which a search along the axes approaches slowly).
    """

    def score(c: Candidate) -> tuple[float, float]:
        miss = 0.0
        for k in constraints:
            values = [v for v in c.values(k.metric) if v is not None]
            mean = float(np.mean(values)) if values else None
            miss += k.shortfall(mean) / (abs(k.value) or 1.0)
        return (miss, -float(objective_matrix([c], goal, n0).mean()))

    def neighbours(at: tuple[int, ...], steps: Sequence[int]) -> list[Candidate]:
        """The accepted points ±step along each key from ``at``."""
        found = []
        for axis, step in enumerate(steps):
            for move in (-step, step):
                p = list(at)
                p[axis] += move
                if 0 <= p[axis] < grid.shape[axis]:
                    c = grid.get(tuple(p))
                    if c is not None:
                        found.append(c)
        return found

    def visit(points: list[Candidate]) -> bool:
        """Run n0 replications of the points not yet run; False if the budget cannot."""
        todo = [c for c in points if len(c.replications) < n0]
        if n0 * len(todo) > evaluator.remaining:
            return False
        evaluator.extend(todo, n0)
        return True

    current = grid.get(grid.start())
    assert current is not None
    if not visit([current]):
        raise ExperimentError(
            f"{evaluator.budget_text} is too small to evaluate even one candidate "
            f"at {n0} replications"
        )
    steps = [max(1, n // 4) for n in grid.shape]
    while True:
        polls = neighbours(current.coords, steps)
        if not visit(polls):
            break
        best = min([current, *polls], key=score)
        if best is not current:
            current = best
            continue
        if all(step == 1 for step in steps):
            break
        steps = [max(1, step // 2) for step in steps]
    evaluated = [c for c in grid.evaluated() if len(c.replications) >= n0]
    ranked = sorted(evaluated, key=score)
    finalists = {id(c): c for c in ranked[:FINALISTS]}
    around = [c for c in map(grid.get, box(current.coords, grid.shape)) if c is not None]
    if visit(around):
        for c in around:
            finalists.setdefault(id(c), c)
    chosen = sorted(finalists.values(), key=lambda c: c.index)
    for c in evaluated:
        if id(c) not in finalists:
            c.status = "finalist-cut"
    return chosen
