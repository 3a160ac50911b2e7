"""Run the policies of a scenario over common replications and summarise what they measured."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulator.experiment import limits
from simulator.experiment.errors import ExperimentError, did_you_mean
from simulator.experiment.executors import Batch, Executor, SimulateFn, Task, get_executor
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
    scheduler: str | None = None,
    progress: Progress | None = None,
    simulate: SimulateFn | None = None,
    force: bool = False,
) -> RunResult:
    """Run ``policies`` (default: all) of a loaded scenario and summarise every metric.

    Replication r of every policy uses the r-th child of ``SeedSequence(seed)``, so all
    policies see the same customers and supplier delays (common random numbers).
    ``replications`` and ``seed`` default to the scenario's. ``executor`` is a name from
    :data:`~simulator.experiment.executors.EXECUTORS` (``serial``, ``process`` or ``dask``),
    ``workers`` its worker count (default: one per CPU) and ``scheduler`` the address of a
    running Dask scheduler (``dask`` only; default: a local cluster). The numbers depend only on the
    scenario, the policies, the seed and the number of replications. ``simulate`` replaces
    the model (for tests); it must be a module-level function so that it pickles.
    ``force`` runs even when the size check finds the run absurd for this machine, and
    starts more workers than there are CPUs when asked.

    Raises :class:`ExperimentError` for an unknown policy or executor, a bad count, a run
    the size check refuses, or a replication that stalls (see
    :class:`~simulator.model.simulation.ModelStalled`).
    """
    plan = Plan.make(loaded, policies, seed, executor, workers, simulate, scheduler, force)
    count = loaded.scenario.replications if replications is None else replications
    check_replications(count)
    plan.check_size(count)
    grid = plan.simulate(0, count, progress)
    return plan.result(grid)


def check_replications(count: int) -> None:
    """An :class:`ExperimentError` unless ``count`` >= 1."""
    if count < 1:
        raise ExperimentError(f"replications (={count}) must be >= 1")


@dataclass(frozen=True)
class Plan:
    """What an experiment runs (policies, seed, executor), to run in one go or in batches.

    Replications ``start`` to ``stop - 1`` can be simulated in any number of calls: since
    replication r always uses the r-th child seed, the metrics of replications 0 to n - 1
    are the same whether they were run in one call or in several (what precision targets
    rely on).
    """

    loaded: LoadedScenario
    """The scenario."""
    chosen: list[ResolvedPolicy]
    """The policies to run, in the scenario's order (the first is the baseline)."""
    seed: int
    """The seed of the replications."""
    runner: Executor
    """Where the replications run."""
    simulate_fn: SimulateFn
    """The function that runs one replication."""
    workers: int
    """How many replications run at once (for the size check's estimate)."""
    force: bool = False
    """Run even what the size check refuses."""

    @classmethod
    def make(
        cls,
        loaded: LoadedScenario,
        policies: Sequence[str] | None = None,
        seed: int | None = None,
        executor: str = "process",
        workers: int | None = None,
        simulate: SimulateFn | None = None,
        scheduler: str | None = None,
        force: bool = False,
    ) -> Plan:
        """Check the options (as :func:`run_experiment` does) and fix what will run.

        A plan simulated in several calls should hold its executor open meanwhile
        (``with plan.runner: ...``), so that a Dask cluster is started once."""
        workers, _ = limits.capped_workers(workers, force)
        runner = get_executor(executor, workers, scheduler)
        chosen = select_policies(loaded.policies, policies)
        base_seed = loaded.scenario.seed if seed is None else seed
        if base_seed < 0:
            raise ExperimentError(f"seed (={base_seed}) must be >= 0")
        # Looked up at call time, so that a replaced model (tests, later releases) is used.
        simulate_fn = simulate if simulate is not None else simulation.simulate
        used = 1 if executor == "serial" else (workers or limits.cpu_count())
        return cls(loaded, chosen, base_seed, runner, simulate_fn, used, force)

    def check_size(self, replications: int) -> None:
        """Refuse (:class:`ExperimentError`, one line with the estimate) a run of
        ``replications`` that the size check finds absurd for this machine, unless forced."""
        runs = [(policy.scenario, policy.backorder) for policy in self.chosen]
        limits.check_size(limits.estimate(runs, replications, self.workers), self.force)

    def simulate(
        self, start: int, stop: int, progress: Progress | None = None, done_before: int = 0
    ) -> list[list[ReplicationMetrics]]:
        """Per policy, the metrics of replications ``start`` .. ``stop - 1``, in order.

        ``progress(done, total)`` counts (policy, replication) tasks, ``done_before`` of
        them already finished in earlier calls.
        """
        count = stop - start
        # Each policy gets its own SeedSequence objects (equal, not shared): a model that
        # spawns from its seed then cannot change what the next policy sees in this process.
        batches = [
            Batch(
                name=policy.name,
                scenario=policy.scenario,
                backorder=policy.backorder,
                tasks=tuple(
                    Task(index, start + k, seed_r)
                    for k, seed_r in enumerate(replication_seeds(self.seed, stop)[start:])
                ),
                simulate=self.simulate_fn,
            )
            for index, policy in enumerate(self.chosen)
        ]
        total = done_before + count * len(self.chosen)
        done = done_before

        def advance(k: int) -> None:
            nonlocal done
            done += k
            if progress is not None:
                progress(done, total)

        grid: list[list[ReplicationMetrics | None]] = [[None] * count for _ in self.chosen]
        try:
            finished = self.runner.run(batches, advance)
            for index, r, metrics in finished:
                grid[index][r - start] = metrics
        except simulation.ModelStalled as exc:
            where = "".join(f" ({note.removeprefix('while simulating ')})" for note in _notes(exc))
            raise ExperimentError(f"{exc}{where}") from None
        out: list[list[ReplicationMetrics]] = []
        for index, policy in enumerate(self.chosen):
            reps = [m for m in grid[index] if m is not None]
            if len(reps) != count:
                raise RuntimeError(
                    f"executor {self.runner.name!r} returned {len(reps)} of {count} "
                    f"replications for policy {policy.name!r}"
                )
            out.append(reps)
        return out

    def result(self, grid: Sequence[Sequence[ReplicationMetrics]]) -> RunResult:
        """The summaries of replications 0 .. n - 1 of every policy (``grid[policy][r]``)."""
        scenario = self.loaded.scenario
        results: dict[str, PolicyResult] = {}
        for policy, reps in zip(self.chosen, grid, strict=True):
            summaries = summarize_replications(reps)
            results[policy.name] = PolicyResult(
                name=policy.name,
                metrics=summaries.store,
                products=summaries.products,
                suppliers=summaries.suppliers,
                replications=list(reps),
            )
        return RunResult(
            scenario=scenario.name,
            seed=self.seed,
            replications=len(grid[0]),
            window_days=scenario.horizon_days - scenario.warmup_days,
            policies=results,
        )


def _notes(exc: BaseException) -> list[str]:
    """The notes added to an exception (where it happened)."""
    return [str(note) for note in getattr(exc, "__notes__", [])]
