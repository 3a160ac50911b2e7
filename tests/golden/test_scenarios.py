"""Golden examples: every bundled scenario validates, runs, and tells the story it promises.

Each file in ``scenarios/`` must

- pass ``backorder-sim validate``;
- run through the command line (``run FILE --format json --replications 2 --executor
  serial``) and print the JSON of DESIGN.md §4 with every metric, product and supplier;
- give every policy the same customers in each replication (common random numbers);
- bear out the story in its header comment, checked on the scenario's own replications with
  paired differences (replication r of every policy saw the same customers). The checks
  ask for the 95% interval of a difference to exclude zero in the promised direction.
  Runs are deterministic for a fixed seed; at the time of writing each interval cleared
  zero by a wide margin (the numbers are in the comments), and it did so for seeds 1 to 5
  as well, so a failure means the model or the scenario changed, not bad luck.

A new scenario needs an entry in STORIES.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator import RunResult, load_scenario, run
from simulator.cli import main
from simulator.metrics.record import STORE_METRICS, SUPPLIER_METRICS
from simulator.metrics.summary import Summary, summarize_differences

ROOT = Path(__file__).resolve().parents[2]
SCENARIO_DIR = ROOT / "scenarios"
SCENARIOS = sorted(SCENARIO_DIR.glob("*.yaml"))
IDS = [path.name for path in SCENARIOS]
SUMMARY_KEYS = {"mean", "sd", "ci95_low", "ci95_high", "n"}


@functools.cache
def result(name: str) -> RunResult:
    """The scenario run as written (its own seed and replications), in this process."""
    return run(SCENARIO_DIR / name, executor="serial")


def values(res: RunResult, policy: str, metric: str) -> list[float | None]:
    return [rep.store[metric] for rep in res.policies[policy].replications]


def paired(res: RunResult, policy: str, baseline: str, metric: str) -> Summary:
    """Summary of ``policy − baseline`` replication by replication."""
    return summarize_differences(values(res, policy, metric), values(res, baseline, metric))


def above_zero(s: Summary) -> bool:
    return s.ci95_low is not None and s.ci95_low > 0


def below_zero(s: Summary) -> bool:
    return s.ci95_high is not None and s.ci95_high < 0


# -- every scenario ---------------------------------------------------------------------------


def test_scenarios_are_bundled() -> None:
    assert SCENARIOS, f"no scenarios in {SCENARIO_DIR}"


@pytest.mark.parametrize("path", SCENARIOS, ids=IDS)
def test_scenario_validates(path: Path) -> None:
    outcome = CliRunner().invoke(main, ["validate", str(path)])
    assert outcome.exit_code == 0, outcome.output
    assert outcome.output == f"ok: {path}\n"


@pytest.mark.parametrize("path", SCENARIOS, ids=IDS)
def test_scenario_has_a_header_comment(path: Path) -> None:
    """The story a golden test checks is told at the top of the file."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# "), f"{path.name} should start with a comment saying what it shows"


def _no_nan(name: str) -> float:
    raise AssertionError(f"the JSON holds {name}; undefined values must be null")


@pytest.mark.parametrize("path", SCENARIOS, ids=IDS)
def test_scenario_runs_through_the_cli(path: Path) -> None:
    args = ["run", str(path), "--format", "json", "--replications", "2", "--executor", "serial"]
    outcome = CliRunner().invoke(main, args)
    assert outcome.exit_code == 0, outcome.output
    data = json.loads(outcome.stdout, parse_constant=_no_nan)
    loaded = load_scenario(path)
    assert set(data) == {"scenario", "seed", "replications", "window_days", "policies"}
    assert data["scenario"] == loaded.scenario.name
    assert data["seed"] == loaded.scenario.seed
    assert data["replications"] == 2
    assert data["window_days"] == loaded.scenario.horizon_days - loaded.scenario.warmup_days
    assert list(data["policies"]) == [policy.name for policy in loaded.policies]
    for policy in loaded.policies:
        out = data["policies"][policy.name]
        assert set(out) == {"metrics", "products", "suppliers"}
        assert list(out["metrics"]) == list(STORE_METRICS)
        assert set(out["products"]) == set(policy.scenario.products)
        assert set(out["suppliers"]) == set(policy.scenario.suppliers)
        groups = [out["metrics"]]
        groups += [p["metrics"] for p in out["products"].values()]
        for supplier in out["suppliers"].values():
            assert list(supplier["metrics"]) == list(SUPPLIER_METRICS)
            groups.append(supplier["metrics"])
        for group in groups:
            for name, summary in group.items():
                assert set(summary) == SUMMARY_KEYS, name
                assert 0 <= summary["n"] <= 2, name
        assert out["metrics"]["units_demanded"]["n"] == 2
        assert out["metrics"]["units_demanded"]["mean"] > 0


@pytest.mark.parametrize("path", SCENARIOS, ids=IDS)
def test_every_policy_sees_the_same_customers(path: Path) -> None:
    """Common random numbers: replication r has the same demand under every policy."""
    res = result(path.name)
    demand = {name: values(res, name, "units_demanded") for name in res.policies}
    first = next(iter(demand.values()))
    assert all(d == first for d in demand.values()), demand


# -- the stories ------------------------------------------------------------------------------


def quickstart(res: RunResult) -> None:
    """Backorders keep customers and profit that lost sales turn away."""
    for name in ("backorder", "backorder-quoted"):
        # eventual fill rate: +0.138 [0.130, 0.147] for backorder at the time of writing
        assert above_zero(paired(res, name, "lost-sales", "eventual_fill_rate")), name
        # profit: +10,413 [9,668, 11,158]
        assert above_zero(paired(res, name, "lost-sales", "profit")), name
    lost = res.policies["lost-sales"].metrics
    assert lost["units_backordered"].mean == 0
    assert lost["retained_revenue"].mean == 0
    assert lost["mean_wait_days"].n == 0
    assert res.policies["backorder"].metrics["retained_revenue"].mean > 0
    # only the quoting policy quotes, and customers quoted too long a wait decline
    quoted = res.policies["backorder-quoted"].metrics
    assert res.policies["backorder"].metrics["mean_quoted_wait_days"].n == 0
    assert quoted["mean_quoted_wait_days"].n == res.replications
    assert quoted["units_declined"].mean > 0
    assert res.policies["backorder"].metrics["units_declined"].mean == 0


def supplier_disruption(res: RunResult) -> None:
    """A backup supplier shortens stock-outs when the primary goes down."""
    failover = res.policies["backorder-failover"]
    no_backup = res.policies["backorder-no-backup"]
    # backup share: 0.138, interval [0.121, 0.156]
    assert failover.metrics["backup_share"].ci95_low > 0
    assert no_backup.metrics["backup_share"].mean == 0
    assert no_backup.suppliers["expressco"]["orders"].mean == 0
    # mean wait: -1.88 days [-2.68, -1.07]; fill rate: +0.067 [0.054, 0.080]
    assert below_zero(paired(res, "backorder-failover", "backorder-no-backup", "mean_wait_days"))
    assert above_zero(paired(res, "backorder-failover", "backorder-no-backup", "fill_rate"))
    # the outages are the same for every policy, replication by replication
    outages = {
        name: [rep.suppliers["bulkco"]["disrupted_days"] for rep in policy.replications]
        for name, policy in res.policies.items()
    }
    first = outages["backorder-no-backup"]
    assert all(days == first for days in outages.values())
    assert failover.suppliers["bulkco"]["disrupted_days"].mean > 0
    # with the same sourcing, lost sales turn away what backorders keep: -0.045 [-0.055, -0.036]
    lost = res.policies["lost-sales-failover"].metrics
    assert lost["backorder_rate"].mean == 0
    assert lost["lost_sales_rate"].mean > 0
    assert below_zero(
        paired(res, "lost-sales-failover", "backorder-failover", "eventual_fill_rate")
    )


def honest_eta(res: RunResult) -> None:
    """Quoting dates and updating them keeps more waiting customers than silence."""
    # cancellation rate: -0.0077 [-0.0108, -0.0047]; retained revenue: +9,788 [5,298, 14,278]
    assert below_zero(paired(res, "quoted-with-updates", "silent-backorders", "cancellation_rate"))
    assert above_zero(paired(res, "quoted-with-updates", "silent-backorders", "retained_revenue"))
    silent = res.policies["silent-backorders"].metrics
    assert silent["mean_quoted_wait_days"].n == 0
    assert silent["eta_on_time_rate"].n == 0
    assert silent["units_declined"].mean == 0
    for name in ("quoted-dates", "quoted-with-updates"):
        metrics = res.policies[name].metrics
        assert metrics["mean_quoted_wait_days"].n == res.replications, name
        assert 0 < metrics["eta_on_time_rate"].mean < 1, name
        # told a wait longer than they accept, some customers decline at once
        assert metrics["units_declined"].mean > 0, name


def holiday_rush(res: RunResult) -> None:
    """In a surge, backorders keep sales that lost sales turn away; a cap keeps fewer."""
    for name in ("backorders", "capped-backorders", "honest-eta"):
        assert above_zero(paired(res, name, "lost-sales", "eventual_fill_rate")), name
        assert above_zero(paired(res, name, "lost-sales", "retained_revenue")), name
    # the cap turns some customers away: fewer backorders, some lost sales
    assert below_zero(paired(res, "capped-backorders", "backorders", "backorder_rate"))
    assert above_zero(paired(res, "capped-backorders", "backorders", "lost_sales_rate"))
    assert below_zero(paired(res, "capped-backorders", "backorders", "retained_revenue"))
    # waiting customers take the first units of each delivery: fewer ship at once
    assert below_zero(paired(res, "backorders", "lost-sales", "fill_rate"))
    eta = res.policies["honest-eta"].metrics
    assert eta["mean_quoted_wait_days"].n == res.replications
    assert eta["units_declined"].mean > 0
    assert res.policies["backorders"].metrics["units_refused"].mean == 0


def catalogue(res: RunResult) -> None:
    """Many products: the store level pools every product's units."""
    for policy in res.policies.values():
        assert len(policy.products) >= 50
        for rep in policy.replications:
            for metric in ("units_demanded", "units_filled_immediately", "revenue"):
                pooled = sum(p[metric] or 0.0 for p in rep.products.values())
                assert rep.store[metric] == pytest.approx(pooled, rel=1e-9), metric
    assert above_zero(paired(res, "backorders", "lost-sales", "eventual_fill_rate"))
    assert above_zero(paired(res, "backorders", "lost-sales", "profit"))
    # prices and demand differ: product revenues spread over more than a factor of 10
    revenue = [p["revenue"].mean for p in res.policies["lost-sales"].products.values()]
    assert max(revenue) > 10 * min(r for r in revenue if r > 0)


def classroom(res: RunResult) -> None:
    """The supplier is down from day 12 to day 24; the shop turns to its backup."""
    for name, policy in res.policies.items():
        assert policy.suppliers["acme"]["disrupted_days"].mean == pytest.approx(12.0)
        if name != "lost-sales":
            # a growing backlog lowers the inventory position: the shop reorders, from quickco
            assert policy.metrics["backup_share"].ci95_low > 0, name
    assert above_zero(paired(res, "backorders", "lost-sales", "eventual_fill_rate"))
    assert res.policies["honest-eta"].metrics["mean_quoted_wait_days"].n == res.replications


STORIES: dict[str, Callable[[RunResult], None]] = {
    "quickstart.yaml": quickstart,
    "supplier_disruption.yaml": supplier_disruption,
    "honest_eta.yaml": honest_eta,
    "holiday_rush.yaml": holiday_rush,
    "catalogue.yaml": catalogue,
    "classroom.yaml": classroom,
}
"""Scenario file -> the check of the story its header comment tells."""


def test_every_scenario_has_a_story() -> None:
    assert set(STORIES) == set(IDS), "add a story check to STORIES for each bundled scenario"


@pytest.mark.parametrize("name", sorted(STORIES))
def test_scenario_tells_its_story(name: str) -> None:
    STORIES[name](result(name))


# -- stored summaries -------------------------------------------------------------------------

GOLDEN_DIR = Path(__file__).resolve().parent / "summaries"
GOLDEN_REPLICATIONS = 2
GOLDEN_METRICS = (
    "fill_rate",
    "eventual_fill_rate",
    "lost_sales_rate",
    "cancellation_rate",
    "mean_wait_days",
    "p90_wait_days",
    "mean_on_hand_units",
    "replenishment_orders",
    "retained_revenue",
    "profit",
    "units_demanded",
)
"""What the stored summary of each scenario holds: these metrics' means, per policy, over
its first GOLDEN_REPLICATIONS replications."""


def golden_summary(path: Path) -> dict[str, dict[str, float | None]]:
    res = run(path, replications=GOLDEN_REPLICATIONS, executor="serial")
    return {
        name: {m: policy.metrics[m].mean for m in GOLDEN_METRICS}
        for name, policy in res.policies.items()
    }


@pytest.mark.parametrize("path", SCENARIOS, ids=IDS)
def test_scenario_summary_matches_the_stored_one(path: Path) -> None:
    """The first replications of each scenario give the stored summary, to rounding.

    Runs depend on the seed alone, so a change here means the model or the scenario
    changed: if on purpose, regenerate with ``GOLDEN_UPDATE=1 pytest tests/golden`` and
    say why in the commit.
    """
    stored_path = GOLDEN_DIR / f"{path.stem}.json"
    got = golden_summary(path)
    if os.environ.get("GOLDEN_UPDATE"):
        GOLDEN_DIR.mkdir(exist_ok=True)
        stored_path.write_text(json.dumps(got, indent=2) + "\n", encoding="utf-8")
    stored = json.loads(stored_path.read_text(encoding="utf-8"))
    assert list(got) == list(stored)
    for name, metrics in stored.items():
        for metric, value in metrics.items():
            if value is None:
                assert got[name][metric] is None, (name, metric)
            else:
                assert got[name][metric] == pytest.approx(value, rel=1e-6, abs=1e-9), (
                    name,
                    metric,
                )
