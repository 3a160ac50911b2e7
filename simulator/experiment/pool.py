"""The local process pool of the ``process`` executor: workers, Ctrl-C and progress.

Loaded only when a run uses more than one worker process (a one-worker run never imports
``multiprocessing`` or ``concurrent.futures``): see
:class:`simulator.experiment.executors.ProcessExecutor`.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.queues
import os
import signal
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    Future,
    InvalidStateError,
    ProcessPoolExecutor,
    as_completed,
    wait,
)
from contextlib import contextmanager

from simulator.experiment.executors import Advance, Batch, TaskResult, run_batch


def run_in_pool(chunks: list[Batch], workers: int, advance: Advance | None) -> list[TaskResult]:
    """Run the chunks in a pool of ``workers`` processes; ``advance(1)`` per replication."""
    pool: ProcessPoolExecutor | None = None
    futures: dict[Future[list[TaskResult]], int] = {}
    results: list[TaskResult] = []
    try:
        with _sigint_blocked():
            # Workers (and the fork server) start here; they inherit the blocked SIGINT,
            # so a Ctrl-C reaches only this process, which then stops them.
            context = _context()
            ticks = context.SimpleQueue() if advance is not None else None
            pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=context,
                initializer=_ignore_sigint,
                initargs=(ticks,),
            )
            for index, chunk in enumerate(chunks):
                futures[pool.submit(_run_chunk, chunk, index)] = index
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


_TICKS: multiprocessing.queues.SimpleQueue[int] | None = None
"""In a worker process of a run that shows progress: where each finished replication is
reported (by the number of its chunk), so that progress moves one replication at a time."""


def _ignore_sigint(ticks: multiprocessing.queues.SimpleQueue[int] | None = None) -> None:
    """Worker initializer: Ctrl-C, SIGTERM and SIGHUP are the parent's to handle (it kills
    the workers); on Linux a worker dies with its parent, even one killed outright. With
    ``ticks``, the worker reports each replication it finishes there."""
    global _TICKS
    for signum in _STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    _die_with_parent()
    _TICKS = ticks


def _run_chunk(batch: Batch, chunk: int) -> list[TaskResult]:
    """Run a chunk in a worker; with progress shown, report each replication as it ends."""
    ticks = _TICKS
    if ticks is None:
        return run_batch(batch)
    return run_batch(batch, lambda _: ticks.put(chunk))


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
    with _cancelled_futures_quiet():
        for process in list(processes.values()):
            if process.is_alive():
                process.kill()
        pool.shutdown(wait=True, cancel_futures=True)  # joins the pool's manager thread
    for process in list(processes.values()):
        process.join(timeout=5)


@contextmanager
def _cancelled_futures_quiet() -> Iterator[None]:
    """Keep the pool's manager thread from printing a traceback while the pool is killed.

    On Python 3.11 the thread that notices the killed workers sets an exception on every
    future it still holds, cancelled ones included, and ``InvalidStateError`` escapes it
    (a run stopped with Ctrl-C then printed a thread traceback now and then). Those futures
    are abandoned anyway, so that one error is dropped; any other still reaches the hook.
    """
    previous = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is not InvalidStateError:
            previous(args)

    threading.excepthook = hook
    try:
        yield
    finally:
        threading.excepthook = previous
