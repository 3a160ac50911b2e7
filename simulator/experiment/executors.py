"""Executors: where the (policy, replication) tasks of an experiment run.

An executor takes batches (all the tasks of one policy) and returns one result per task,
tagged with its policy index and replication number. The runner assembles results by those
tags, never by completion order, so the numbers do not depend on the executor or on the
number of workers. New executors (Dask, later) subclass :class:`Executor` and are added to
:data:`EXECUTORS`.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np

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


class SerialExecutor(Executor):
    """Runs every task in this process, one after the other."""

    name = "serial"

    def run(self, batches: Sequence[Batch], advance: Advance | None = None) -> list[TaskResult]:
        """Run the batches in order, in this process."""
        results: list[TaskResult] = []
        for batch in batches:
            results.extend(run_batch(batch, advance))
        return results


_STOP_SIGNALS = {
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
}
"""Signals the parent handles for its workers: it stops them (see :func:`_abort`)."""


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Block SIGINT, SIGTERM and SIGHUP in this thread for the duration (POSIX); a signal
    meanwhile is delivered when the block ends. Processes started inside inherit the
    blocked signals, even across exec, so they cannot die half-way through their imports
    with a traceback."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    # The resource tracker unblocks SIGINT in the calling thread when it first starts, so
    # start it before blocking.
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _ignore_sigint() -> None:
    """Worker initializer: Ctrl-C, SIGTERM and SIGHUP are the parent's to handle (it kills
    the workers); and on Linux a worker dies with its parent, even one killed outright."""
    for signum in _STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    _die_with_parent()


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (prctl PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - no libc prctl
        return
    if os.getppid() == 1:  # the parent died before the request: go now
        os._exit(1)


def _context() -> multiprocessing.context.BaseContext:
    """How worker processes start.

    On Linux, when this process runs no other thread (no progress bar is drawing), workers
    are forked: they inherit the already-imported model and start at once. Otherwise they
    start from a fork server (safe with threads), else by spawning.
    """
    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        # Workers fork from a server that has already imported the model and its libraries.
        context.set_forkserver_preload(
            ["simulator.experiment.executors", "simulator.model.simulation"]
        )
        return context
    return multiprocessing.get_context("spawn")


class ProcessExecutor(Executor):
    """Runs tasks in a local pool of processes (default: one per CPU).

    With one worker, or a single task, it runs in this process like :class:`SerialExecutor`.
    """

    name = "process"

    def run(self, batches: Sequence[Batch], advance: Advance | None = None) -> list[TaskResult]:
        """Run the batches in a process pool, chunked so each worker gets a few calls."""
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
        pool: ProcessPoolExecutor | None = None
        futures: dict[Future[list[TaskResult]], int] = {}
        results: list[TaskResult] = []
        try:
            with _sigint_blocked():
                # Workers (and the fork server) start here; they inherit the blocked SIGINT,
                # so a Ctrl-C reaches only this process, which then stops them.
                pool = ProcessPoolExecutor(
                    max_workers=workers, mp_context=_context(), initializer=_ignore_sigint
                )
                for chunk in chunks:
                    futures[pool.submit(run_batch, chunk)] = len(chunk.tasks)
            for future in as_completed(futures):
                results.extend(future.result())
                if advance is not None:
                    advance(futures[future])
        except BaseException:
            if pool is not None:
                _abort(pool, futures)
            raise
        pool.shutdown(wait=True)
        return results


def _abort(pool: ProcessPoolExecutor, futures: dict[Future[list[TaskResult]], int]) -> None:
    """Stop a pool now (Ctrl-C or a failed task): cancel what has not started, end workers."""
    for future in futures:
        future.cancel()
    # The workers may be in the middle of long chunks; their results are no longer wanted.
    # Workers ignore SIGTERM (a signal to the whole process group must reach only this
    # process), so they are killed.
    processes = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        if process.is_alive():
            process.kill()
    pool.shutdown(wait=True, cancel_futures=True)
    for process in list(processes.values()):
        process.join(timeout=5)


EXECUTORS: dict[str, type[Executor]] = {
    SerialExecutor.name: SerialExecutor,
    ProcessExecutor.name: ProcessExecutor,
}
"""The executors that can be chosen by name."""

PLANNED: dict[str, str] = {
    "dask": "executor 'dask' is not available yet; use --executor process or serial",
}
"""Executor names that are part of the design but not built yet, with the message to show."""


def get_executor(name: str, workers: int | None = None) -> Executor:
    """The executor called ``name``, set up for ``workers`` workers."""
    if name in PLANNED:
        raise ExperimentError(PLANNED[name])
    try:
        cls = EXECUTORS[name]
    except KeyError:
        known = ", ".join(EXECUTORS)
        raise ExperimentError(
            f"unknown executor {name!r}{did_you_mean(name, EXECUTORS)}; known executors: {known}"
        ) from None
    return cls(workers)
