"""The Dask executor: replications as tasks on a ``distributed`` cluster (the ``dask`` extra).

Without a scheduler address it starts a :class:`distributed.LocalCluster` (``workers``
single-threaded worker processes, listening on 127.0.0.1 only, no dashboard) and closes it
when done; with one (``tcp://HOST:PORT``) it uses that cluster, whose workers must have the
same version of backorder-sim installed.

How the work is sent, following Dask's best practices:

- with no more distinct scenarios than worker threads (a run: every task needs the same
  few), each is sent once to every worker (``Client.scatter(..., broadcast=True)``) and
  tasks refer to it, so a task carries only its seeds; with more (a chunk of a sweep:
  each point's scenario serves a task or two), a scenario travels inside the tasks that
  need it, once per task rather than once per replication, so that a dying worker cannot
  take the only copy with it;
- tasks are grouped so that each worker gets about :data:`CHUNKS_PER_WORKER` of them per
  :meth:`DaskExecutor.run` call (consecutive replications, possibly of several policies or
  grid points), and, once an earlier call (a sweep's first chunk, a first batch of a
  precision run) has shown how long a replication takes, at least
  :data:`MIN_TASK_SECONDS` of work each;
- results are gathered with ``as_completed``, which feeds the progress callback;
- a task lost with a dying worker is run again elsewhere (the scheduler reschedules it, and
  ``retries`` covers a failed attempt); when the cluster still cannot finish, the run fails
  with one clear :class:`ExperimentError` rather than returning fewer replications.

Results are tagged like every executor's, so the numbers are the same as in-process.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import time
import uuid
import warnings
from collections.abc import Sequence
from concurrent.futures import CancelledError
from dataclasses import replace
from typing import Any

from simulator.experiment import parts
from simulator.experiment.errors import ExperimentError
from simulator.experiment.executors import (
    CHUNKS_PER_WORKER,
    Advance,
    Batch,
    Executor,
    TaskResult,
    run_batch,
    split_target,
)
from simulator.experiment.signals import sigint_blocked

MISSING_EXTRA = "executor 'dask' needs the dask extra: pip install 'backorder-sim[dask]'"
"""The message when ``distributed`` is not installed."""

RETRIES = 2
"""How many more times Dask may run a task whose attempt failed."""

CONNECT_TIMEOUT = "10s"
"""How long to wait for a scheduler given by address."""

_Spec = tuple[str, int, Any, tuple[Any, ...], Any]
"""A batch without its scenario: (name, scenario index, backorder, tasks, simulate)."""


MIN_TASK_SECONDS = 0.2
"""Once the time of a replication is known (from an earlier call), a Dask task holds at
least this much work, so that it is worth its scheduling and transfer cost."""


def _run_group(specs: list[_Spec], scenarios: list[Any]) -> tuple[list[TaskResult], float]:
    """Worker side: run each batch of a group with its (already scattered) scenario; the
    results and the seconds they took."""
    began = time.perf_counter()
    results: list[TaskResult] = []
    for name, index, backorder, tasks, simulate in specs:
        batch = Batch(name, scenarios[index], backorder, tasks, simulate)
        results.extend(run_batch(batch))
    return results, time.perf_counter() - began


class DaskExecutor(Executor):
    """Runs tasks on a Dask cluster: a local one started for the run, or one at an address."""

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None) -> None:
        super().__init__(workers)
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ExperimentError(MISSING_EXTRA) from None
        if scheduler is not None and not scheduler.strip():
            raise ExperimentError("--scheduler must be an address like tcp://HOST:PORT, got ''")
        self.scheduler = scheduler
        """Address of a running scheduler; None starts a local cluster."""
        self._client: Any = None
        self._cluster: Any = None
        self._holds = 0
        self._seconds_per_task: float | None = None
        """Seconds one replication took on a worker, on average, in the last run."""

    def open(self) -> None:
        """Connect to the cluster (starting a local one), unless already connected."""
        self._holds += 1
        if self._client is None:
            try:
                self._connect()
            except BaseException:
                self._holds -= 1
                raise

    def close(self) -> None:
        """Disconnect when the last holder closes; a cluster this executor started stops."""
        self._holds = max(0, self._holds - 1)
        if self._holds:
            return
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()

    def _connect(self) -> None:
        from distributed import Client

        if self.scheduler is not None:
            try:
                self._client = Client(self.scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
            except (OSError, TimeoutError, ValueError) as exc:
                raise ExperimentError(
                    f"cannot connect to the Dask scheduler at {self.scheduler}: {exc}"
                ) from None
            return
        try:
            self._cluster = local_cluster(self.workers or os.cpu_count() or 1)
        except (OSError, RuntimeError, TimeoutError) as exc:
            raise ExperimentError(f"cannot start a local Dask cluster: {exc}") from None
        self._client = Client(self._cluster, set_as_default=False)

    @property
    def client(self) -> Any:
        """The ``distributed.Client`` while the executor is open, else None."""
        return self._client

    def run(self, batches: Sequence[Batch], advance: Advance | None = None) -> list[TaskResult]:
        """Run the batches on the cluster, grouped into a few tasks per worker."""
        if not any(batch.tasks for batch in batches):
            return []
        with self:
            return self._run(batches, advance)

    def _run(self, batches: Sequence[Batch], advance: Advance | None) -> list[TaskResult]:
        slots = max(1, sum(self._client.nthreads().values()))
        cut = parts.split(batches, split_target(slots))
        if cut is None:
            return self._run_tasks(batches, advance, slots)
        measured = self._seconds_per_task
        try:
            return cut.combine(self._run_tasks(cut.batches, cut.advance(advance), slots))
        finally:
            self._seconds_per_task = measured  # a piece's time is not a replication's

    def _run_tasks(
        self, batches: Sequence[Batch], advance: Advance | None, slots: int
    ) -> list[TaskResult]:
        from distributed import KilledWorker, as_completed

        total = sum(len(batch.tasks) for batch in batches)
        client = self._client
        size = math.ceil(total / (slots * CHUNKS_PER_WORKER))
        if self._seconds_per_task:
            size = max(size, math.ceil(MIN_TASK_SECONDS / self._seconds_per_task))
        groups = _groups(batches, min(size, total))

        scenarios: dict[int, Any] = {}
        for batch in batches:
            scenarios.setdefault(id(batch.scenario), batch.scenario)
        order = {key: i for i, key in enumerate(scenarios)}
        run_id = uuid.uuid4().hex[:12]
        futures: list[Any] = []
        results: list[TaskResult] = []
        try:
            values = list(scenarios.values())
            if len(values) <= slots:  # few scenarios, each needed by many tasks
                sent = client.scatter(values, broadcast=True, hash=False)
            else:  # a scenario per point, each needed by a task or two: it travels with them
                sent = values
            for number, group in enumerate(groups):
                used = sorted({order[id(b.scenario)] for b in group})
                local = {index: position for position, index in enumerate(used)}
                specs = [
                    (b.name, local[order[id(b.scenario)]], b.backorder, b.tasks, b.simulate)
                    for b in group
                ]
                futures.append(
                    client.submit(
                        _run_group,
                        specs,
                        [sent[index] for index in used],
                        key=f"backorder-sim-{run_id}-{number}",
                        pure=False,
                        retries=RETRIES,
                    )
                )
            busy, ran = 0.0, 0
            for future in as_completed(futures, loop=client.loop):
                part, seconds = future.result()
                results.extend(part)
                busy, ran = busy + seconds, ran + len(part)
                if advance is not None:
                    advance(len(part))
            self._seconds_per_task = busy / ran
        except (KilledWorker, CancelledError, OSError, TimeoutError) as exc:
            _cancel(client, futures)
            raise ExperimentError(
                f"the Dask cluster could not finish the run ({type(exc).__name__}: {exc}); "
                "no partial results are returned"
            ) from None
        except ImportError as exc:
            _cancel(client, futures)
            raise ExperimentError(
                f"a Dask worker cannot import what the run needs ({exc}); install the same "
                "version of backorder-sim on every worker"
            ) from None
        except BaseException:
            _cancel(client, futures)
            raise
        return results


PRELOAD = ("simulator.experiment.executors", "simulator.model.simulation")
"""Modules a local cluster's workers import as they start, so that the first tasks do not
wait for them."""


def local_cluster(workers: int) -> Any:
    """A ``distributed.LocalCluster`` as the executor starts it: ``workers`` single-threaded
    worker processes, listening on 127.0.0.1 only, no dashboard, the model preloaded.

    Worker processes inherit a blocked SIGINT: a Ctrl-C is this process's to handle.
    """
    from distributed import LocalCluster

    with sigint_blocked(), warnings.catch_warnings():
        # with the dashboard off, the scheduler's small HTTP server (loopback only) still
        # tries port 8787 first, and warns when another cluster holds it
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        return LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
            preload=list(PRELOAD),
        )


def _groups(batches: Sequence[Batch], size: int) -> list[list[Batch]]:
    """Consecutive pieces of the batches, ``size`` tasks to a group (the last may be short)."""
    groups: list[list[Batch]] = []
    current: list[Batch] = []
    room = size
    for batch in batches:
        tasks = batch.tasks
        while tasks:
            take, tasks = tasks[:room], tasks[room:]
            current.append(replace(batch, tasks=take))
            room -= len(take)
            if room == 0:
                groups.append(current)
                current, room = [], size
    if current:
        groups.append(current)
    return groups


def _cancel(client: Any, futures: list[Any]) -> None:
    """Cancel what is still running (best effort: the cluster may already be gone)."""
    if not futures:
        return
    with contextlib.suppress(Exception):
        client.cancel(futures)
