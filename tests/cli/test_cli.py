"""The command line: validate and run, with good input and every kind of bad input."""

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
from simulator.metrics.record import STORE_METRICS, SUPPLIER_METRICS
from simulator.model import simulation

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
import cli_fakes  # noqa: E402

TINY = """\
name: Tiny shop
seed: 3
horizon_days: 60
warmup_days: 10
replications: 3
products:
  widget:
    price: 20
    holding_cost_per_unit_day: 0.1
    initial_on_hand: 10
    demand: {rate_per_day: 3}
    replenishment: {policy: base_stock, level: 12}
suppliers:
  acme: {lead_time_days: 2, unit_cost: 8}
policies:
  - {name: lost-sales}
  - {name: backorder-all, backorder: {allow: true}}
"""

BAD = """\
name: Broken shop
horizon_days: 60
products:
  widget:
    price: 20
    demand: {rate_per_day: 3}
    replenishment: {policy: rQ, reorder_point: 5, order_quantity: ten}
suppliers:
  acme: {lead_time_days: 2}
policies:
  - {name: lost-sales, backorder: {alow: true}}
"""


def invoke(*args: str) -> Result:
    """Run the command line in-process; stdout and stderr kept apart."""
    try:
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        runner = CliRunner()
    return runner.invoke(main, list(args), catch_exceptions=False)


def assert_clean_failure(result: Result, code: int = 1) -> list[str]:
    """Exit ``code``, no traceback, nothing on stdout; the stderr lines."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines
    return lines


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return path


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    return path


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simulation, "simulate", cli_fakes.fake_simulate)


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("backorder-sim, version ")


def test_help_lists_the_commands() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    assert "validate" in result.stdout
    assert "run" in result.stdout


# validate


def test_validate_good_file(tiny: Path) -> None:
    result = invoke("validate", str(tiny))
    assert result.exit_code == 0
    assert result.stdout == f"ok: {tiny}\n"
    assert result.stderr == ""


def test_validate_reports_every_problem_with_file_line_and_key(
    tiny: Path, bad: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.yaml"
    result = invoke("validate", str(tiny), str(bad), str(missing))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stdout == f"ok: {tiny}\n"
    lines = result.stderr.strip().splitlines()
    assert any(
        line.startswith(f"{bad}:7: products.widget.replenishment.order_quantity:") for line in lines
    ), lines
    assert any(
        line.startswith(f"{bad}:11: policies[0].backorder:") and "did you mean 'allow'" in line
        for line in lines
    ), lines
    assert lines[-1] == f"{missing}: no such file"


def test_validate_needs_a_file() -> None:
    lines = assert_clean_failure(invoke("validate"))
    assert len(lines) == 1
    assert lines[0].startswith("Error: Missing argument")


# run: good input, with a stand-in model


@pytest.mark.usefixtures("fake_model")
def test_run_prints_a_table_of_policies_side_by_side(tiny: Path) -> None:
    result = invoke("run", str(tiny), "--executor", "serial")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Tiny shop: 3 replications per policy, seed 3, window 50 days")
    header = next(line for line in lines if "lost-sales" in line)
    assert "backorder-all" in header
    fill = next(line for line in lines if line.strip().startswith("fill_rate"))
    assert fill.count("±") == 2
    wait = next(line for line in lines if line.strip().startswith("mean_wait_days"))
    assert "n/a" in wait
    assert result.stderr == ""  # no progress bar when stderr is not a terminal


@pytest.mark.usefixtures("fake_model")
def test_run_json_has_the_design_shape(tiny: Path) -> None:
    result = invoke(
        "run", str(tiny), "--executor", "serial", "--format", "json", "--replications", "4"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["scenario", "seed", "replications", "window_days", "policies"]
    assert (data["scenario"], data["seed"], data["replications"]) == ("Tiny shop", 3, 4)
    assert data["window_days"] == 50.0
    assert list(data["policies"]) == ["lost-sales", "backorder-all"]
    lost = data["policies"]["lost-sales"]
    assert list(lost["metrics"]) == list(STORE_METRICS)
    assert lost["metrics"]["mean_wait_days"] == {
        "mean": None,
        "sd": None,
        "ci95_low": None,
        "ci95_high": None,
        "n": 0,
    }
    assert lost["metrics"]["fill_rate"]["n"] == 4
    assert list(lost["products"]) == ["widget"]
    assert list(lost["suppliers"]["acme"]["metrics"]) == list(SUPPLIER_METRICS)


@pytest.mark.usefixtures("fake_model")
def test_run_csv_one_row_per_policy_scope_metric(tiny: Path) -> None:
    result = invoke("run", str(tiny), "--executor", "serial", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    per_policy = 2 * len(STORE_METRICS) + len(SUPPLIER_METRICS)
    assert len(rows) == 2 * per_policy
    assert {row["scope"] for row in rows} == {"store", "product:widget", "supplier:acme"}


@pytest.mark.usefixtures("fake_model")
def test_run_options_select_policy_seed_and_replications(tiny: Path) -> None:
    args = ["run", str(tiny), "--executor", "serial", "--format", "json"]
    one = json.loads(invoke(*args, "--policy", "backorder-all", "--seed", "9").stdout)
    assert list(one["policies"]) == ["backorder-all"]
    assert one["seed"] == 9
    again = json.loads(invoke(*args, "--seed", "9").stdout)
    assert again["policies"]["backorder-all"] == one["policies"]["backorder-all"]
    other = json.loads(invoke(*args, "--seed", "10").stdout)
    assert other["policies"]["backorder-all"] != one["policies"]["backorder-all"]


@pytest.mark.usefixtures("fake_model")
def test_run_set_overrides_the_file(tiny: Path) -> None:
    result = invoke(
        "run", str(tiny), "--executor", "serial", "--format", "json", "--set", "replications=2"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["replications"] == 2


@pytest.mark.usefixtures("fake_model")
def test_run_process_executor_gives_the_serial_numbers(tiny: Path) -> None:
    args = ["run", str(tiny), "--format", "json", "--replications", "5"]
    serial = invoke(*args, "--executor", "serial")
    pooled = invoke(*args, "--executor", "process", "--workers", "2")
    assert pooled.exit_code == 0, pooled.output
    assert pooled.stdout == serial.stdout


@pytest.mark.usefixtures("fake_model")
def test_run_out_writes_the_file(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    out.write_text("old")
    result = invoke("run", str(tiny), "--executor", "serial", "--format", "json", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == f"wrote {out}\n"
    assert json.loads(out.read_text())["scenario"] == "Tiny shop"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json", "tiny.yaml"]

    quiet = invoke("run", str(tiny), "--executor", "serial", "--out", str(out), "--quiet")
    assert quiet.exit_code == 0
    assert quiet.stdout == quiet.stderr == ""
    assert out.read_text().startswith("Tiny shop: 3 replications")


# run: bad input


def test_run_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    lines = assert_clean_failure(invoke("run", str(missing)))
    assert lines == [f"{missing}: no such file"]


def test_run_bad_scenario_prints_each_problem(bad: Path) -> None:
    lines = assert_clean_failure(invoke("run", str(bad)))
    assert len(lines) >= 2
    assert lines[0].startswith(f"{bad}:7: products.widget.replenishment.order_quantity:")
    assert all(line.startswith(str(bad)) for line in lines)


def test_run_bad_set_value(tiny: Path) -> None:
    lines = assert_clean_failure(invoke("run", str(tiny), "--set", "horizon_days=soon"))
    assert any(line.startswith("--set horizon_days:") for line in lines), lines


def test_run_unknown_set_key(tiny: Path) -> None:
    lines = assert_clean_failure(invoke("run", str(tiny), "--set", "products.widget.prise=3"))
    assert any("prise" in line for line in lines), lines


@pytest.mark.usefixtures("fake_model")
def test_run_unknown_policy(tiny: Path) -> None:
    lines = assert_clean_failure(invoke("run", str(tiny), "--policy", "backorder-al"))
    assert lines == [
        "Error: unknown policy 'backorder-al' (did you mean 'backorder-all'?); "
        "known policies: lost-sales, backorder-all"
    ]


@pytest.mark.usefixtures("fake_model")
def test_run_dask_without_the_extra_says_how_to_install_it(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    lines = assert_clean_failure(invoke("run", str(tiny), "--executor", "dask"))
    assert lines == [
        "Error: executor 'dask' needs the dask extra: pip install 'backorder-sim[dask]'"
    ]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--replications", "0"], "--replications"),
        (["--replications", "many"], "--replications"),
        (["--seed", "-4"], "--seed"),
        (["--workers", "0"], "--workers"),
        (["--executor", "cluster"], "--executor"),
        (["--format", "xml"], "--format"),
        (["--bogus"], "--bogus"),
    ],
)
def test_run_bad_option_values(tiny: Path, args: list[str], fragment: str) -> None:
    lines = assert_clean_failure(invoke("run", str(tiny), *args))
    assert len(lines) == 1
    assert lines[0].startswith("Error: ")
    assert fragment in lines[0]


@pytest.mark.usefixtures("fake_model")
def test_run_out_into_a_missing_directory(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "no" / "such" / "dir" / "r.json"
    lines = assert_clean_failure(
        invoke("run", str(tiny), "--executor", "serial", "--out", str(out))
    )
    assert lines == [f"Error: --out {out}: no such directory '{out.parent}'"]


def test_unknown_command() -> None:
    lines = assert_clean_failure(invoke("rnu"))
    assert len(lines) == 1
    assert "rnu" in lines[0]


# interruption


def test_ctrl_c_exits_130_without_traceback(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simulation, "simulate", cli_fakes.interrupted_simulate)
    lines = assert_clean_failure(invoke("run", str(tiny), "--executor", "serial"), code=130)
    assert lines == ["Interrupted."]


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX process groups")
def test_ctrl_c_during_a_process_pool_run(tiny: Path, tmp_path: Path) -> None:
    """A real SIGINT to the whole process group, as a terminal sends on Ctrl-C."""
    started = tmp_path / "started"
    env = {**os.environ, "CLI_FAKES_STARTED": str(started)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    command = [sys.executable, str(HERE / "cli_fakes.py"), "run", str(tiny)]
    command += ["--executor", "process", "--workers", "2", "--replications", "40"]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,  # its own process group, like a terminal job
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 60
        while not started.exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the run never started"
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 130, stderr
    assert stdout == b""
    assert b"Traceback" not in stderr
    assert stderr.decode().strip() == "Interrupted."


# the real model, end to end


def test_real_model_end_to_end(tiny: Path) -> None:
    args = ["run", str(tiny), "--executor", "serial", "--replications", "2"]
    result = invoke(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["replications"] == 2
    lost = data["policies"]["lost-sales"]["metrics"]
    backorder = data["policies"]["backorder-all"]["metrics"]
    for metrics in (lost, backorder):
        assert metrics["units_demanded"]["n"] == 2
        assert 0.0 <= metrics["fill_rate"]["mean"] <= 1.0
    assert lost["units_backordered"]["mean"] == 0.0
    # Common random numbers: both policies see the same customers.
    assert lost["units_demanded"] == backorder["units_demanded"]

    table = invoke(*args)
    assert table.exit_code == 0, table.output
    assert "fill_rate" in table.stdout


def test_real_model_same_numbers_in_a_process_pool(tiny: Path) -> None:
    args = ["run", str(tiny), "--format", "json", "--replications", "3"]
    serial = invoke(*args, "--executor", "serial")
    pooled = invoke(*args, "--executor", "process", "--workers", "2")
    assert serial.exit_code == pooled.exit_code == 0, pooled.output
    assert pooled.stdout == serial.stdout
