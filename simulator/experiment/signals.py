"""Worker processes and signals: a Ctrl-C (or SIGTERM, SIGHUP) is the parent's to handle.

The process pool and the Dask local cluster start their workers with these signals blocked,
so that a worker never dies half-way through its imports with a traceback; the parent then
stops its workers itself.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import InvalidStateError
from contextlib import contextmanager

STOP_SIGNALS = {
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
}
"""Signals the parent handles for its workers: it stops them (the process pool's ``_abort``)."""


@contextmanager
def sigint_blocked() -> Iterator[None]:
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
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def die_with_parent() -> None:
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


@contextmanager
def cancelled_futures_quiet() -> Iterator[None]:
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
