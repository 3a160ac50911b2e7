"""Run the search of ``optimize`` for each policy: build the candidates, screen, answer."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

from simulator.experiment.errors import ExperimentError
from simulator.experiment.executors import SimulateFn, get_executor
from simulator.experiment.grid import apply_settings
from simulator.experiment.optimize import (
    SCREEN_LIMIT,
    Candidate,
    Evaluator,
    Progress,
    first_stage_size,
    screen,
)
from simulator.experiment.optimize_answer import OptimizeResult, PolicyOptimum, answer
from simulator.experiment.optimize_pattern import pattern_search
from simulator.experiment.optimize_spec import OptimizeSpec
from simulator.experiment.runner import select_policies
from simulator.model import simulation
from simulator.scenario import LoadedScenario, ResolvedPolicy, ScenarioError
from simulator.scenario.schema import Backorder


class _Grid:
    """The candidates of one policy, built when first asked for (a large grid is mostly
    never simulated, and building a candidate validates a scenario)."""

    def __init__(self, loaded: LoadedScenario, policy: str, spec: OptimizeSpec) -> None:
        self.loaded = loaded
        self.policy = policy
        self.keys = list(spec.vary)
        self.values = [spec.vary[key] for key in self.keys]
        self.shape = tuple(len(v) for v in self.values)
        self.size = math.prod(self.shape)
        self._built: dict[tuple[int, ...], Candidate | None] = {}
        self.refused: list[tuple[dict[str, Any], ScenarioError]] = []
        """Points the scenario refuses (an order quantity below a reorder point's bound)."""

    def index(self, coords: tuple[int, ...]) -> int:
        """The position of ``coords`` in grid order (the first key varies slowest)."""
        position = 0
        for coord, n in zip(coords, self.shape, strict=True):
            position = position * n + coord
        return position

    def get(self, coords: tuple[int, ...]) -> Candidate | None:
        """The candidate at ``coords``, or None when the scenario refuses its settings."""
        if coords not in self._built:
            settings = {k: v[i] for k, v, i in zip(self.keys, self.values, coords, strict=True)}
            try:
                resolved = apply_settings(self.loaded, settings).policy(self.policy)
            except ScenarioError as exc:
                self.refused.append((settings, exc))
                self._built[coords] = None
            else:
                self._built[coords] = Candidate(self.index(coords), coords, settings, resolved)
        return self._built[coords]

    def all(self) -> list[Candidate]:
        """Every candidate the scenario accepts, in grid order."""
        points = itertools.product(*(range(n) for n in self.shape))
        return [c for c in map(self.get, points) if c is not None]

    def evaluated(self) -> list[Candidate]:
        """The candidates with replications, in grid order."""
        built = (c for c in self._built.values() if c is not None and c.replications)
        return sorted(built, key=lambda c: c.index)

    def start(self) -> tuple[int, ...]:
        """The middle of the grid, or the accepted point nearest to it (in grid order)."""
        middle = self.index(tuple(n // 2 for n in self.shape))
        for offset in range(self.size):
            for position in (middle - offset, middle + offset):
                if 0 <= position < self.size:
                    coords = self.coords(position)
                    if self.get(coords) is not None:
                        return coords
        raise self.refused[0][1]

    def coords(self, position: int) -> tuple[int, ...]:
        """The inverse of :meth:`index`."""
        out = []
        for n in reversed(self.shape):
            position, coord = divmod(position, n)
            out.append(coord)
        return tuple(reversed(out))

    def changes_policy(self, candidates: list[Candidate]) -> bool:
        """Whether the varied keys change this policy at all (first candidate against last)."""
        if len(candidates) < 2:
            return True
        first, last = candidates[0].policy, candidates[-1].policy

        def what_runs(policy: ResolvedPolicy) -> tuple[Any, Backorder]:
            # the list of policies is part of each policy's scenario, but the model reads
            # only the policy's own backorder block from it
            return policy.scenario.model_dump(exclude={"policies"}), policy.backorder

        return what_runs(first) != what_runs(last)


def optimize_experiment(
    loaded: LoadedScenario,
    spec: OptimizeSpec,
    *,
    policies: Sequence[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    executor: str = "process",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    simulate: SimulateFn | None = None,
) -> OptimizeResult:
    """Search ``spec``'s grid for each policy (default: every policy) and answer.

    ``replications`` are the *full* replications: the most any candidate gets, and what the
    exhaustive grid would cost per point (default: the scenario's). The budget of ``spec``
    caps the replications of the whole call, shared evenly among the policies.
    ``simulate`` replaces the model (tests).
    Raises ExperimentError for bad options and ScenarioError for a setting the scenario
    refuses.
    """
    runner = get_executor(executor, workers, scheduler)
    chosen = select_policies(loaded.policies, policies)
    full = loaded.scenario.replications if replications is None else replications
    if full < 2:
        raise ExperimentError(f"replications (={full}) must be >= 2 to judge a difference")
    base_seed = loaded.scenario.seed if seed is None else seed
    if base_seed < 0:
        raise ExperimentError(f"seed (={base_seed}) must be >= 0")
    simulate_fn = simulate if simulate is not None else simulation.simulate
    budget = None if spec.budget is None else spec.budget // len(chosen)
    if budget == 0:
        raise ExperimentError(
            f"budget (={spec.budget}) is smaller than the number of policies ({len(chosen)})"
        )
    notes: list[str] = []
    results: dict[str, PolicyOptimum] = {}
    with runner:  # one pool of resources (a Dask cluster) for every stage of every search
        for policy in chosen:
            evaluator = Evaluator(runner, base_seed, simulate_fn, budget, progress)
            if budget is not None and len(chosen) > 1:
                evaluator.budget_text = (
                    f"the budget's share per policy (={budget} of {spec.budget}, "
                    f"{len(chosen)} policies)"
                )
            found = _search(loaded, policy.name, spec, evaluator, full, policies is not None, notes)
            if found is not None:
                results[policy.name] = found
    if not results:
        raise ExperimentError(notes[0].removesuffix(": skipped") if notes else "no policy")
    return OptimizeResult(
        scenario=loaded.scenario.name,
        seed=base_seed,
        policies=results,
        single=policies is not None and len(chosen) == 1,
        notes=tuple(notes),
    )


def _search(
    loaded: LoadedScenario,
    policy: str,
    spec: OptimizeSpec,
    evaluator: Evaluator,
    full: int,
    explicit: bool,
    notes: list[str],
) -> PolicyOptimum | None:
    """One policy's search and answer (None: the varied keys do not change the policy and
    it was not named, so it is skipped with a note)."""
    grid = _Grid(loaded, policy, spec)
    if grid.size <= SCREEN_LIMIT:
        search, pool = "screening", grid.all()
        if not pool:
            raise grid.refused[0][1]
        ends = pool
    else:
        search = "pattern"
        corners = [tuple(0 for _ in grid.shape), tuple(n - 1 for n in grid.shape)]
        ends = [c for c in map(grid.get, [grid.start(), *corners]) if c is not None]
    if not grid.changes_policy(ends):
        message = f"varying {', '.join(grid.keys)} does not change policy {policy!r}"
        if explicit:
            raise ExperimentError(message)
        notes.append(f"{message}: skipped")
        return None
    n0 = first_stage_size(full)
    evaluator.expected = len(pool) * n0 if search == "screening" else 10 * n0
    if search == "pattern":
        pool = pattern_search(grid, evaluator, spec.goal, spec.constraints, n0)
    outcome = screen(pool, evaluator, spec.goal, spec.constraints, full, spec.indifference)
    if grid.refused:
        settings, exc = grid.refused[0]
        shown = ", ".join(f"{k}={v}" for k, v in settings.items())
        notes.append(
            f"policy {policy!r}: {len(grid.refused)} grid point(s) the scenario refuses "
            f"were left out, e.g. {shown}: {exc.problems[0]}"
        )
    return answer(
        policy,
        grid.evaluated(),
        outcome,
        goal=spec.goal,
        constraints=spec.constraints,
        search=search,
        grid_size=grid.size - (len(grid.refused) if search == "screening" else 0),
        full=full,
        used=evaluator.used,
        finalists=len(pool),
    )
