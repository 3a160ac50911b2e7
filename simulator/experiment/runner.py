"""Run the policies of a scenario over common replications and summarise what they measured."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from simulator.experiment import limits
from simulator.experiment.errors import ExperimentError, did_you_mean
from simulator.experiment.executors import Batch, SimulateFn, Task, get_executor
from simulator.experiment.result import PolicyResult, RunResult
from simulator.metrics.record import ReplicationMetrics
from simulator.metrics.summary import summarize_replications
from simulator.model import simulation
from simulator.streams import replication_seeds

if TYPE_CHECKING:
    from simulator.scenario import LoadedScenario, ResolvedPolicy

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` each time more (policy, replication) tasks finish."""


def select_policies(
    policies: Sequence[ResolvedPolicy], names: Sequence[str] | None
) -> list[ResolvedPolicy]:
    """The policies to run: all of them, or those named (kept in the scenario's order).

    An unknown name is an :class:`ExperimentError` naming it and the known policies.
    """
    if names is None:
        return list(policies)
    known = [policy.name for policy in policies]
    for name in names:
        if name not in known:
            raise ExperimentError(
                f"unknown policy {name!r}{did_you_mean(name, known)}; "
                f"known policies: {', '.join(known)}"
            )
    if not names:
        raise ExperimentError("no policy selected")
    wanted = set(names)
    return [policy for policy in policies if policy.name in wanted]


def run_experiment(
    loaded: LoadedScenario,
    *,
    policies: Sequence[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    executor: str = "process",
    workers: int | None = None,
    progress: Progress | None = None,
    simulate: SimulateFn | None = None,
    force: bool = False,
) -> RunResult:
    """Run ``policies`` (default: all) of a loaded scenario and summarise every metric.

    Replication r of every policy uses the r-th child of ``SeedSequence(seed)``, so all
    policies see the same customers and supplier delays (common random numbers).
    ``replications`` and ``seed`` default to the scenario's. ``executor`` is a name from
    :data:`~simulator.experiment.executors.EXECUTORS` (``serial`` or ``process``) and
    ``workers`` its worker count (default: one per CPU). The numbers depend only on the
    scenario, the policies, the seed and the number of replications. ``simulate`` replaces
    the model (for tests); it must be a module-level function so that it pickles.

    Before anything runs, the size check (:mod:`simulator.experiment.limits`) refuses a run
    estimated to take more than 2 hours or more memory than the machine has, and
    ``workers`` is capped at the CPU count; ``force`` skips both.

    Raises :class:`ExperimentError` for an unknown policy or executor, a bad count or a run
    that is too large.
    """
    workers, _ = limits.capped_workers(workers, force)
    runner = get_executor(executor, workers)
    chosen = select_policies(loaded.policies, policies)
    scenario = loaded.scenario
    count = scenario.replications if replications is None else replications
    if count < 1:
        raise ExperimentError(f"replications (={count}) must be >= 1")
    base_seed = scenario.seed if seed is None else seed
    if base_seed < 0:
        raise ExperimentError(f"seed (={base_seed}) must be >= 0")
    used = 1 if executor == "serial" else (workers or limits.cpu_count())
    found = limits.estimate([(p.scenario, p.backorder) for p in chosen], count, used)
    limits.check_size(found, force)
    # Looked up at call time, so that a replaced model (tests, later releases) is used.
    simulate_fn = simulate if simulate is not None else simulation.simulate

    # Each policy gets its own SeedSequence objects (equal, not shared): a model that
    # spawns from its seed then cannot change what the next policy sees in this process.
    batches = [
        Batch(
            name=policy.name,
            scenario=policy.scenario,
            backorder=policy.backorder,
            tasks=tuple(
                Task(index, r, seed_r)
                for r, seed_r in enumerate(replication_seeds(base_seed, count))
            ),
            simulate=simulate_fn,
        )
        for index, policy in enumerate(chosen)
    ]
    total = count * len(chosen)
    done = 0

    def advance(k: int) -> None:
        nonlocal done
        done += k
        if progress is not None:
            progress(done, total)

    grid: list[list[ReplicationMetrics | None]] = [[None] * count for _ in chosen]
    try:
        finished = runner.run(batches, advance)
    except simulation.ModelStalled as exc:
        where = "".join(f" ({note.removeprefix('while simulating ')})" for note in _notes(exc))
        raise ExperimentError(f"{exc}{where}") from None
    for index, r, metrics in finished:
        grid[index][r] = metrics

    results: dict[str, PolicyResult] = {}
    for index, policy in enumerate(chosen):
        reps = [m for m in grid[index] if m is not None]
        if len(reps) != count:
            raise RuntimeError(
                f"executor {runner.name!r} returned {len(reps)} of {count} replications "
                f"for policy {policy.name!r}"
            )
        summaries = summarize_replications(reps)
        results[policy.name] = PolicyResult(
            name=policy.name,
            metrics=summaries.store,
            products=summaries.products,
            suppliers=summaries.suppliers,
            replications=reps,
        )
    return RunResult(
        scenario=scenario.name,
        seed=base_seed,
        replications=count,
        window_days=scenario.horizon_days - scenario.warmup_days,
        policies=results,
    )


def _notes(exc: BaseException) -> list[str]:
    """The notes added to an exception (where it happened)."""
    return [str(note) for note in getattr(exc, "__notes__", [])]
