"""Sweeps: rows and columns, common random numbers across the grid, resuming, file formats."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import simulator
from simulator.experiment import ExperimentError, run_experiment
from simulator.experiment.grid import apply_settings
from simulator.experiment.sweep import SweepResult, metric_columns, run_sweep
from simulator.metrics.record import STORE_METRICS, SUPPLIER_METRICS, ReplicationMetrics
from simulator.reporting.sweep import SweepStore, sweep_csv
from simulator.scenario import load_scenario
from simulator.scenario.schema import Backorder, Scenario

SHOP: dict[str, Any] = {
    "name": "sweep shop",
    "seed": 11,
    "horizon_days": 60,
    "warmup_days": 10,
    "replications": 3,
    "objective": {"metric": "profit", "goal": "max"},
    "products": {
        "widget": {
            "price": 20,
            "holding_cost_per_unit_day": 0.1,
            "initial_on_hand": 8,
            "demand": {"rate_per_day": 3},
            "replenishment": {"policy": "rQ", "reorder_point": 6, "order_quantity": 10},
        }
    },
    "suppliers": {"acme": {"lead_time_days": {"dist": "exponential", "mean": 2}, "unit_cost": 8}},
    "policies": [{"name": "lost-sales"}, {"name": "backorder-all", "backorder": {"allow": True}}],
}

CALLS: list[tuple[bool, tuple[int, ...]]] = []
"""(backorder allowed, seed spawn key) of each call of :func:`counting_simulate`."""


def counting_simulate(
    scenario: Scenario, backorder: Backorder, seed: np.random.SeedSequence
) -> ReplicationMetrics:
    """A fake model: profit depends on the seed, the price and the policy; calls counted."""
    CALLS.append((backorder.allow, tuple(seed.spawn_key)))
    x = float(np.random.default_rng(seed).random())
    price = scenario.products["widget"].price
    store: dict[str, float | None] = {m: None for m in STORE_METRICS}
    store["profit"] = x * 100 + price + (5.0 if backorder.allow else 0.0)
    store["fill_rate"] = x
    return ReplicationMetrics(
        store=store,
        products={"widget": dict(store)},
        suppliers={"acme": {m: x for m in SUPPLIER_METRICS}},
    )


@pytest.fixture(autouse=True)
def _no_calls() -> None:
    CALLS.clear()


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """The API and the CLI run the fake model (the runner looks the model up at call time)."""
    from simulator.model import simulation

    monkeypatch.setattr(simulation, "simulate", counting_simulate)


def fake_sweep(vary: dict[str, list[Any]], **options: Any) -> SweepResult:
    return run_sweep(
        load_scenario(SHOP), vary, executor="serial", simulate=counting_simulate, **options
    )


def test_one_row_per_point_and_policy_with_the_design_columns() -> None:
    vary = {
        "products.widget.price": [10, 20, 30],
        "products.widget.replenishment.reorder_point": [4, 8],
    }
    result = fake_sweep(vary)
    keys = list(vary)
    assert result.columns == ["point", *keys, "policy", *metric_columns()]
    assert metric_columns()[:3] == ["fill_rate_mean", "fill_rate_ci95_low", "fill_rate_ci95_high"]
    assert len(metric_columns()) == 3 * len(STORE_METRICS)
    assert len(result.rows) == 3 * 2 * 2
    assert [(r["point"], r[keys[0]], r[keys[1]], r["policy"]) for r in result.rows[:4]] == [
        (0, 10, 4, "lost-sales"),
        (0, 10, 4, "backorder-all"),
        (1, 10, 8, "lost-sales"),
        (1, 10, 8, "backorder-all"),
    ]
    assert all(list(row) == result.columns for row in result.rows)
    assert len(CALLS) == 12 * 3
    assert result.computed == 12


@pytest.mark.usefixtures("fake_model")
def test_policy_selection_and_the_sweep_block() -> None:
    data = {
        **SHOP,
        "sweep": {"products.widget.price": [10, 20], "products.widget.initial_on_hand": [1, 2]},
    }
    result = simulator.sweep(
        data,
        ["products.widget.price=5,6,7"],
        policies=["backorder-all"],
        executor="serial",
    )
    assert list(result.vary) == ["products.widget.price", "products.widget.initial_on_hand"]
    assert result.vary["products.widget.price"] == [5, 6, 7]
    assert len(result.rows) == 6
    assert {row["policy"] for row in result.rows} == {"backorder-all"}


def test_rows_equal_a_plain_run_at_each_point() -> None:
    """The independent computation: run_experiment on the scenario with the point's settings."""
    loaded = load_scenario(SHOP)
    vary = {"products.widget.replenishment.reorder_point": [3, 9]}
    result = run_sweep(loaded, vary, executor="serial")
    for p, value in enumerate([3, 9]):
        at = apply_settings(loaded, {"products.widget.replenishment.reorder_point": value})
        plain = run_experiment(at, executor="serial")
        for name, policy in plain.policies.items():
            row = next(r for r in result.rows if r["point"] == p and r["policy"] == name)
            for metric, summary in policy.metrics.items():
                assert row[f"{metric}_mean"] == summary.mean
                assert row[f"{metric}_ci95_low"] == summary.ci95_low
                assert row[f"{metric}_ci95_high"] == summary.ci95_high


def test_neighbouring_points_share_customers() -> None:
    """Common random numbers across the grid: the reorder point changes the store, not the
    customers, so every point (and policy) sees the same demand, replication by replication;
    independent streams per point would give different demand totals."""
    vary = {"products.widget.replenishment.reorder_point": [2, 6, 12]}
    result = run_sweep(load_scenario(SHOP), vary, executor="serial")
    demanded = {(r["point"], r["policy"]): r["units_demanded_mean"] for r in result.rows}
    assert len(set(demanded.values())) == 1
    spread = {(r["point"], r["policy"]): r["units_demanded_ci95_low"] for r in result.rows}
    assert len(set(spread.values())) == 1
    filled = {r["point"]: r["fill_rate_mean"] for r in result.rows if r["policy"] == "lost-sales"}
    assert filled[0] < filled[2]  # the parameter itself does change the outcome


def test_every_point_and_policy_uses_the_same_child_seeds() -> None:
    fake_sweep({"products.widget.price": [10, 20]}, replications=2)
    keys = [key for _, key in CALLS]
    assert sorted(set(keys)) == [(0,), (1,)]
    assert keys.count((0,)) == keys.count((1,)) == 4


@pytest.mark.usefixtures("fake_model")
def test_bad_grids_are_refused() -> None:
    with pytest.raises(ExperimentError, match="nothing to vary"):
        simulator.sweep(SHOP, [], executor="serial")
    with pytest.raises(ExperimentError, match="--vary seed: a sweep uses one seed"):
        simulator.sweep(SHOP, ["seed=1,2"], executor="serial")
    with pytest.raises(
        ExperimentError, match=re.escape("--vary policies.lost-sales.name: the policies")
    ):
        simulator.sweep(SHOP, ["policies.lost-sales.name=a,b"], executor="serial")
    with pytest.raises(simulator.ScenarioError, match=re.escape("--vary products.widget.price: ")):
        simulator.sweep(SHOP, ["products.widget.price=10,-3"], executor="serial")
    assert CALLS == []


def test_best_point_per_policy_and_overall() -> None:
    result = fake_sweep({"products.widget.price": [10, 30, 20]})
    best = result.best()
    assert {name: row["point"] for name, row in best["policies"].items()} == {
        "lost-sales": 1,
        "backorder-all": 1,
    }
    assert best["overall"]["policy"] == "backorder-all" and best["overall"]["point"] == 1


# -- resuming -------------------------------------------------------------------------------


@pytest.mark.usefixtures("fake_model")
def test_resume_reuses_finished_points_and_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    vary = ["products.widget.price=10:60:10"]
    whole = tmp_path / "whole.csv"
    simulator.sweep(SHOP, vary, executor="serial", out=whole)
    calls_whole = len(CALLS)

    part = tmp_path / "part.csv"
    simulator.sweep(SHOP, ["products.widget.price=10:30:10"], executor="serial", out=part)
    CALLS.clear()
    simulator.sweep(SHOP, vary, executor="serial", out=part)
    assert len(CALLS) == calls_whole // 2  # the first 3 of 6 points were not run again
    assert part.read_text() == whole.read_text()
    meta = json.loads(Path(f"{part}.meta.json").read_text())
    assert len(meta["rows"]) == 12


@pytest.mark.usefixtures("fake_model")
def test_each_chunk_is_saved_as_it_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from simulator.experiment import sweep as module

    monkeypatch.setattr(module, "CHUNK_SECONDS", 0.0)  # then every chunk is the floor size
    saved: list[int] = []
    out = tmp_path / "s.csv"
    original = SweepStore.save

    def spy(self: SweepStore, rows: list[dict[str, Any]]) -> None:
        original(self, rows)
        text = out.read_text()
        saved.append(len(list(csv.DictReader(io.StringIO(text)))))

    monkeypatch.setattr(SweepStore, "save", spy)
    simulator.sweep(SHOP, ["products.widget.price=1:8:1"], executor="serial", out=out)
    assert saved == [2, 6, 10, 14, 16]  # serial: 1 point first, then 2 (4 batches) a chunk


@pytest.mark.usefixtures("fake_model")
def test_a_different_sweep_in_the_same_file_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    simulator.sweep(SHOP, ["products.widget.price=10,20"], executor="serial", out=out)
    with pytest.raises(ExperimentError) as info:
        simulator.sweep(SHOP, ["products.widget.price=10,20"], seed=5, executor="serial", out=out)
    assert str(info.value) == (
        f"{out} holds results of a different sweep: the seed differs (11 in the file, 5 now); "
        "use --fresh to start over, or another --out"
    )
    changed = {**SHOP, "horizon_days": 61}
    with pytest.raises(ExperimentError, match="the scenario's content differs;"):
        simulator.sweep(changed, ["products.widget.price=10,20"], executor="serial", out=out)
    with pytest.raises(ExperimentError, match=r"the replications differ \(3 in the file, 2 now\)"):
        simulator.sweep(
            SHOP, ["products.widget.price=10"], replications=2, executor="serial", out=out
        )
    with pytest.raises(ExperimentError, match="the varied keys"):
        simulator.sweep(SHOP, ["products.widget.initial_on_hand=1"], executor="serial", out=out)
    CALLS.clear()
    fresh = simulator.sweep(
        changed, ["products.widget.price=10,20"], executor="serial", out=out, fresh=True
    )
    assert fresh.computed == 4 and len(CALLS) == 12
    other = tmp_path / "mine.csv"
    other.write_text("not a sweep\n")
    with pytest.raises(ExperimentError, match="exists but holds no sweep to resume"):
        simulator.sweep(SHOP, ["products.widget.price=10"], executor="serial", out=other)


# -- formats ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("fake_model")
def test_csv_reads_back_in_pandas_and_guards_formulas(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    data = {**SHOP, "policies": [{"name": "=HYPERLINK(1)"}, {"name": "plain"}]}
    out = tmp_path / "s.csv"
    result = simulator.sweep(data, {"name": ["@evil", "fine"]}, executor="serial", out=out)
    frame = pd.read_csv(out)
    assert list(frame.columns) == result.columns
    assert list(frame["policy"]) == ["'=HYPERLINK(1)", "plain"] * 2
    assert list(frame["name"]) == ["'@evil", "'@evil", "fine", "fine"]
    assert frame["profit_mean"].tolist() == [r["profit_mean"] for r in result.rows]
    assert sweep_csv(result.rows, result.columns).splitlines()[0].startswith("point,name,policy,")


@pytest.mark.usefixtures("fake_model")
def test_parquet_when_the_path_says_so(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    out = tmp_path / "s.parquet"
    result = simulator.sweep(SHOP, ["products.widget.price=1.5,2.5"], executor="serial", out=out)
    frame = pd.read_parquet(out)
    assert list(frame.columns) == result.columns
    assert frame["products.widget.price"].tolist() == [1.5, 1.5, 2.5, 2.5]
    assert frame["point"].dtype == "int64"
    assert frame["profit_mean"].tolist() == [r["profit_mean"] for r in result.rows]


@pytest.mark.usefixtures("fake_model")
def test_parquet_without_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(ExperimentError) as info:
        simulator.sweep(
            SHOP, ["products.widget.price=1"], executor="serial", out=tmp_path / "x.parquet"
        )
    assert str(info.value) == (
        "writing Parquet needs the parquet extra: pip install 'backorder-sim[parquet]'"
    )
    assert CALLS == []


def test_the_terminal_summary_names_the_best_mean_per_policy_and_overall() -> None:
    from simulator.reporting.sweep import sweep_summary

    result = fake_sweep({"products.widget.price": [10, 30, 20]})
    lines = sweep_summary(result).splitlines()
    assert lines[0] == "highest mean profit (6 rows, 3 replications each):"
    assert lines[1].startswith("  lost-sales: point 1: products.widget.price=30: profit ")
    assert lines[2].startswith("  backorder-all: point 1: products.widget.price=30: profit ")
    assert "(95% CI " in lines[2]
    assert lines[3].startswith("  overall: backorder-all at point 1: products.widget.price=30")
    assert len(lines) == 4
