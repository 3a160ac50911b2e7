"""Scenarios whose demand or lead times come from history files: replay, bootstrap, problems."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from simulator import run
from simulator.cli import main
from simulator.scenario import ScenarioError, load_scenario

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fitting"))
from histories import poisson_days, truncated_poisson, write_orders

POLICIES = [
    {"name": "lost-sales"},
    {"name": "backorder-all", "backorder": {"allow": True}},
    {"name": "partial", "backorder": {"allow": True, "partial_fill": True, "quote_eta": True}},
]


def scenario(demand: dict, **extra: object) -> dict:
    data = {
        "name": "History shop",
        "seed": 4,
        "horizon_days": 200,
        "warmup_days": 20,
        "replications": 4,
        "customers": {
            "accept_probability": 0.7,
            "patience_days": {"dist": "exponential", "mean": 5},
        },
        "products": {
            "widget": {
                "price": 10,
                "initial_on_hand": 20,
                "demand": demand,
                "replenishment": {"policy": "rQ", "reorder_point": 15, "order_quantity": 40},
            }
        },
        "suppliers": {"acme": {"lead_time_days": {"dist": "exponential", "mean": 3}}},
        "policies": POLICIES,
    }
    data.update(extra)
    return data


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("history")
    rng = np.random.default_rng(3)
    write_orders(
        folder / "orders.csv",
        rng,
        poisson_days(rng, 400, 4.0, [(100, 130, 2.0)]),
        sizes=truncated_poisson(rng, 1.2),
        out_of_stock=range(50, 55),
        recorded_share=0.5,
    )
    (folder / "deliveries.csv").write_text(
        "supplier,product,ordered,received\n"
        + "".join(f"acme,widget,{t},{t + 2 + (t % 5)}\n" for t in range(0, 300, 7))
        + "quickco,widget,0,1\n",
        encoding="utf-8",
    )
    return folder


def write_scenario(folder: Path, data: dict, name: str = "shop.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def recorded_units(folder: Path, low: float, high: float) -> int:
    import csv
    import datetime as dt

    day0 = dt.datetime(2023, 1, 2)
    total = 0
    with open(folder / "orders.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            t = (dt.datetime.fromisoformat(row["time"]) - day0).total_seconds() / 86400
            if low <= t <= high:
                total += int(row["quantity"])
    return total


def test_replay_demands_exactly_the_history_for_every_policy(folder: Path) -> None:
    path = write_scenario(folder, scenario({"history": "orders.csv", "mode": "replay"}))
    result = run(path, executor="serial")
    expected = recorded_units(folder, 20, 200)
    for policy in result.policies.values():
        for rep in policy.replications:
            assert rep.store["units_demanded"] == expected
    # traits are still drawn: the policies' outcomes differ replication to replication
    lost = [r.store["fill_rate"] for r in result.policies["backorder-all"].replications]
    assert len(set(lost)) > 1


def test_bootstrap_differs_by_replication_and_is_paired_across_policies(folder: Path) -> None:
    data = scenario({"history": "orders.csv", "mode": "bootstrap", "block_days": 7})
    path = write_scenario(folder, data)
    result = run(path, executor="serial")
    demanded = {
        name: [r.store["units_demanded"] for r in p.replications]
        for name, p in result.policies.items()
    }
    first = demanded["lost-sales"]
    assert len(set(first)) == len(first)  # replications differ
    assert all(d == first for d in demanded.values())  # every policy sees the same orders
    again = run(path, executor="serial")
    assert [r.store["units_demanded"] for r in again.policies["lost-sales"].replications] == first
    # the resampled demand has the history's mean: about 4 * 1.3 * (1 + 30/365) units a day
    per_day = np.mean(first) / 180
    assert 4.0 < per_day < 7.5


def test_start_date_shifts_day_zero(folder: Path) -> None:
    data = scenario({"history": "orders.csv", "start": "2023-04-12"}, warmup_days=0)
    result = run(write_scenario(folder, data), executor="serial", replications=1)
    expected = recorded_units(folder, 100, 300)
    assert result.policies["lost-sales"].replications[0].store["units_demanded"] == expected


def test_empirical_lead_times_from_history(folder: Path) -> None:
    data = scenario({"rate_per_day": 3})
    data["suppliers"]["acme"]["lead_time_days"] = {"dist": "empirical", "history": "deliveries.csv"}
    loaded = load_scenario(write_scenario(folder, data))
    lead = loaded.scenario.suppliers["acme"].lead_time_days
    observed = [2 + (t % 5) for t in range(0, 300, 7)]
    assert lead.mean() == pytest.approx(np.mean(observed))
    assert set(lead.values) == set(map(float, observed))


def test_paths_are_relative_to_the_file_that_names_them(folder: Path, tmp_path: Path) -> None:
    parent = write_scenario(folder, scenario({"history": "orders.csv"}), "base.yaml")
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {parent}\nname: Child\n", encoding="utf-8")
    loaded = load_scenario(child)
    assert Path(loaded.scenario.products["widget"].demand.history) == folder / "orders.csv"


def problems(folder: Path, data: dict) -> list[str]:
    path = write_scenario(folder, data, "bad.yaml")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return [str(p).replace(str(folder) + "/", "") for p in caught.value.problems]


def test_history_problems_are_reported_like_scenario_problems(folder: Path) -> None:
    assert problems(folder, scenario({"history": "nope.csv"})) == [
        "bad.yaml:16: products.widget.demand.history: no such file 'nope.csv' (looked for nope.csv)"
    ]
    assert problems(folder, scenario({"history": "https://example.com/o.csv"}))[0].endswith(
        'must be a local file, got "https://example.com/o.csv"'
    )
    [line] = problems(folder, scenario({"history": "orders.csv", "product": "gizmo"}))
    assert "products.widget.demand.product: no orders for product 'gizmo'" in line
    [line] = problems(folder, scenario({"history": "orders.csv", "start": 3}))
    assert line.endswith("products.widget.demand.start: must be like the history's times (dates)")
    [line] = problems(
        folder, scenario({"history": "orders.csv", "mode": "bootstrap", "block_days": 500})
    )
    assert line.endswith("block_days: must be at most the history's 400 days, got 500")
    data = scenario({"rate_per_day": 1})
    data["suppliers"]["acme"]["lead_time_days"] = {
        "dist": "empirical",
        "history": "deliveries.csv",
        "supplier": "acmee",
    }
    [line] = problems(folder, data)
    assert "suppliers.acme.lead_time_days.supplier: no deliveries of supplier 'acmee'" in line


def test_bad_rows_of_a_history_file_are_reported_with_file_and_line(folder: Path) -> None:
    (folder / "broken.csv").write_text(
        "time,product,quantity\n1,widget,1\n2,widget,-1\nx,widget,1\n", encoding="utf-8"
    )
    path = write_scenario(folder, scenario({"history": "broken.csv"}), "broken.yaml")
    outcome = CliRunner().invoke(main, ["validate", str(path)])
    assert outcome.exit_code == 1
    shown = str(folder / "broken.csv")
    assert outcome.stderr.splitlines() == [
        f"{shown}:3: quantity: must be a whole number >= 1, got -1",
        f"{shown}:4: time: not an ISO date (YYYY-MM-DD), date-time or number of days, got 'x'",
    ]


def test_a_layer_may_switch_demand_between_a_rate_and_a_history(folder: Path) -> None:
    """A policy's overrides (or a file that extends another) that write ``history`` drop the
    rate keys written below them, and the other way round; so one file compares the fitted
    model with the replayed history."""
    data = scenario({"rate_per_day": 4, "order_size": {"dist": "poisson", "mean": 1, "min": 1}})
    data["policies"] = [
        {"name": "fitted"},
        {
            "name": "replayed",
            "overrides": {"products": {"widget": {"demand": {"history": "orders.csv"}}}},
        },
    ]
    loaded = load_scenario(write_scenario(folder, data, "switch.yaml"))
    assert loaded.policy("fitted").scenario.products["widget"].demand.rate_per_day == 4
    replayed = loaded.policy("replayed").scenario.products["widget"].demand
    assert Path(replayed.history) == folder / "orders.csv"
    child = folder / "child_rate.yaml"
    child.write_text(
        "extends: shop.yaml\nproducts: {widget: {demand: {rate_per_day: 2}}}\n", encoding="utf-8"
    )
    write_scenario(folder, scenario({"history": "orders.csv", "mode": "bootstrap"}))
    assert load_scenario(child).scenario.products["widget"].demand.rate_per_day == 2
