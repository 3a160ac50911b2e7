"""The Dask executor on a real LocalCluster (loopback, 2 worker processes, started and closed
here): the same numbers as in-process for run and sweep, and a worker killed mid-run."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import simulator
from simulator.experiment import ExperimentError, run_experiment
from simulator.experiment.dask_executor import DaskExecutor, local_cluster
from simulator.experiment.sweep import run_sweep
from simulator.scenario import load_scenario

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.filterwarnings("ignore:Port .* is already in use")

CLI = Path(__file__).resolve().parents[1] / "cli"
sys.path.insert(0, str(CLI))
import cli_fakes  # noqa: E402

HOLIDAY = Path(__file__).resolve().parents[1] / "data" / "good" / "holiday.yaml"
SHORT = ("horizon_days=60", "warmup_days=10", "replications=3")
"""Every feature of the holiday scenario (backup supplier, disruptions, ETA quotes,
overrides), over a short horizon."""


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """One LocalCluster for the module, as the executor starts one: 2 single-threaded worker
    processes on 127.0.0.1."""
    with local_cluster(2) as local:
        yield local


def test_run_same_numbers_serial_process_and_dask(cluster: Any) -> None:
    loaded = load_scenario(HOLIDAY, SHORT)
    serial = run_experiment(loaded, executor="serial").to_dict()
    pool = run_experiment(loaded, executor="process", workers=2).to_dict()
    dask = run_experiment(loaded, executor="dask", scheduler=cluster.scheduler_address).to_dict()
    assert pool == serial
    assert dask == serial


def test_compare_and_precision_runs_same_numbers_on_dask(cluster: Any) -> None:
    loaded = load_scenario(HOLIDAY, SHORT)
    address = cluster.scheduler_address
    serial = simulator.compare(loaded, executor="serial").to_dict()
    assert simulator.compare(loaded, executor="dask", scheduler=address).to_dict() == serial
    options: dict[str, Any] = {"precision": ["fill_rate=0.001"], "max_replications": 6}
    batched = simulator.run(loaded, executor="dask", scheduler=address, **options)
    assert batched.to_dict() == simulator.run(loaded, executor="serial", **options).to_dict()
    assert batched.precision is not None and len(batched.precision.history) > 1


def test_sweep_same_rows_serial_process_and_dask(cluster: Any) -> None:
    loaded = load_scenario(HOLIDAY, SHORT)
    vary = {
        "products.widget.replenishment.reorder_point": [100, 140],
        "customers.informed_patience_factor": [1.0, 2.0],
    }
    serial = simulator.sweep(loaded, vary, executor="serial", replications=2)
    pool = simulator.sweep(loaded, vary, executor="process", workers=2, replications=2)
    dask = simulator.sweep(
        loaded, vary, executor="dask", scheduler=cluster.scheduler_address, replications=2
    )
    assert len(serial.rows) == 4 * 4
    assert pool.rows == serial.rows
    assert dask.rows == serial.rows


def test_the_scenario_is_scattered_once_and_tasks_are_grouped(
    cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """4 policies x 8 replications go out as 8 grouped tasks (2 workers x 4), not 32, and
    each distinct scenario is sent once, to every worker (broadcast: there are no more of
    them than workers); once replications are
    known to be quick, tasks grow to MIN_TASK_SECONDS of work."""
    from simulator.experiment import runner

    loaded = load_scenario(HOLIDAY, (*SHORT[:2], "replications=8"))
    executor = DaskExecutor(scheduler=cluster.scheduler_address)
    monkeypatch.setattr(runner, "get_executor", lambda *args: executor)
    scattered: list[int] = []
    submitted: list[int] = []
    with executor:
        client = executor.client
        scatter, submit = client.scatter, client.submit

        def spy_scatter(data: list[Any], **options: Any) -> Any:
            assert options["broadcast"] is True
            scattered.append(len(data))
            return scatter(data, **options)

        def spy_submit(function: Any, specs: list[Any], *args: Any, **options: Any) -> Any:
            submitted.append(sum(len(spec[3]) for spec in specs))
            return submit(function, specs, *args, **options)

        monkeypatch.setattr(client, "scatter", spy_scatter)
        monkeypatch.setattr(client, "submit", spy_submit)
        dask = run_experiment(loaded, executor="dask")
        assert scattered == [2]  # the base scenario, and honest-eta-no-backup's own
        assert submitted == [4] * 8
        assert executor._seconds_per_task is not None  # measured on the workers
        # when a replication is known to take 10 ms, a task holds at least 0.2 s of work
        executor._seconds_per_task = 0.01
        submitted.clear()
        again = run_experiment(loaded, executor="dask")
        assert submitted == [20, 12]
    monkeypatch.undo()
    serial = run_experiment(loaded, executor="serial").to_dict()
    assert dask.to_dict() == serial
    assert again.to_dict() == serial


def test_a_local_cluster_is_started_and_closed_for_the_run() -> None:
    loaded = load_scenario(HOLIDAY, (*SHORT[:2], "replications=2"))
    executor = DaskExecutor(workers=2)
    result = executor.run([])
    assert result == [] and executor.client is None  # closed again after the call
    dask = simulator.run(loaded, executor="dask", workers=2, policies=["lost-sales"])
    serial = simulator.run(loaded, executor="serial", policies=["lost-sales"])
    assert dask.to_dict() == serial.to_dict()


def test_an_unreachable_scheduler_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulator.experiment import dask_executor

    monkeypatch.setattr(dask_executor, "CONNECT_TIMEOUT", "1s")
    loaded = load_scenario(HOLIDAY, (*SHORT[:2], "replications=1"))
    with pytest.raises(
        ExperimentError, match=r"^cannot connect to the Dask scheduler at tcp://127\.0\.0\.1:9: "
    ):
        run_experiment(loaded, executor="dask", scheduler="tcp://127.0.0.1:9")


class Killer:
    """Kills one worker process of ``cluster`` (SIGKILL) once it is running a task."""

    def __init__(self, cluster: Any) -> None:
        self.client = distributed.Client(cluster, set_as_default=False)
        self.pids = self.client.run(os.getpid)
        self.victim = sorted(self.pids)[0]
        self.killed = False
        self.thread = threading.Thread(target=self._kill_when_busy)

    def _kill_when_busy(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.client.processing().get(self.victim):
                time.sleep(0.2)  # inside a replication
                os.kill(self.pids[self.victim], signal.SIGKILL)
                self.killed = True
                return
            time.sleep(0.02)

    def __enter__(self) -> Killer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.thread.join()
        self.client.close()


def test_a_worker_killed_mid_run_gives_complete_identical_results(cluster: Any) -> None:
    """Kill one worker process while it runs replications (the slow fake model): Dask runs
    its tasks again on the other worker or the restarted one; the results are complete and
    the same as in-process, or the run fails with the one clear message."""
    loaded = load_scenario(HOLIDAY, (*SHORT[:2], "replications=4"))
    options: dict[str, Any] = {"policies": ["lost-sales", "backorder-all"]}
    try:
        with Killer(cluster) as killer:
            dask = run_experiment(
                loaded,
                executor="dask",
                scheduler=cluster.scheduler_address,
                simulate=cli_fakes.slow_simulate,
                **options,
            )
    except ExperimentError as exc:  # the other acceptable outcome: one clear message
        assert str(exc).startswith("the Dask cluster could not finish the run")
        return
    assert killer.killed
    serial = run_experiment(loaded, executor="serial", simulate=cli_fakes.fake_simulate, **options)
    assert dask.to_dict() == serial.to_dict()
    assert all(len(p.replications) == 4 for p in dask.policies.values())


def test_a_worker_killed_mid_sweep_gives_complete_identical_rows(cluster: Any) -> None:
    """The same for a sweep, where each point's scenario travels inside its tasks."""
    loaded = load_scenario(HOLIDAY, (*SHORT[:2], "replications=2"))
    vary = {"products.widget.price": [30, 35, 40, 45]}
    options: dict[str, Any] = {"policies": ["backorder-all"]}
    try:
        with Killer(cluster) as killer:
            dask = run_sweep(
                loaded,
                vary,
                executor="dask",
                scheduler=cluster.scheduler_address,
                simulate=cli_fakes.slow_simulate,
                **options,
            )
    except ExperimentError as exc:
        assert str(exc).startswith("the Dask cluster could not finish the run")
        return
    assert killer.killed
    serial = run_sweep(loaded, vary, executor="serial", simulate=cli_fakes.fake_simulate, **options)
    assert dask.rows == serial.rows and len(dask.rows) == 4


def test_one_replication_of_a_catalogue_runs_as_pieces_on_dask(
    cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 14-product catalogue of 12 independent parts, one replication of two policies:
    on the cluster each replication runs as several tasks (pieces of parts), and every
    number equals the serial run's."""
    from catalogue_fakes import catalogue

    from simulator.experiment import parts, runner

    monkeypatch.setattr(parts, "MIN_PIECE_PRODUCTS", 1)  # cut even this small catalogue
    loaded = load_scenario(catalogue())
    serial = run_experiment(loaded, executor="serial").to_dict()
    executor = DaskExecutor(scheduler=cluster.scheduler_address)
    monkeypatch.setattr(runner, "get_executor", lambda *args: executor)
    pieces: list[Any] = []
    tasks: list[int] = []
    with executor:
        client = executor.client
        submit = client.submit

        def spy_submit(function: Any, specs: list[Any], *args: Any, **options: Any) -> Any:
            pieces.extend(spec[4] for spec in specs)
            tasks.append(len(specs))
            return submit(function, specs, *args, **options)

        monkeypatch.setattr(client, "submit", spy_submit)
        dask = run_experiment(loaded, executor="dask")
    assert dask.to_dict() == serial
    # 2 workers, 2 tasks: each replication cut into 4 pieces, each piece its own Dask task
    assert tasks == [1] * 8
    assert all(isinstance(piece, parts.Piece) for piece in pieces)
    assert sorted((p.first, p.stop) for p in pieces) == sorted(
        [(p.first, p.stop) for p in parts.pieces(loaded.scenario, 4)] * 2
    )
