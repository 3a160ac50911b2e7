"""Search the settings of a policy for the best objective under service-level constraints.

Each candidate is the policy with one point of the grid applied (see
:func:`simulator.experiment.grid.apply_settings`). Replication r of every candidate uses the
r-th child seed, so candidates are paired (common random numbers), and replications run
through the executor interface in batches of many candidates at once, so the process pool
and Dask work and the numbers depend on the seed alone.

Two searches (:mod:`simulator.experiment.selection` holds the statistics):

- **screening** (grids of up to :data:`SCREEN_LIMIT` candidates): every candidate gets a
  first stage of n0 replications, then Kim & Nelson's sequential elimination adds
  replications only to the candidates still in contention, up to the full replications;
  constraints are judged with one-sided 95% bounds after every batch.
- **pattern search** (larger grids, :mod:`simulator.experiment.optimize_pattern`): a
  compass search on the grid's indices, polling ±step along each key at n0 replications
  and halving the steps when no neighbour is better; it relies on the objective being
  unimodal along each key (inventory costs are convex in the reorder level). The
  screening then runs on the best few points it saw and the points around where it
  stopped.

The final answer (:mod:`simulator.experiment.optimize_answer`) says what the procedure knows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.experiment.errors import ExperimentError
from simulator.experiment.executors import Batch, Executor, SimulateFn, Task
from simulator.experiment.optimize_spec import Constraint, Goal, default_indifference
from simulator.experiment.selection import (
    FEASIBLE,
    INFEASIBLE,
    Judgement,
    KimNelson,
    combine,
    judge,
)
from simulator.metrics.record import ReplicationMetrics
from simulator.scenario.loader import ResolvedPolicy
from simulator.streams import replication_seeds

SCREEN_LIMIT = 60
"""Grids with more candidates than this are searched by the pattern search first."""

FINALISTS = 8
"""How many of the best points the pattern search saw go on to the final screening
(besides the neighbours of where it stopped)."""

ALPHA = 0.05
"""1 - the confidence of every statement: 95%."""

Progress = Callable[[int, int], None]


@dataclass
class Candidate:
    """One point of the grid for one policy, and what its replications measured so far."""

    index: int
    """Its position in the grid (grid order, the first key varying slowest)."""
    coords: tuple[int, ...]
    """The index of its value along each key."""
    settings: dict[str, Any]
    """Each varied key and its value here."""
    policy: ResolvedPolicy
    """The policy with these settings applied."""
    replications: list[ReplicationMetrics] = field(default_factory=list, repr=False)
    """What replications 0, 1, ... measured, in order (common random numbers)."""
    status: str = "contender"
    """``contender`` (still in the running), ``eliminated`` (worse than a feasible candidate
    by the sequential rule), ``infeasible`` (misses a constraint with confidence) or
    ``finalist-cut`` (seen by the pattern search, not kept for the final screening)."""

    @property
    def label(self) -> str:
        """The settings as ``key=value, ...``."""
        return ", ".join(f"{key}={value}" for key, value in self.settings.items())

    def values(self, metric: str, count: int | None = None) -> list[float | None]:
        """The store-level ``metric`` per replication (the first ``count``)."""
        reps = self.replications if count is None else self.replications[:count]
        return [rep.store.get(metric) for rep in reps]


class Evaluator:
    """Runs more replications of candidates through an executor, within a budget."""

    def __init__(
        self,
        runner: Executor,
        seed: int,
        simulate: SimulateFn,
        budget: int | None,
        progress: Progress | None = None,
        expected: int = 0,
    ) -> None:
        self.runner = runner
        self.seed = seed
        self.simulate = simulate
        self.budget = budget
        """The most replications that may be simulated in all (None: no cap)."""
        self.budget_text = f"budget (={budget})"
        """How messages name the budget (a policy's share of it, when several are searched)."""
        self.used = 0
        """Replications simulated so far."""
        self.progress = progress
        self.expected = expected
        """The total shown by the progress bar (grows if the search needs more)."""

    @property
    def remaining(self) -> float:
        """Replications the budget still allows (inf without a budget)."""
        return math.inf if self.budget is None else self.budget - self.used

    def extend(self, candidates: Sequence[Candidate], stop: int) -> None:
        """Run each candidate's replications from where it is up to ``stop`` (exclusive)."""
        wanted = [(c, len(c.replications)) for c in candidates if len(c.replications) < stop]
        cost = sum(stop - start for _, start in wanted)
        if cost == 0:
            return
        if cost > self.remaining:
            raise RuntimeError(f"evaluation of {cost} replications would exceed the budget")
        batches = [
            Batch(
                name=c.label,
                scenario=c.policy.scenario,
                backorder=c.policy.backorder,
                tasks=tuple(
                    Task(k, r, seeds_r)
                    for r, seeds_r in enumerate(replication_seeds(self.seed, stop))
                    if r >= start
                ),
                simulate=self.simulate,
            )
            for k, (c, start) in enumerate(wanted)
        ]
        done_before = self.used
        self.expected = max(self.expected, self.used + cost)

        def advance(n: int) -> None:
            nonlocal done_before
            done_before += n
            if self.progress is not None:
                self.progress(done_before, self.expected)

        results = self.runner.run(batches, advance)
        got: dict[tuple[int, int], ReplicationMetrics] = {
            (k, r): metrics for k, r, metrics in results
        }
        for k, (c, start) in enumerate(wanted):
            try:
                c.replications.extend(got[(k, r)] for r in range(start, stop))
            except KeyError:
                raise RuntimeError(
                    f"executor {self.runner.name!r} left out replications of {c.label}"
                ) from None
        self.used += cost


def objective_matrix(candidates: Sequence[Candidate], goal: Goal, count: int) -> np.ndarray:
    """sign × objective for each candidate's first ``count`` replications ("larger is
    better"); an undefined value is an ExperimentError (the objective must be defined in
    every replication to compare candidates)."""
    rows = []
    for c in candidates:
        row = c.values(goal.metric, count)
        if any(v is None for v in row):
            raise ExperimentError(
                f"objective {goal.metric} is undefined in some replications of {c.label}; "
                "choose an objective defined in every replication (a cost, profit, a rate "
                "with demand)"
            )
        rows.append([goal.sign * float(v) for v in row])  # type: ignore[arg-type]
    return np.array(rows, dtype=float)


def judgements(c: Candidate, constraints: Sequence[Constraint]) -> list[Judgement]:
    """One judgement per constraint, from all of the candidate's replications."""
    return [judge(c.values(k.metric), k.op, k.value, 1 - ALPHA) for k in constraints]


def status_of(c: Candidate, constraints: Sequence[Constraint]) -> str:
    """``feasible``, ``infeasible`` or ``undecided`` from the candidate's replications."""
    return combine([j.status for j in judgements(c, constraints)])


@dataclass(frozen=True)
class Screening:
    """How the sequential screening ended."""

    contenders: list[Candidate]
    """The candidates still in contention (all with the same, largest, replication count)."""
    reason: str
    """``decided`` (every pair was settled by the rule), ``replications`` (the full
    replications were reached first) or ``budget`` (the budget ran out first)."""
    delta: float
    """The indifference zone used."""
    first_stage: int
    """n0."""


def first_stage_size(full: int) -> int:
    """n0: a quarter of the full replications, at least 5 and at most 10 (and never more
    than the full replications).

    Kim & Nelson recommend n0 of about 10: enough to estimate the variances, few enough
    not to spend much on candidates that are clearly out. A smaller n0 keeps the same
    confidence, at the cost of a wider boundary (h² grows as n0 shrinks).
    """
    return min(full, max(5, min(10, full // 4)))


def screen(
    candidates: list[Candidate],
    evaluator: Evaluator,
    goal: Goal,
    constraints: Sequence[Constraint],
    full: int,
    delta: float | None,
) -> Screening:
    """Kim & Nelson's procedure on ``candidates``, truncated at ``full`` replications.

    Every candidate gets n0 replications (:func:`first_stage_size`; fewer if the budget
    allows no more, but at least 2), then batches of replications go only to contenders.
    After each replication r of a batch the rule drops candidates worse than a *feasible*
    contender by more than its boundary (an infeasible or undecided one may not eliminate
    others); after each batch candidates infeasible with confidence are dropped.
    """

    def cost(m: int) -> int:  # what a first stage of m costs, given what has been run
        return sum(max(0, m - len(c.replications)) for c in candidates)

    n0 = first_stage_size(full)
    while n0 > 2 and cost(n0) > evaluator.remaining:
        n0 -= 1
    if cost(n0) > evaluator.remaining:
        raise ExperimentError(
            f"{evaluator.budget_text} is too small: the first stage needs at least "
            f"2 replications of each of the {len(candidates)} candidates "
            f"({cost(2)} more), {evaluator.remaining:g} remain"
        )
    evaluator.extend(candidates, n0)
    first = objective_matrix(candidates, goal, n0)
    if delta is None:
        # 1% of the best first-stage mean among the candidates not shown infeasible
        open_ = [i for i, c in enumerate(candidates) if status_of(c, constraints) != INFEASIBLE]
        rows = first[open_] if open_ else first
        delta = default_indifference(float(rows.mean(axis=1).max()) * goal.sign)
    rule = KimNelson(first, delta, ALPHA)
    position = {id(c): i for i, c in enumerate(candidates)}
    alive = [c for c in candidates if c.status == "contender"]
    r = n0
    checked = n0 - 1  # the rule first looks at r = n0
    while True:
        # running means: sums[k, r'] is the sum of candidate k's first r' + 1 values
        sums = np.cumsum(objective_matrix(alive, goal, r), axis=1)
        row_of = {id(c): row for row, c in enumerate(alive)}
        for look in range(max(checked + 1, n0), r + 1):
            means = np.full(len(candidates), -np.inf)
            for c in alive:
                means[position[id(c)]] = sums[row_of[id(c)], look - 1] / look
            judges = [
                position[id(c)]
                for c in alive
                if not constraints or status_of_prefix(c, constraints, look) == FEASIBLE
            ]
            out = rule.eliminate(means, [position[id(c)] for c in alive], judges, look)
            for c in alive:
                if position[id(c)] in out:
                    c.status = "eliminated"
            alive = [c for c in alive if c.status == "contender"]
        checked = r
        for c in alive:
            if status_of(c, constraints) == INFEASIBLE:
                c.status = INFEASIBLE
        alive = [c for c in alive if c.status == "contender"]
        settled = len(alive) <= 1 and all(status_of(c, constraints) == FEASIBLE for c in alive)
        if settled or not alive:
            return Screening(alive, "decided", delta, n0)
        if r >= full:
            return Screening(alive, "replications", delta, n0)
        step = min(full - r, max(2, r // 2))
        if evaluator.budget is not None:
            step = min(step, (evaluator.budget - evaluator.used) // len(alive))
        if step < 1:
            return Screening(alive, "budget", delta, n0)
        evaluator.extend(alive, r + step)
        r += step


def status_of_prefix(c: Candidate, constraints: Sequence[Constraint], count: int) -> str:
    """The candidate's constraint status from its first ``count`` replications."""
    return combine(
        [judge(c.values(k.metric, count), k.op, k.value, 1 - ALPHA).status for k in constraints]
    )
