"""The worked example of scenarios/history/: its data, its fit and its two scenarios.

- generate.py rewrites exactly the committed orders.csv and deliveries.csv (so the data
  cannot drift from the script that documents its true model);
- fitting them gives exactly the committed fitted.yaml (below its comment header), and
  that fit recovers the true model within about four standard errors;
- shop.yaml (built on the fit) and backtest.yaml (replaying the history) validate and run,
  and the backtest demands the recorded units under every policy.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import math
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from simulator import fit, run
from simulator.cli import main

FOLDER = Path(__file__).resolve().parents[2] / "scenarios" / "history"


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("generate", FOLDER / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generate_writes_the_committed_history(tmp_path: Path) -> None:
    _generator().main(tmp_path)
    for name in ("orders.csv", "deliveries.csv"):
        assert (tmp_path / name).read_bytes() == (FOLDER / name).read_bytes(), name


@pytest.fixture(scope="module")
def fitted():  # type: ignore[no-untyped-def]
    return fit(FOLDER / "orders.csv", FOLDER / "deliveries.csv")


def test_the_committed_fragment_is_the_fit(fitted) -> None:  # type: ignore[no-untyped-def]
    committed = yaml.safe_load((FOLDER / "fitted.yaml").read_text(encoding="utf-8"))
    assert committed == fitted.fragment()


def test_the_fit_recovers_the_true_model(fitted) -> None:  # type: ignore[no-untyped-def]
    gen = _generator()
    widget = fitted.products["widget"]
    # base rate 6 a day over ~690 exposed non-holiday days: se 0.09
    assert widget.seasonal.base == pytest.approx(gen.RATE, abs=0.36)
    [window] = widget.seasonal.windows
    start, end, mult = gen.HOLIDAY
    assert abs(window.start - start) <= 2 and abs(window.end - end) <= 2
    assert window.low < mult < window.high
    assert widget.out_of_stock_days == gen.OUT_OF_STOCK[1] - gen.OUT_OF_STOCK[0]
    true_size = gen.SIZE_LAMBDA / -math.expm1(-gen.SIZE_LAMBDA)
    assert widget.order_size.mean == pytest.approx(true_size, abs=0.06)
    acme, quickco = fitted.suppliers["acme"], fitted.suppliers["quickco"]
    assert acme.chosen == "lognormal"
    # 240 lead times, sd 3: se of the mean 0.19, of the sd about 0.2
    assert acme.spec["mean"] == pytest.approx(9, abs=0.8)
    assert acme.spec["sd"] == pytest.approx(3, abs=0.8)
    assert quickco.chosen == "uniform"
    assert quickco.spec["low"] == pytest.approx(2, abs=0.1)
    assert quickco.spec["high"] == pytest.approx(5, abs=0.1)


def test_the_scenarios_validate() -> None:
    for name in ("shop.yaml", "backtest.yaml"):
        outcome = CliRunner().invoke(main, ["validate", str(FOLDER / name)])
        assert outcome.exit_code == 0, outcome.output


def test_the_backtest_replays_the_recorded_units() -> None:
    result = run(FOLDER / "backtest.yaml", replications=2, executor="serial")
    assert len(result.policies) == 3
    day0 = dt.datetime(2024, 1, 1)
    with open(FOLDER / "orders.csv", encoding="utf-8") as handle:
        recorded = sum(
            int(row["quantity"])
            for row in csv.DictReader(handle)
            if 30 <= (dt.datetime.fromisoformat(row["time"]) - day0).total_seconds() / 86400 <= 730
        )
    for policy in result.policies.values():
        for rep in policy.replications:
            assert rep.store["units_demanded"] == recorded


def test_the_fitted_shop_runs() -> None:
    result = run(FOLDER / "shop.yaml", replications=2, executor="serial")
    assert set(result.policies) == {"lost-sales", "backorder-all", "honest-eta"}
