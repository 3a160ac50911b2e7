"""A new user's first hour (issue 15): a table that fits, fail early, clear messages."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from simulator.cli import main
from simulator.model import simulation

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
import cli_fakes  # noqa: E402

BUNDLED = sorted((ROOT / "scenarios").glob("*.yaml"))

TWO_PRODUCTS = """\
name: Two products, one supplier
seed: 5
horizon_days: 40
replications: 2
products:
  drill:
    price: 8
    unit_cost: 10
    initial_on_hand: 5
    demand: {rate_per_day: 2}
    replenishment: {policy: base_stock, level: 6}
  saw:
    price: 20
    initial_on_hand: 5
    demand: {rate_per_day: 2}
    replenishment: {policy: base_stock, level: 6}
suppliers:
  acme: {lead_time_days: 2, unit_cost: {saw: 7}}
policies:
  - {name: lost-sales}
  - {name: backorders, backorder: {allow: true}}
"""


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    """Run the command line in-process; stdout and stderr kept apart."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False, env=env)


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(TWO_PRODUCTS)
    return path


@pytest.mark.parametrize("scenario", BUNDLED, ids=[p.name for p in BUNDLED])
def test_bundled_default_table_fits_80_columns(scenario: Path) -> None:
    result = invoke(
        "run", str(scenario), "--executor", "serial", "--replications", "2", env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "fill_rate" in result.stdout and "profit" in result.stdout
    assert "units_demanded" not in result.stdout  # --all only


@pytest.mark.usefixtures("fake_model")
def test_many_policies_go_to_further_blocks_within_the_width(tmp_path: Path) -> None:
    names = [f"policy-{k}-with-a-long-name" for k in range(8)]
    text = TWO_PRODUCTS.split("policies:")[0] + "policies:\n"
    text += "".join(f"  - {{name: {n}}}\n" for n in names)
    path = tmp_path / "many.yaml"
    path.write_text(text)
    for columns in ("80", "100"):
        result = invoke("run", str(path), "--executor", "serial", env={"COLUMNS": columns})
        assert result.exit_code == 0, result.output
        assert max(len(line) for line in result.stdout.splitlines()) <= int(columns)
        fills = [line for line in result.stdout.splitlines() if line.startswith("  fill_rate")]
        assert len(fills) > 1
        assert sum(line.count("±") for line in fills) == len(names)


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simulation, "simulate", cli_fakes.fake_simulate)


def test_metrics_all_and_products(shop: Path) -> None:
    base = ("run", str(shop), "--executor", "serial")
    picked = invoke(*base, "--metrics", "profit,fill_rate,spend").stdout
    rows = [line.split()[0] for line in picked.splitlines() if line[:2] == "  " and line[2] != " "]
    assert rows == ["fill_rate", "profit", "acme", "drill", "saw"]
    every = invoke(*base, "--all").stdout
    assert "units_demanded" in every and "supplier acme" in every
    per_product = invoke(*base, "--products").stdout
    assert "product drill" in per_product and "product saw" in per_product
    assert "products: fill_rate" in invoke(*base).stdout
    data = json.loads(invoke(*base, "--metrics", "profit", "--format", "json").stdout)
    assert "units_demanded" in data["policies"]["lost-sales"]["metrics"]  # JSON keeps all


def test_unknown_metric_fails_before_running(shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simulation, "simulate", cli_fakes.interrupted_simulate)
    result = invoke("run", str(shop), "--metrics", "fill_rat,profit")
    assert result.exit_code == 1
    assert "unknown metric 'fill_rat' (did you mean 'fill_rate'?)" in result.stderr
    both = invoke("run", str(shop), "--metrics", "profit", "--all")
    assert both.exit_code == 1
    assert "--metrics and --all cannot be used together" in both.stderr


def test_profit_of_two_products_with_one_supplier(shop: Path) -> None:
    result = invoke("run", str(shop), "--executor", "serial", "--format", "json")
    data = json.loads(result.stdout)
    for policy in data["policies"].values():
        drill = policy["products"]["drill"]["metrics"]
        saw = policy["products"]["saw"]["metrics"]
        # costed per product: drill at its own 10, saw at the supplier's 7
        ordered_drill = drill["purchase_cost"]["mean"] / 10
        ordered_saw = saw["purchase_cost"]["mean"] / 7
        units = policy["suppliers"]["acme"]["metrics"]["units"]["mean"]
        assert ordered_drill + ordered_saw == pytest.approx(units)


def test_validate_warns_on_a_price_below_cost_and_exits_0(shop: Path) -> None:
    result = invoke("validate", str(shop))
    assert result.exit_code == 0
    assert result.stdout == f"ok: {shop}\n"
    assert result.stderr == (
        f"{shop}:7: products.drill.price: warning: price 8 is below the unit cost 10 from "
        "supplier 'acme': every unit sold from it loses money\n"
    )


def test_bad_out_directory_fails_at_once_before_any_simulation(
    shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mark = tmp_path / "started"
    monkeypatch.setenv("CLI_FAKES_STARTED", str(mark))
    monkeypatch.setattr(simulation, "simulate", cli_fakes.slow_simulate)
    out = tmp_path / "missing" / "result.json"
    start = time.perf_counter()
    result = invoke("run", str(shop), "--executor", "serial", "--out", str(out))
    elapsed = time.perf_counter() - start
    assert result.exit_code == 1
    assert result.stderr == f"Error: --out {out}: no such directory '{out.parent}'\n"
    assert not mark.exists()  # the slow model never started
    assert elapsed < 1.0  # the slow model takes 0.5 s per replication, 4 of them
    folder = tmp_path / "folder"
    folder.mkdir()
    result = invoke("run", str(shop), "--out", str(folder))
    assert result.exit_code == 1
    assert "is a directory" in result.stderr
    assert not mark.exists()


def test_check_output_path_refuses_an_unwritable_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    from simulator.cli.common import check_output_path

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refuse)
    with pytest.raises(click.exceptions.Exit) as caught:
        check_output_path(tmp_path / "r.csv", "--csv")
    assert caught.value.exit_code == 1
    monkeypatch.undo()
    check_output_path(tmp_path / "r.csv")  # a writable directory passes


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("products.dril.price=90", "unknown product 'dril' (did you mean 'drill'?)"),
        ("suppliers.acm.unit_cost=3", "unknown supplier 'acm' (did you mean 'acme'?)"),
        (
            "policies.backorder.backorder.allow=false",
            "unknown policy 'backorder' (did you mean 'backorders'?)",
        ),
    ],
)
def test_set_with_an_unknown_id(shop: Path, item: str, message: str) -> None:
    result = invoke("run", str(shop), "--set", item)
    assert result.exit_code == 1
    key = item.split("=")[0]
    assert result.stderr == f"--set {key}: {message}\n"


@pytest.mark.usefixtures("fake_model")
def test_unused_scenario_keys_are_noted(shop: Path) -> None:
    shop.write_text(TWO_PRODUCTS + "sweep: {products.saw.price: [20, 30]}\n")
    result = invoke("run", str(shop), "--executor", "serial")
    assert result.exit_code == 0
    notes = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert len(notes) == 1
    assert notes[0].startswith(f"note: {shop}:22: sweep: ")
    assert "run ignores it" in notes[0]
    quiet = invoke("run", str(shop), "--executor", "serial", "--quiet")
    assert quiet.stderr == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: x\nproducts:\n\twidget: {}\n", "3:1: YAML syntax: a tab used for indentation"),
        ("name: x\nhorizon_days 100\nseed: 2\n", "2:13: YAML syntax: a missing ':' after"),
        ('name: "x\nhorizon_days: 3\n', "1:7: YAML syntax: an unclosed quote"),
        ("name: x\nseed: [1, 2\nhorizon_days: 3\n", "2:7: YAML syntax: an unclosed bracket"),
        ("a:\n  b: 1\n   c: 2\n", "3:4: YAML syntax: bad indentation"),
    ],
)
def test_yaml_syntax_errors_in_plain_words(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    result = invoke("validate", str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{path}:{expected}")
    assert len(result.stderr.splitlines()) == 1


def test_no_arguments_prints_the_short_help_and_exits_0() -> None:
    result = invoke()
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ")
    assert "Commands:" in result.stdout
    assert "Error" not in result.output


def test_start_up_pauses_the_collector_and_freezes_only_in_the_commands_own_process() -> None:
    """A command's imports run with the garbage collector paused, and it is on again after;
    only the console script's own process freezes what was loaded (a test calling ``main``
    with arguments, like this one, keeps its heap collectable)."""
    import gc

    import simulator.cli as cli
    from simulator.cli.common import start_up

    outcome = CliRunner().invoke(main, ["validate", str(ROOT / "scenarios" / "quickstart.yaml")])
    assert outcome.exit_code == 0, outcome.output
    assert cli.OWN_PROCESS is False
    frozen = gc.get_freeze_count()
    with start_up():
        assert not gc.isenabled()
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen
