"""Executors: where the (policy, replication) tasks of an experiment run.

An executor takes batches (all the tasks of one policy) and returns one result per task,
tagged with its policy index and replication number. The runner assembles results by those
tags, never by completion order, so the numbers do not depend on the executor or on the
number of workers. New executors subclass :class:`Executor` and are added to
:data:`EXECUTORS`; the Dask executor lives in :mod:`simulator.experiment.dask_executor`.

An executor may hold resources (a Dask cluster) across several :meth:`Executor.run` calls
while it is used as a context manager (``with executor: ...``); outside one, each call
acquires and releases them itself.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np

from simulator.experiment import parts
from simulator.experiment.errors import ExperimentError, did_you_mean
from simulator.metrics.record import ReplicationMetrics
from simulator.scenario.schema import Backorder, Scenario

SimulateFn = Callable[[Scenario, Backorder, np.random.SeedSequence], ReplicationMetrics]
"""The signature of :func:`simulator.model.simulation.simulate`: one replication of one policy."""

Advance = Callable[[int], None]
"""Told how many more tasks have just finished."""

TaskResult = tuple[int, int, ReplicationMetrics]
"""(policy index, replication number, what that replication measured)."""

CHUNKS_PER_WORKER = 4
"""The process pool splits the work into about this many chunks per worker: few enough to
keep pickling and scheduling overhead small, enough to even out unequal chunk times."""


@dataclass(frozen=True)
class Task:
    """Replication ``replication`` of the policy at index ``policy``, with its own seed."""

    policy: int
    """Index of the policy in the run's list of policies."""
    replication: int
    """Replication number r, 0-based; the seed is the r-th child of the run's seed."""
    seed: np.random.SeedSequence
    """The replication's SeedSequence: the same for every policy (common random numbers)."""


@dataclass(frozen=True)
class Batch:
    """Tasks of one policy that share a scenario and run together in one worker call."""

    name: str
    """The policy's name (for error messages)."""
    scenario: Scenario
    """The policy's own scenario, its overrides merged."""
    backorder: Backorder
    """The policy's backorder rules."""
    tasks: tuple[Task, ...]
    """The replications to run, in order."""
    simulate: SimulateFn
    """The function that runs one replication (a module-level function, so it pickles)."""

    def split(self, size: int) -> list[Batch]:
        """This batch cut into consecutive batches of at most ``size`` tasks."""
        if size < 1:
            raise ValueError(f"size (={size}) must be >= 1")
        return [
            replace(self, tasks=self.tasks[i : i + size]) for i in range(0, len(self.tasks), size)
        ]

    def parts(self, count: int) -> list[Batch]:
        """This batch cut into ``count`` consecutive batches of nearly equal size (sizes
        differ by at most one), or fewer if it has fewer tasks."""
        if count < 1:
            raise ValueError(f"count (={count}) must be >= 1")
        count = min(count, len(self.tasks))
        base, extra = divmod(len(self.tasks), count)
        out, start = [], 0
        for k in range(count):
            stop = start + base + (1 if k < extra else 0)
            out.append(replace(self, tasks=self.tasks[start:stop]))
            start = stop
        return out


def run_batch(batch: Batch, advance: Advance | None = None) -> list[TaskResult]:
    """Run every task of ``batch`` here and now; ``advance(1)`` after each one."""
    results: list[TaskResult] = []
    for task in batch.tasks:
        try:
            metrics = batch.simulate(batch.scenario, batch.backorder, task.seed)
        except Exception as exc:
            exc.add_note(f"while simulating policy {batch.name!r}, replication {task.replication}")
            raise
        results.append((task.policy, task.replication, metrics))
        if advance is not None:
            advance(1)
    return results


class Executor(ABC):
    """Runs batches of tasks and returns one :data:`TaskResult` per task, in any order."""

    name: ClassVar[str]
    """The name users give to ``--executor``."""

    def __init__(self, workers: int | None = None) -> None:
        if workers is not None and workers < 1:
            raise ExperimentError(f"workers (={workers}) must be >= 1")
        self.workers = workers
        """Requested number of workers; None lets the executor choose."""

    @abstractmethod
    def run(self, batches: Sequence[Batch], advance: Advance | None = None) -> list[TaskResult]:
        """Run every task of every batch; call ``advance(k)`` as k more tasks finish."""

    def open(self) -> None:  # noqa: B027 - an optional hook, not every executor needs it
        """Acquire what the executor needs across runs (a cluster); the default holds nothing."""

    def close(self) -> None:  # noqa: B027 - an optional hook, not every executor needs it
        """Release what :meth:`open` acquired; the default holds nothing."""

    def __enter__(self) -> Executor:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def split_target(slots: int) -> int:
    """How many tasks an executor with ``slots`` workers likes a run to have, for
    :func:`simulator.experiment.parts.split` (1 worker: nothing is cut)."""
    return slots * CHUNKS_PER_WORKER if slots > 1 else 1


class SerialExecutor(Executor):
    """Runs every task in this process, one after the other."""

    name = "serial"

    def run(self, batches: Sequence[Batch], advance: Advance | None = None) -> list[TaskResult]:
        """Run the batches in order, in this process."""
        results: list[TaskResult] = []
        for batch in batches:
            results.extend(run_batch(batch, advance))
        return results


class ProcessExecutor(Executor):
    """Runs tasks in a local pool of processes (default: one per CPU).

    With one worker, or a single task, it runs in this process like :class:`SerialExecutor`.
    """

    name = "process"

    def run(self, batches: Sequence[Batch], advance: Advance | None = None) -> list[TaskResult]:
        """Run the batches in a process pool, chunked so each worker gets a few calls; the
        replications of a large catalogue are cut into pieces when there are too few of
        them for the workers (:mod:`simulator.experiment.parts`)."""
        cut = parts.split(batches, split_target(self.workers or os.cpu_count() or 1))
        if cut is not None:
            return cut.combine(self._run(cut.batches, cut.advance(advance)))
        return self._run(batches, advance)

    def _run(self, batches: Sequence[Batch], advance: Advance | None) -> list[TaskResult]:
        total = sum(len(batch.tasks) for batch in batches)
        workers = min(self.workers or os.cpu_count() or 1, total)
        if workers <= 1:
            return SerialExecutor().run(batches, advance)
        # nearly equal chunks, about CHUNKS_PER_WORKER per worker, shared out by batch size,
        # so that no worker is left with a much larger share of the work
        target = workers * CHUNKS_PER_WORKER
        chunks = [
            chunk
            for batch in batches
            for chunk in batch.parts(max(1, round(target * len(batch.tasks) / total)))
        ]
        from simulator.experiment.pool import run_in_pool  # the process machinery, on demand

        return run_in_pool(chunks, workers, advance)


EXECUTORS: dict[str, type[Executor]] = {
    SerialExecutor.name: SerialExecutor,
    ProcessExecutor.name: ProcessExecutor,
}
"""The executors that can be chosen by name (``dask`` is added below, imported lazily)."""

PLANNED: dict[str, str] = {}
"""Executor names that are part of the design but not built yet, with the message to show."""

LAZY: tuple[str, ...] = ("dask",)
"""Executors whose module (and optional dependencies) load only when they are chosen."""


def get_executor(name: str, workers: int | None = None, scheduler: str | None = None) -> Executor:
    """The executor called ``name``, set up for ``workers`` workers.

    ``scheduler`` is the address of a running Dask scheduler (``tcp://HOST:PORT``), only for
    the ``dask`` executor; without it, that executor starts a local cluster of ``workers``.
    """
    if name in PLANNED:
        raise ExperimentError(PLANNED[name])
    if name == "dask":
        from simulator.experiment.dask_executor import DaskExecutor

        return DaskExecutor(workers, scheduler=scheduler)
    if scheduler is not None:
        raise ExperimentError(f"--scheduler is for --executor dask, not {name!r}")
    try:
        cls = EXECUTORS[name]
    except KeyError:
        known = ", ".join([*EXECUTORS, *LAZY])
        raise ExperimentError(
            f"unknown executor {name!r}{did_you_mean(name, [*EXECUTORS, *LAZY])}; "
            f"known executors: {known}"
        ) from None
    return cls(workers)
