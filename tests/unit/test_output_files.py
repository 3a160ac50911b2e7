"""Outputs go to regular files only, atomically; a link is followed; CSV cells from user
text never start like a formula (regressions of the red-team pass, issue 14)."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest

from simulator.reporting import NotARegularFile, atomic_write, safe_cell, to_csv


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_at_the_path_is_refused_and_left_alone(tmp_path: Path) -> None:
    pipe = tmp_path / "out.json"
    os.mkfifo(pipe)
    with pytest.raises(NotARegularFile, match=r"a named pipe \(FIFO\) is there"):
        atomic_write(pipe, "{}")
    assert pipe.is_fifo()
    assert os.listdir(tmp_path) == ["out.json"]  # no temporary file left behind


def test_a_device_at_the_path_is_refused() -> None:
    if not os.path.exists("/dev/null"):
        pytest.skip("no /dev/null here")
    with pytest.raises(NotARegularFile, match="a device is there"):
        atomic_write("/dev/null", "{}")


def test_a_directory_at_the_path_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    with pytest.raises(IsADirectoryError):
        atomic_write(tmp_path / "out", "{}")


def test_a_symlink_is_followed_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "data" / "real.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    atomic_write(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new"
    assert sorted(os.listdir(real.parent)) == ["real.json"]


def test_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "later.json")
    atomic_write(link, "x")
    assert link.is_symlink() and (tmp_path / "later.json").read_text() == "x"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_symlink_to_a_fifo_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "link").symlink_to(tmp_path / "pipe")
    with pytest.raises(NotARegularFile):
        atomic_write(tmp_path / "link", "x")


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+1", "'+1"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("honest-eta", "honest-eta"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_safe_cell(text: str, cell: str) -> None:
    assert safe_cell(text) == cell


def test_csv_output_prefixes_user_names_that_look_like_formulas() -> None:
    from simulator import load_scenario, run

    data = {
        "name": "t",
        "horizon_days": 20,
        "replications": 2,
        "products": {
            "=cmd|' /C calc'!A0": {
                "price": 1,
                "demand": {"rate_per_day": 1},
                "replenishment": {"policy": "base_stock", "level": 2},
            }
        },
        "suppliers": {"@evil": {"lead_time_days": 1}},
        "policies": [{"name": "+SUM(1)"}],
    }
    result = run(load_scenario(data), executor="serial")
    rows = list(csv.reader(io.StringIO(to_csv(result))))[1:]
    assert {row[0] for row in rows} == {"'+SUM(1)"}
    scopes = {row[1] for row in rows}
    assert scopes == {"store", "product:'=cmd|' /C calc'!A0", "supplier:'@evil"}
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row[:2])
