"""The compare command, and precision options on run and compare."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli import TINY, assert_clean_failure, invoke

from simulator.metrics.record import STORE_METRICS

DESIGN_KEYS = ["scenario", "seed", "replications", "window_days", "policies"]
COMPARE_KEYS = [
    "baseline",
    "objective",
    "differences",
    "relative_differences",
    "ranking",
    "clear",
    "sentences",
    "recommendation",
]


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY + "  - {name: backorder-copy, backorder: {allow: true}}\n")
    return path


def test_compare_table_reads_top_to_bottom_and_fits_80_columns(tiny: Path) -> None:
    result = invoke("compare", str(tiny), "--executor", "serial")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Tiny shop: 3 replications per policy, seed 3, window 50 days")
    heads = [
        "service",
        "Differences against the baseline, lost-sales",
        "Ranking by profit",
        "In words",
        "Recommendation",
    ]
    positions = [out.index(head) for head in heads]
    assert positions == sorted(positions)
    assert max(map(len, out.splitlines())) <= 80  # the run's table fits too
    assert "*" in out[out.index("Differences against") : out.index("Ranking by")]
    ranking = out[out.index("Ranking by") : out.index("In words")]
    assert "backorder-copy" in ranking and "contender" in ranking
    assert out.rstrip().endswith(".")  # the recommendation is the last thing printed
    assert result.stderr == ""


def test_compare_json_has_the_design_shape(tiny: Path) -> None:
    result = invoke("compare", str(tiny), "--executor", "serial", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == DESIGN_KEYS + COMPARE_KEYS
    assert data["baseline"] == "lost-sales"
    assert data["objective"] == {"metric": "profit", "goal": "max"}
    assert list(data["differences"]) == ["backorder-all", "backorder-copy"]
    assert list(data["differences"]["backorder-all"]) == list(STORE_METRICS)
    assert data["differences"]["backorder-copy"] == data["differences"]["backorder-all"]
    statuses = {e["policy"]: e["status"] for e in data["ranking"]}
    assert statuses["backorder-copy"] != "worse"
    assert list(data["sentences"]) == ["lost-sales", "backorder-all", "backorder-copy"]


def test_compare_objective_option(tiny: Path) -> None:
    args = ["compare", str(tiny), "--executor", "serial", "--format", "json"]
    data = json.loads(invoke(*args, "--objective", "mean_on_hand_units:min").stdout)
    assert data["objective"] == {"metric": "mean_on_hand_units", "goal": "min"}
    means = [e["mean"] for e in data["ranking"]]
    assert means == sorted(means)


def test_compare_process_executor_gives_the_serial_numbers(tiny: Path) -> None:
    args = [
        "compare",
        str(tiny),
        "--format",
        "json",
        "--precision",
        "profit=1",
        "--max-replications",
        "5",
    ]
    serial = invoke(*args, "--executor", "serial")
    pool = invoke(*args, "--executor", "process", "--workers", "2")
    assert serial.exit_code == pool.exit_code == 0, pool.output
    assert json.loads(serial.stdout) == json.loads(pool.stdout)


def test_precision_not_met_says_so_on_stderr_and_in_the_json(tiny: Path) -> None:
    result = invoke(
        "compare",
        str(tiny),
        "--executor",
        "serial",
        "--format",
        "json",
        "--precision",
        "profit=0.01",
        "--max-replications",
        "4",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["replications"] == 4
    assert data["precision"]["met"] is False
    assert result.stderr.startswith(
        "precision target not met: stopped at the cap of 4 replications; reached profit of "
        "backorder-all - lost-sales: ±"
    )
    quiet = invoke(
        "compare",
        str(tiny),
        "--executor",
        "serial",
        "--format",
        "json",
        "-q",
        "--precision",
        "profit=0.01",
        "--max-replications",
        "4",
    )
    assert quiet.stderr == ""


def test_run_precision_in_the_table(tiny: Path) -> None:
    result = invoke(
        "run",
        str(tiny),
        "--executor",
        "serial",
        "--precision",
        "fill_rate=100%",
        "--replications",
        "2",
    )
    assert result.exit_code == 0, result.output
    assert "precision target met after 2 replications (fill_rate=100%)" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--objective", "proft:max"],
            "Error: objective: unknown metric 'proft' (did you mean 'profit'?)",
        ),
        (
            ["--objective", "profit:up"],
            "Error: objective profit: goal must be 'max' or 'min', got 'up'",
        ),
        (
            ["--objective", "profit"],
            "Error: --objective: expected METRIC:max or METRIC:min, got 'profit'",
        ),
        (
            ["--precision", "profit"],
            "Error: --precision: expected METRIC=HALF_WIDTH or METRIC=PERCENT%, got 'profit'",
        ),
        (
            ["--precision", "profit=-1"],
            "Error: --precision profit: the half-width must be a number > 0, got -1.0",
        ),
        (
            ["--max-replications", "9"],
            "Error: --max-replications needs at least one --precision target",
        ),
        (
            ["--precision", "profit=1", "--max-replications", "2"],
            "Error: --max-replications (=2) must be >= the replications to start with (=3)",
        ),
    ],
)
def test_compare_bad_options_fail_in_one_line(tiny: Path, args: list[str], message: str) -> None:
    lines = assert_clean_failure(invoke("compare", str(tiny), "--executor", "serial", *args))
    assert lines == [message]


def test_compare_has_no_csv(tiny: Path) -> None:
    lines = assert_clean_failure(invoke("compare", str(tiny), "--format", "csv"))
    assert "--format" in lines[0]


def test_run_rejects_a_bad_precision(tiny: Path) -> None:
    lines = assert_clean_failure(invoke("run", str(tiny), "--precision", "wait=1"))
    assert lines == ["Error: --precision: unknown metric 'wait'"]
