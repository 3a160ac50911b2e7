"""Reporting: number formatting, the table, JSON, CSV and atomic file writes."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

import pytest

from simulator.experiment.result import PolicyResult, RunResult
from simulator.metrics.summary import EMPTY, Summary, summarize
from simulator.reporting import (
    CSV_COLUMNS,
    atomic_write,
    format_cell,
    render_table,
    to_csv,
    to_json,
)
from simulator.reporting.table import format_number


def policy(name: str, fill: list[float | None], profit: list[float | None]) -> PolicyResult:
    store = {"fill_rate": summarize(fill), "profit": summarize(profit), "mean_wait_days": EMPTY}
    return PolicyResult(
        name=name,
        metrics=store,
        products={"widget": dict(store), "gadget": {"fill_rate": summarize(fill)}},
        suppliers={"acme": {"orders": summarize([3.0, 5.0, 4.0]), "spend": summarize([1.0])}},
        replications=[],
    )


@pytest.fixture
def result() -> RunResult:
    return RunResult(
        scenario="Holiday rush",
        seed=2024,
        replications=3,
        window_days=335.0,
        policies={
            "lost-sales": policy("lost-sales", [0.90, 0.91, 0.92], [150000.0, 152000.0, 151000.0]),
            "honest-eta": policy("honest-eta", [0.95, None, 0.97], [160000.0, 161500.0, None]),
        },
    )


def s(mean: float, half: float, n: int = 10) -> Summary:
    return Summary(mean=mean, sd=1.0, ci95_low=mean - half, ci95_high=mean + half, n=n)


@pytest.mark.parametrize(
    ("metric", "summary", "text"),
    [
        ("fill_rate", s(0.91234, 0.0041), "0.912 ± 0.004"),
        ("backup_share", s(0.25, 0.01), "0.250 ± 0.010"),
        ("profit", s(152340.4, 1210.2), "152,340 ± 1,210"),
        ("holding_cost", s(-1234.5, 20.0), "-1,234 ± 20"),
        ("revenue", s(12.5, 0.31), "12.50 ± 0.31"),
        ("mean_wait_days", s(4.372, 0.211), "4.37 ± 0.21"),
        ("units_demanded", s(12345.67, 85.24), "12,346 ± 85"),
        ("units_demanded", s(345.67, 85.24), "345.7 ± 85.2"),
        ("fill_rate", Summary(0.5, None, None, None, 1), "0.500"),
        ("fill_rate", EMPTY, "n/a"),
    ],
)
def test_cells(metric: str, summary: Summary, text: str) -> None:
    assert format_cell(metric, summary) == text


def test_cell_shows_n_when_some_replications_are_undefined() -> None:
    assert format_cell("fill_rate", s(0.9, 0.01, n=7), replications=10) == "0.900 ± 0.010 (n=7)"
    assert format_cell("fill_rate", s(0.9, 0.01, n=10), replications=10) == "0.900 ± 0.010"


def test_no_negative_zero() -> None:
    assert format_number("fill_rate", -0.0001) == "0.000"


def test_table_has_policies_as_columns_and_metrics_as_rows(result: RunResult) -> None:
    text = render_table(result)
    lines = text.splitlines()
    assert lines[0].startswith("Holiday rush: 3 replications per policy, seed 2024, window 335")
    header = next(line for line in lines if "lost-sales" in line)
    assert header.index("lost-sales") < header.index("honest-eta")
    fill = next(line for line in lines if line.strip().startswith("fill_rate"))
    assert "0.910 ± 0.025" in fill
    assert "0.960 ± 0.127 (n=2)" in fill
    profit = next(line for line in lines if line.strip().startswith("profit"))
    assert "151.0k ± 2.5k" in profit
    # undefined for every policy: a default row that cannot say anything is left out
    assert not any(line.strip().startswith("mean_wait_days") for line in lines)
    titles = [line for line in lines if line in ("service", "waiting", "stock", "money")]
    assert titles == ["service", "money"]
    assert "products: fill_rate" in lines
    assert any(line.split()[:1] == ["gadget"] for line in lines)
    assert "\x1b" not in text  # no colour codes
    assert text == result.table()
    assert max(len(line) for line in lines) <= 80


def test_table_all_shows_every_metric_and_suppliers(result: RunResult) -> None:
    text = render_table(result, all_metrics=True)
    wait = next(line for line in text.splitlines() if line.strip().startswith("mean_wait_days"))
    assert wait.split()[1:] == ["n/a", "n/a"]
    assert "supplier acme" in text
    assert any(line.strip().startswith("orders") for line in text.splitlines())


def test_table_metrics_pick_rows_in_order(result: RunResult) -> None:
    text = render_table(result, metrics=["profit", "fill_rate", "spend"])
    rows = [line.split()[0] for line in text.splitlines() if line[:3].strip() and line[:2] == "  "]
    # under their headings (service before money), the order given within each
    assert rows == ["fill_rate", "profit", "acme", "widget", "gadget"]  # "acme spend"
    assert "products: profit" in text


def test_table_products_adds_a_table_per_product(result: RunResult) -> None:
    text = render_table(result, products=True)
    assert "product widget" in text and "product gadget" in text
    assert "products: fill_rate" not in text


def test_table_blocks_of_columns_fit_the_width() -> None:
    names = [f"policy-number-{k}" for k in range(9)]
    wide = RunResult(
        scenario="A scenario with a long name that has to wrap onto a second line",
        seed=1,
        replications=3,
        window_days=10.0,
        policies={n: policy(n, [0.9, 0.8, 0.7], [1e6, 2e6, 3e6]) for n in names},
    )
    for width in (80, 60, 120):
        lines = render_table(wide, width=width).splitlines()
        assert max(len(line) for line in lines) <= width
        header = " ".join(lines)
        assert all(name.split("-")[-1] in header for name in names)
        fills = [line for line in lines if line.strip().startswith("fill_rate")]
        assert sum(line.count("0.800") for line in fills) == len(names)  # every policy once
        assert len(fills) > 1  # in several blocks


def test_json_has_the_design_shape_and_nulls(result: RunResult) -> None:
    text = to_json(result)
    data = json.loads(text)
    assert data["scenario"] == "Holiday rush"
    assert data["window_days"] == 335.0
    metrics = data["policies"]["honest-eta"]["metrics"]
    assert metrics["mean_wait_days"] == {
        "mean": None,
        "sd": None,
        "ci95_low": None,
        "ci95_high": None,
        "n": 0,
    }
    assert metrics["profit"]["n"] == 2
    assert data["policies"]["lost-sales"]["suppliers"]["acme"]["metrics"]["spend"]["sd"] is None
    assert "NaN" not in text
    assert text.startswith('{\n  "scenario"')
    assert text == result.to_json()


def test_csv_has_one_row_per_policy_scope_and_metric(result: RunResult) -> None:
    rows = list(csv.reader(io.StringIO(to_csv(result))))
    assert tuple(rows[0]) == CSV_COLUMNS
    body = rows[1:]
    # Per policy: 3 store + 3 widget + 1 gadget + 2 supplier rows.
    assert len(body) == 2 * 9
    scopes = {row[1] for row in body}
    assert scopes == {"store", "product:widget", "product:gadget", "supplier:acme"}
    wait = next(r for r in body if r[:3] == ["lost-sales", "store", "mean_wait_days"])
    assert wait[3:] == ["", "", "", "", "0"]
    fill = next(r for r in body if r[:3] == ["lost-sales", "store", "fill_rate"])
    assert float(fill[3]) == pytest.approx(0.91)
    assert fill[7] == "3"
    assert to_csv(result) == result.to_csv()


def test_atomic_write_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    atomic_write(target, "first\n")
    assert target.read_text() == "first\n"
    atomic_write(str(target), "second ±\n")
    assert target.read_text(encoding="utf-8") == "second ±\n"
    assert os.listdir(tmp_path) == ["out.json"]


def test_atomic_write_failure_leaves_the_old_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.csv"
    target.write_text("old contents\n")

    def broken_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="Input/output"):
        atomic_write(target, "new contents that never land\n")
    assert target.read_text() == "old contents\n"
    assert os.listdir(tmp_path) == ["report.csv"]  # no temporary file left behind


def test_atomic_write_failure_while_writing(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("old\n")
    with pytest.raises(UnicodeEncodeError):
        atomic_write(target, "a" * 100_000 + "±", encoding="ascii")
    assert target.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["report.txt"]


def test_atomic_write_keeps_permissions(tmp_path: Path) -> None:
    target = tmp_path / "shared.json"
    target.write_text("{}")
    target.chmod(0o640)
    atomic_write(target, "[]")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_atomic_write_into_a_missing_directory_fails_cleanly(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        atomic_write(tmp_path / "nope" / "out.json", "x")
