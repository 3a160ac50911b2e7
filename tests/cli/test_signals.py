"""Signals and processes, with real subprocesses: SIGINT, SIGTERM and SIGHUP stop the pool
workers, leave no output file and no orphan, and exit 130 or 128 + N; a parent killed
outright takes its workers with it (issue 14)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).parent

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads processes from /proc"
)

SHOP = """\
name: Shop
horizon_days: 30
replications: 3
products:
  widget:
    price: 20
    demand: {rate_per_day: 3}
    replenishment: {policy: base_stock, level: 12}
suppliers:
  acme: {lead_time_days: 2}
policies:
  - {name: lost-sales}
  - {name: backorder-all, backorder: {allow: true}}
"""


def descendants(pid: int) -> set[int]:
    """Every living process below `pid`, from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z":
            parents[int(entry)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"


def start_run(tmp_path: Path, out: Path) -> tuple[subprocess.Popen[bytes], set[int]]:
    """The real command line with a slow model, once its workers are busy; its workers."""
    scenario = tmp_path / "shop.yaml"
    scenario.write_text(SHOP)
    started = tmp_path / "started"
    env = {**os.environ, "CLI_FAKES_STARTED": str(started)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    command = [sys.executable, str(HERE / "cli_fakes.py"), "run", str(scenario)]
    command += ["--executor", "process", "--workers", "2", "--replications", "40"]
    command += ["--out", str(out)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not started.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the run never started"
        time.sleep(0.05)
    workers = descendants(process.pid)
    assert workers, "no worker processes found"
    return process, workers


def wait_gone(pids: set[int], seconds: float = 10.0) -> set[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = {pid for pid in pids if alive(pid)}
        if not left:
            return set()
        time.sleep(0.05)
    return {pid for pid in pids if alive(pid)}


@pytest.mark.parametrize(
    ("signum", "code", "group"),
    [
        (signal.SIGINT, 130, True),
        (signal.SIGTERM, 143, False),
        (signal.SIGTERM, 143, True),
        (signal.SIGHUP, 129, False),
    ],
    ids=["SIGINT-group", "SIGTERM", "SIGTERM-group", "SIGHUP"],
)
def test_a_signal_stops_workers_and_leaves_no_output(
    tmp_path: Path, signum: int, code: int, group: bool
) -> None:
    out = tmp_path / "out" / "result.json"
    out.parent.mkdir()
    process, workers = start_run(tmp_path, out)
    try:
        if group:
            os.killpg(process.pid, signum)  # as a terminal or a job manager does
        else:
            os.kill(process.pid, signum)  # the main process only (kill PID)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == code, stderr
    assert b"Traceback" not in stderr
    assert wait_gone(workers) == set(), "orphan worker processes"
    assert os.listdir(out.parent) == [], "partial output left behind"


def test_workers_die_with_a_parent_killed_outright(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    process, workers = start_run(tmp_path, out)
    try:
        os.kill(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)
        assert wait_gone(workers) == set(), "orphan worker processes"
    finally:
        for pid in workers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
    assert not out.exists()
