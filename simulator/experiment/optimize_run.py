"""Run the search of ``optimize`` for each policy: build the candidates, screen, answer."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from simulator.experiment.errors import ExperimentError
from simulator.experiment.executors import SimulateFn, get_executor
from simulator.experiment.grid import apply_settings
from simulator.experiment.optimize import (
    SCREEN_LIMIT,
    Candidate,
    Evaluator,
    Progress,
    first_stage_size,
    pattern_search,
    screen,
)
from simulator.experiment.optimize_answer import OptimizeResult, PolicyOptimum, answer
from simulator.experiment.optimize_spec import OptimizeSpec
from simulator.experiment.runner import select_policies
from simulator.model import simulation
from simulator.scenario import LoadedScenario


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
        self._built: dict[tuple[int, ...], Candidate] = {}

    def index(self, coords: tuple[int, ...]) -> int:
        """The position of ``coords`` in grid order (the first key varies slowest)."""
        position = 0
        for coord, n in zip(coords, self.shape, strict=True):
            position = position * n + coord
        return position

    def __getitem__(self, coords: tuple[int, ...]) -> Candidate:
        if coords not in self._built:
            settings = {k: v[i] for k, v, i in zip(self.keys, self.values, coords, strict=True)}
            resolved = apply_settings(self.loaded, settings).policy(self.policy)
            self._built[coords] = Candidate(self.index(coords), coords, settings, resolved)
        return self._built[coords]

    def all(self) -> list[Candidate]:
        """Every candidate, in grid order."""
        return [self[coords] for coords in itertools.product(*(range(n) for n in self.shape))]

    def evaluated(self) -> list[Candidate]:
        """The candidates with replications, in grid order."""
        return sorted((c for c in self._built.values() if c.replications), key=lambda c: c.index)

    def changes_policy(self) -> bool:
        """Whether the varied keys change this policy at all (first point against last)."""
        if self.size == 1:
            return True
        first = self[tuple(0 for _ in self.shape)].policy
        last = self[tuple(n - 1 for n in self.shape)].policy
        return (first.scenario, first.backorder) != (last.scenario, last.backorder)


def optimize_experiment(
    loaded: LoadedScenario,
    spec: OptimizeSpec,
    *,
    policies: Sequence[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    executor: str = "process",
    workers: int | None = None,
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
    runner = get_executor(executor, workers)
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
    for policy in chosen:
        grid = _Grid(loaded, policy.name, spec)
        if not grid.changes_policy():
            message = f"varying {', '.join(grid.keys)} does not change policy {policy.name!r}"
            if policies is not None:
                raise ExperimentError(message)
            notes.append(f"{message}: skipped")
            continue
        n0 = first_stage_size(full)
        evaluator = Evaluator(
            runner, base_seed, simulate_fn, budget, progress, expected=grid.size * n0
        )
        if grid.size <= SCREEN_LIMIT:
            search, pool = "screening", grid.all()
        else:
            search = "pattern"
            pool = pattern_search(grid, evaluator, spec.goal, spec.constraints, n0)
        outcome = screen(pool, evaluator, spec.goal, spec.constraints, full, spec.indifference)
        results[policy.name] = answer(
            policy.name,
            grid.evaluated(),
            outcome,
            goal=spec.goal,
            constraints=spec.constraints,
            search=search,
            grid_size=grid.size,
            full=full,
            used=evaluator.used,
            finalists=len(pool),
        )
    if not results:
        raise ExperimentError(notes[0].removesuffix(": skipped") if notes else "no policy")
    return OptimizeResult(
        scenario=loaded.scenario.name,
        seed=base_seed,
        policies=results,
        single=policies is not None and len(chosen) == 1,
        notes=tuple(notes),
    )
