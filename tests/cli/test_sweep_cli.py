"""``backorder-sim sweep``: rows per point and policy, output formats, bad input, and resuming
after the process was killed mid-way."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from simulator.cli import main
from simulator.experiment.sweep import metric_columns
from simulator.model import simulation

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
import cli_fakes  # noqa: E402

SHOP = """\
name: Sweep shop
seed: 5
horizon_days: 60
warmup_days: 10
replications: 2
products:
  widget:
    price: 20
    demand: {rate_per_day: 3}
    replenishment: {policy: rQ, reorder_point: 4, order_quantity: 10}
suppliers:
  acme: {lead_time_days: 2, unit_cost: 8}
policies:
  - {name: lost-sales}
  - {name: backorder-all, backorder: {allow: true}}
"""

RP = "products.widget.replenishment.reorder_point"
PRICE = "products.widget.price"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(SHOP)
    return path


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simulation, "simulate", cli_fakes.fake_simulate)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.usefixtures("fake_model")
def test_two_vary_options_give_one_row_per_point_and_policy(shop: Path) -> None:
    result = invoke(
        "sweep",
        str(shop),
        "--vary",
        f"{RP}=2:6:2",
        "--vary",
        f"{PRICE}=10,20",
        "--executor",
        "serial",
    )
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[0].split(",")
    assert header == ["point", RP, PRICE, "policy", *metric_columns()]
    got = rows(result.stdout)
    assert len(got) == 3 * 2 * 2
    assert [(r["point"], r[RP], r[PRICE], r["policy"]) for r in got[:3]] == [
        ("0", "2", "10", "lost-sales"),
        ("0", "2", "10", "backorder-all"),
        ("1", "2", "20", "lost-sales"),
    ]


@pytest.mark.usefixtures("fake_model")
def test_json_and_out(shop: Path, tmp_path: Path) -> None:
    out = tmp_path / "grid.csv"
    result = invoke(
        "sweep", str(shop), "--vary", f"{PRICE}=10,20", "--policy", "backorder-all",
        "--executor", "serial", "--format", "json", "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["vary"] == {PRICE: [10, 20]}
    assert [r["policy"] for r in document["rows"]] == ["backorder-all"] * 2
    assert result.stderr == f"wrote {out}: 2 rows\n"
    assert [r["profit_mean"] for r in rows(out.read_text())] == [
        repr(r["profit_mean"]) for r in document["rows"]
    ]
    again = invoke("sweep", str(shop), "--vary", f"{PRICE}=10,20", "--policy", "backorder-all",
                   "--executor", "serial", "--out", str(out))  # fmt: skip
    assert again.stderr == f"wrote {out}: 2 rows (2 rows from the previous run)\n"


BAD = [
    (["--vary", "nope"], "Error: --vary 'nope': expected KEY=V1,V2,... or KEY=START:STOP:STEP "
     "(no '=' found)"),
    (["--vary", f"{RP}=1:5:0"], f"Error: --vary {RP}: the step must not be 0, got '1:5:0'"),
    (["--vary", "products.widget.prize=1,2"], "--vary products.widget.prize: unknown key "
     "'prize' (did you mean 'price'?)"),
    ([], "Error: nothing to vary: give --vary KEY=V1,V2,... or a sweep: block in the scenario"),
    (["--vary", f"{PRICE}=1", "--scheduler", "tcp://127.0.0.1:1"],
     "Error: --scheduler is for --executor dask, not 'serial'"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "line"), BAD)
def test_bad_input_is_one_line(shop: Path, args: list[str], line: str) -> None:
    result = invoke("sweep", str(shop), *args, "--executor", "serial")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [line]


@pytest.mark.usefixtures("fake_model")
def test_out_into_a_missing_directory_fails_before_running(shop: Path, tmp_path: Path) -> None:
    out = tmp_path / "nowhere" / "grid.csv"
    result = invoke(
        "sweep", str(shop), "--vary", f"{PRICE}=1", "--executor", "serial", "--out", str(out)
    )
    assert result.exit_code == 1
    assert result.stderr == f"Error: cannot write {out}: no such directory {out.parent}\n"


@pytest.mark.usefixtures("fake_model")
def test_a_mismatch_names_what_differs(shop: Path, tmp_path: Path) -> None:
    out = tmp_path / "grid.csv"
    base = [
        "sweep",
        str(shop),
        "--vary",
        f"{PRICE}=10,20",
        "--executor",
        "serial",
        "--out",
        str(out),
    ]
    assert invoke(*base).exit_code == 0
    result = invoke(*base, "--replications", "3")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {out} holds results of a different sweep: the replications differ (2 in the file, "
        "3 now); use --fresh to start over, or another --out\n"
    )
    assert invoke(*base, "--replications", "3", "--fresh").exit_code == 0


def test_a_killed_sweep_resumes_without_recomputing_finished_points(
    shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kill the real command line (slow model) after its first chunk was saved; run it again:
    the file equals an uninterrupted run's, and the second run computes only what is left."""
    out = tmp_path / "grid.csv"
    calls = tmp_path / "calls.txt"
    args = ["sweep", str(shop), "--vary", f"{PRICE}=10:40:10", "--policy", "backorder-all",
            "--executor", "serial", "--out", str(out), "--quiet"]  # fmt: skip
    env = {**os.environ, "CLI_FAKES_CALLS": str(calls)}
    command = [sys.executable, str(HERE / "cli_fakes.py"), *args]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not out.exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the first chunk was never saved"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    interrupted = rows(out.read_text())
    # serial: the first chunk is two points (four slow replications), the rest one more chunk
    assert [r["point"] for r in interrupted] == ["0", "1"]
    first_calls = calls.read_text().splitlines()
    assert 4 <= len(first_calls) < 8  # killed inside the second chunk

    calls.unlink()
    resumed = subprocess.run(command, env=env, capture_output=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert len(calls.read_text().splitlines()) == 2 * 2  # points 2 and 3; 0 and 1 were reused

    monkeypatch.setattr(simulation, "simulate", cli_fakes.fake_simulate)
    whole = tmp_path / "whole.csv"
    assert invoke(*[whole.as_posix() if a == str(out) else a for a in args]).exit_code == 0
    assert out.read_text() == whole.read_text()
    assert len(rows(out.read_text())) == 4
