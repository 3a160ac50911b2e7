"""``backorder-sim fit``: good histories give a fragment that scenarios extend; every kind of
bad CSV gives one clear ``FILE:LINE: column: message`` line each and exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from simulator.cli import main
from simulator.scenario import load_scenario

ORDERS = """\
time,product,quantity,in_stock
2024-01-01T09:00,widget,2,true
2024-01-01T15:30,widget,1,true
2024-01-02,widget,3,
2024-01-04T11:00,gadget,1,true
2024-01-05T10:00,widget,1,false
"""

DELIVERIES = """\
supplier,product,ordered,received,quantity
acme,widget,2024-01-01,2024-01-09,100
acme,widget,2024-01-10,2024-01-17,100
acme,gadget,2024-01-03,2024-01-12,50
acme,widget,2024-02-01,2024-02-11,100
acme,gadget,2024-02-03,2024-02-10,50
acme,widget,2024-03-01,2024-03-08,100
"""


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_fit_writes_a_fragment_a_scenario_extends(tmp_path: Path) -> None:
    orders = write(tmp_path, "orders.csv", ORDERS)
    deliveries = write(tmp_path, "deliveries.csv", DELIVERIES)
    out = tmp_path / "fitted.yaml"
    result = invoke("fit", "--orders", orders, "--deliveries", deliveries, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "product widget" in result.output and "supplier acme" in result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Fitted by backorder-sim fit from")
    scenario = tmp_path / "shop.yaml"
    scenario.write_text(
        "extends: fitted.yaml\n"
        "name: Shop\nhorizon_days: 30\nreplications: 2\n"
        "products:\n"
        "  widget: {price: 10, replenishment: {policy: base_stock, level: 5}}\n"
        "  gadget: {price: 12, replenishment: {policy: base_stock, level: 3}}\n"
        "suppliers:\n  acme: {unit_cost: 4}\n"
        "policies: [{name: lost-sales}]\n",
        encoding="utf-8",
    )
    loaded = load_scenario(scenario)
    assert loaded.scenario.products["widget"].demand.rate_per_day > 0
    assert loaded.scenario.suppliers["acme"].lead_time_days.mean(nonnegative=True) > 5


def test_fit_json_and_plots(tmp_path: Path) -> None:
    orders = write(tmp_path, "orders.csv", ORDERS.replace("time,", "Order Date,"))
    deliveries = write(tmp_path, "deliveries.csv", DELIVERIES)
    plots = tmp_path / "plots"
    result = invoke(
        "fit",
        "--orders",
        orders,
        "--deliveries",
        deliveries,
        "--column",
        "time=Order Date",
        "--format",
        "json",
        "--plot",
        str(plots),
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    widget = data["products"]["widget"]
    # day 4 (2024-01-05) was out of stock: left out of the exposure and the counts
    assert widget["out_of_stock_days"] == 1
    assert widget["orders"] == 3
    assert data["suppliers"]["acme"]["n"] == 6
    assert {"fragment", "fitted_at", "day0"} <= set(data)
    assert sorted(p.name for p in plots.iterdir()) == [
        "demand-gadget.png",
        "demand-widget.png",
        "lead-time-acme.png",
    ]


BAD_ORDERS = [
    ("time,product\n2024-13-01,widget\n", "orders.csv:2: time: not an ISO date"),
    ("time,product\nyesterday,widget\n", "orders.csv:2: time: not an ISO date"),
    (
        "time,product,quantity\n1.5,widget,-2\n",
        "orders.csv:2: quantity: must be a whole number >= 1, got -2",
    ),
    (
        "time,product,quantity\n1.5,widget,0\n",
        "orders.csv:2: quantity: must be a whole number >= 1, got 0",
    ),
    (
        "time,product,quantity\n1.5,widget,1.5\n",
        "orders.csv:2: quantity: must be a whole number >= 1, got 1.5",
    ),
    (
        "time,product,quantity\n1.5,widget,two\n",
        "orders.csv:2: quantity: must be a whole number >= 1, got 'two'",
    ),
    ("time,product\n1.5,\n", "orders.csv:2: product: missing value"),
    ("time,product\n,widget\n", "orders.csv:2: time: missing value"),
    (
        "time,product,in_stock\n1,widget,maybe\n",
        "orders.csv:2: in_stock: must be true or false, got 'maybe'",
    ),
    (
        "time,product\n1,widget\n2024-01-01,widget\n",
        "orders.csv:3: time: a date, but earlier rows have a number",
    ),
    ("product,quantity\nwidget,1\n", "orders.csv:1: time: required column missing"),
    ("", "orders.csv: empty file"),
    ("time,product\n", "orders.csv:1: no data rows after the header"),
    ("time,product\n1,widget,extra\n", "orders.csv:2: 3 cells, but the header has 2"),
    ("time,product\ninf,widget\n", "orders.csv:2: time: must be a finite number of days"),
]


@pytest.mark.parametrize(("text", "expected"), BAD_ORDERS)
def test_bad_orders_one_line_each(tmp_path: Path, text: str, expected: str) -> None:
    write(tmp_path, "orders.csv", text)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path)
        result = invoke("fit", "--orders", "orders.csv")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(expected), lines
    assert "Traceback" not in result.output


BAD_DELIVERIES = [
    (
        "supplier,ordered,received\nacme,2024-01-09,2024-01-05\n",
        "deliveries.csv:2: received: before ordered (2024-01-09)",
    ),
    ("supplier,ordered,received\nacme,5,2\n", "deliveries.csv:2: received: before ordered (5)"),
    ("supplier,ordered,received\n,1,2\n", "deliveries.csv:2: supplier: missing value"),
    ("supplier,ordered\nacme,1\n", "deliveries.csv:1: received: required column missing"),
    (
        "supplier,ordered,received,quantity\nacme,1,2,-5\n",
        "deliveries.csv:2: quantity: must be a whole number >= 1",
    ),
    ("supplier,ordered,received\nacme,1,soon\n", "deliveries.csv:2: received: not an ISO date"),
]


@pytest.mark.parametrize(("text", "expected"), BAD_DELIVERIES)
def test_bad_deliveries_one_line_each(tmp_path: Path, text: str, expected: str) -> None:
    write(tmp_path, "orders.csv", "time,product\n1,widget\n")
    write(tmp_path, "deliveries.csv", text)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path)
        result = invoke("fit", "--orders", "orders.csv", "--deliveries", "deliveries.csv")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(expected), lines


def test_every_bad_row_of_both_files_at_once(tmp_path: Path) -> None:
    write(tmp_path, "orders.csv", "time,product,quantity\nx,widget,1\n1,widget,0\n2,,1\n")
    write(tmp_path, "deliveries.csv", "supplier,ordered,received\nacme,3,1\n")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path)
        result = invoke("fit", "--orders", "orders.csv", "--deliveries", "deliveries.csv")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "orders.csv:2: time: not an ISO date (YYYY-MM-DD), date-time or number of days, got 'x'",
        "orders.csv:3: quantity: must be a whole number >= 1, got 0",
        "orders.csv:4: product: missing value",
        "deliveries.csv:2: received: before ordered (3), got 1",
    ]


def test_missing_file_directory_and_mapping_problems(tmp_path: Path) -> None:
    write(tmp_path, "orders.csv", "Order Date,product\n1,widget\n")
    (tmp_path / "folder.csv").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path)
        assert invoke("fit", "--orders", "nope.csv").stderr == "nope.csv: no such file\n"
        assert invoke("fit", "--orders", "folder.csv").stderr == "folder.csv: not a regular file\n"
        mapped = invoke("fit", "--orders", "orders.csv", "--column", "time=Order Date")
        assert mapped.exit_code == 0, mapped.output
        wrong = invoke("fit", "--orders", "orders.csv", "--column", "time=Date")
        assert wrong.exit_code == 1
        assert wrong.stderr.startswith("orders.csv:1: time: no column 'Date' (from --column")
        unknown = invoke("fit", "--orders", "orders.csv", "--column", "tme=Order Date")
        assert unknown.stderr.startswith("--column tme=Order Date: unknown column 'tme'")
        malformed = invoke("fit", "--orders", "orders.csv", "--column", "time")
        assert malformed.stderr.startswith("--column time: must be NAME=HEADER")
        unused = invoke(
            "fit",
            "--orders",
            "orders.csv",
            "--column",
            "time=Order Date",
            "--column",
            "quantity=Qty",
        )
        assert unused.stderr == "--column quantity=Qty: no file has this header\n"
        (tmp_path / "latin.csv").write_bytes(b"time,product\n1,caf\xe9\n")
        latin = invoke("fit", "--orders", "latin.csv")
        assert latin.stderr.startswith("latin.csv:2: not UTF-8 text")
