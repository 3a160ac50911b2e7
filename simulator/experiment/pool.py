"""The local process pool of the ``process`` executor: workers, Ctrl-C and progress.

Loaded only when a run uses more than one worker process (a one-worker run never imports
``multiprocessing`` or ``concurrent.futures``): see
:class:`simulator.experiment.executors.ProcessExecutor`.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.queues
import signal
import sys
import threading
from concurrent.futures import (
    FIRST_COMPLETED,
    Future,
    ProcessPoolExecutor,
    as_completed,
    wait,
)
from dataclasses import replace
from typing import cast

from simulator.experiment.executors import Advance, Batch, TaskResult, run_batch
from simulator.experiment.signals import (
    STOP_SIGNALS,
    cancelled_futures_quiet,
    die_with_parent,
    sigint_blocked,
)
from simulator.scenario.schema import Scenario


def run_in_pool(chunks: list[Batch], workers: int, advance: Advance | None) -> list[TaskResult]:
    """Run the chunks in a pool of ``workers`` processes; ``advance(1)`` per replication."""
    # Few distinct scenarios (a run: one per policy at most) are given to each worker once,
    # as it starts (for free when forked); chunks then carry only their seeds. Many (a
    # sweep's points) travel with their chunks.
    distinct = {id(chunk.scenario): chunk.scenario for chunk in chunks}
    shared = tuple(distinct.values()) if len(distinct) <= workers else ()
    where = {id(scenario): k for k, scenario in enumerate(shared)}
    pool: ProcessPoolExecutor | None = None
    futures: dict[Future[list[TaskResult]], int] = {}
    results: list[TaskResult] = []
    try:
        with sigint_blocked():
            # Workers (and the fork server) start here; they inherit the blocked SIGINT,
            # so a Ctrl-C reaches only this process, which then stops them.
            context = _context()
            ticks = context.SimpleQueue() if advance is not None else None
            pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=context,
                initializer=_ignore_sigint,
                initargs=(ticks, shared),
            )
            for index, chunk in enumerate(chunks):
                k = where.get(id(chunk.scenario))
                if k is not None:  # the worker has it: send the chunk without it
                    chunk = replace(chunk, scenario=cast(Scenario, None))
                futures[pool.submit(_run_chunk, chunk, index, k)] = index
        if advance is None or ticks is None:
            for future in as_completed(futures):
                results.extend(future.result())
        else:
            _collect(futures, [len(c.tasks) for c in chunks], ticks, advance, results)
    except BaseException:
        if pool is not None:
            _abort(pool, futures)
        raise
    pool.shutdown(wait=True)
    return results


_TICKS: multiprocessing.queues.SimpleQueue[int] | None = None
"""In a worker process of a run that shows progress: where each finished replication is
reported (by the number of its chunk), so that progress moves one replication at a time."""


_SHARED: tuple[Scenario, ...] = ()
"""In a worker process: the scenarios it was given once, as it started, which its chunks
refer to by index instead of carrying them."""


def _ignore_sigint(
    ticks: multiprocessing.queues.SimpleQueue[int] | None = None,
    shared: tuple[Scenario, ...] = (),
) -> None:
    """Worker initializer: Ctrl-C, SIGTERM and SIGHUP are the parent's to handle (it kills
    the workers); on Linux a worker dies with its parent, even one killed outright. With
    ``ticks``, the worker reports each replication it finishes there; ``shared`` are the
    scenarios its chunks refer to by index."""
    global _TICKS, _SHARED
    _SHARED = shared
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    die_with_parent()
    _TICKS = ticks


def _run_chunk(batch: Batch, chunk: int, shared: int | None = None) -> list[TaskResult]:
    """Run a chunk in a worker (its scenario the ``shared``-th one the worker was given, if
    not None); with progress shown, report each replication as it ends."""
    if shared is not None:
        batch = replace(batch, scenario=_SHARED[shared])
    ticks = _TICKS
    if ticks is None:
        return run_batch(batch)
    return run_batch(batch, lambda _: ticks.put(chunk))


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
        context.set_forkserver_preload(["simulator.experiment.pool", "simulator.model.simulation"])
        return context
    return multiprocessing.get_context("spawn")


PROGRESS_POLL_SECONDS = 0.05
"""How often the parent looks for replications finished in the workers, when progress is
shown (only then: a run without progress waits on its chunks alone)."""


def _collect(
    futures: dict[Future[list[TaskResult]], int],
    sizes: list[int],
    ticks: multiprocessing.queues.SimpleQueue[int],
    advance: Advance,
    results: list[TaskResult],
) -> None:
    """Gather the chunks' results, calling ``advance(1)`` per replication as the workers
    report them (a chunk's unreported replications are counted when it completes)."""
    counted = [0] * len(sizes)

    def count(chunk: int, k: int) -> None:
        k = min(k, sizes[chunk] - counted[chunk])  # a late tick of a finished chunk: none
        counted[chunk] += max(k, 0)
        for _ in range(k):  # one replication at a time, also for ticks still in transit
            advance(1)

    pending = set(futures)
    while pending:
        done, pending = wait(pending, timeout=PROGRESS_POLL_SECONDS, return_when=FIRST_COMPLETED)
        while not ticks.empty():
            count(ticks.get(), 1)
        for future in done:
            results.extend(future.result())
            chunk = futures[future]
            count(chunk, sizes[chunk])


def _abort(pool: ProcessPoolExecutor, futures: dict[Future[list[TaskResult]], int]) -> None:
    """Stop a pool now (Ctrl-C or a failed task): cancel what has not started, end workers."""
    for future in futures:
        future.cancel()
    # The workers may be in the middle of long chunks; their results are no longer wanted.
    # Workers ignore SIGTERM (a signal to the whole process group must reach only this
    # process), so they are killed.
    processes = getattr(pool, "_processes", None) or {}
    with cancelled_futures_quiet():
        for process in list(processes.values()):
            if process.is_alive():
                process.kill()
        pool.shutdown(wait=True, cancel_futures=True)  # joins the pool's manager thread
    for process in list(processes.values()):
        process.join(timeout=5)
