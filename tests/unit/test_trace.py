"""The observer interface and ``trace``: the model's own events, told and counted.

The trace's counts are added up from the events alone (orders and their outcomes, shipments,
cancellations, replenishment orders), independently of the ledger; they must equal the
metrics ``run`` reports for the same replication, for every policy of scenarios that
exercise partial fill, patience, quotes with updates, allocation orders, periodic review,
limited servers, disruptions and several products.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator import load_scenario, run
from simulator.cli import main
from simulator.experiment.errors import ExperimentError
from simulator.experiment.trace import COUNTS, trace_replication
from simulator.model import simulation
from simulator.model.observe import KINDS
from simulator.reporting.narrative import CSV_COLUMNS, narrative, sentences, to_csv
from simulator.streams import replication_seeds

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
GOOD = ROOT / "tests" / "data" / "good"


def same(a: dict[str, float | None], b: dict[str, float | None]) -> bool:
    """Equal metrics: counts exactly, sums to rounding."""
    assert a.keys() == b.keys()
    for key in a:
        x, y = a[key], b[key]
        if x is None or y is None:
            assert x is y, key
        else:
            assert x == pytest.approx(y, rel=1e-12, abs=1e-12), key
    return True


VARIANTS = {
    "classroom": (SCENARIOS / "classroom.yaml", []),
    "honest_eta": (SCENARIOS / "honest_eta.yaml", ["horizon_days=200"]),
    "holiday": (GOOD / "holiday.yaml", ["horizon_days=200"]),
    "largest_first_periodic": (
        SCENARIOS / "quickstart.yaml",
        [
            "horizon_days=150",
            "policies.backorder.backorder.allocation=largest_first",
            "products.lamp.replenishment.review_period_days=3",
        ],
    ),
    "no_partial_smallest_servers": (
        SCENARIOS / "supplier_disruption.yaml",
        [
            "horizon_days=300",
            "policies.backorder-failover.backorder.allocation=smallest_first",
            "suppliers.expressco.servers=1",
            "customers.accept_probability=0.7",
        ],
    ),
    # goodwill on customers who draw nothing (whose runs are booked in one step unobserved)
    "goodwill_plain": (
        ROOT / "benchmarks" / "reference.yaml",
        [
            "horizon_days=200",
            "customers.goodwill.lost_order=0.05",
            "customers.goodwill.late_order=0.03",
            "customers.goodwill.recovery_days=20",
            "customers.expected_wait_days=1",
        ],
    ),
    "loyalty": (SCENARIOS / "loyalty.yaml", ["horizon_days=200"]),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_trace_counts_equal_runs_metrics(name: str) -> None:
    path, sets = VARIANTS[name]
    loaded = load_scenario(path, sets)
    for policy in loaded.policies:
        for r in (1, 2):
            trace = trace_replication(loaded, policy.name, replication=r)
            res = run(loaded, policies=[policy.name], replications=r, executor="serial")
            metrics = res.policies[policy.name].replications[r - 1].store
            assert trace.counts() == {k: int(metrics[k] or 0) for k in COUNTS}, (policy.name, r)
            assert same(trace.metrics.store, metrics)


def test_trace_of_one_product_counts_that_product() -> None:
    loaded = load_scenario(SCENARIOS / "catalogue.yaml", ["horizon_days=60", "warmup_days=5"])
    res = run(loaded, policies=["backorders"], replications=1, executor="serial")
    for pid in ("cable", "mug", "tray"):
        trace = trace_replication(loaded, "backorders", product=pid)
        assert {e.product for e in trace.events} <= {pid, None}
        product = res.policies["backorders"].replications[0].products[pid]
        assert trace.counts() == {k: int(product[k] or 0) for k in COUNTS}, pid


def test_observing_changes_no_number() -> None:
    """Every customer is served one by one when observed (no booked runs): same metrics."""
    loaded = load_scenario(ROOT / "benchmarks" / "reference.yaml", ["horizon_days=500"])
    policy = loaded.policies[0]
    seed = replication_seeds(loaded.scenario.seed, 1)[0]
    plain = simulation.simulate(policy.scenario, policy.backorder, seed)
    seen: list[object] = []
    model = simulation.build(policy.scenario, policy.backorder, seed, observer=seen.append)
    observed = simulation.run_model(model)
    # Booked runs add up times in another order than one by one: sums agree to rounding.
    assert same(observed.store, plain.store)
    assert observed.suppliers == plain.suppliers
    assert observed.wait_hist == plain.wait_hist
    assert len(seen) > plain.store["units_demanded"]  # type: ignore[operator]


def test_events_are_in_time_order_with_levels() -> None:
    trace = trace_replication(
        load_scenario(GOOD / "holiday.yaml", ["horizon_days=200"]), "honest-eta"
    )
    times = [e.time for e in trace.events]
    assert times == sorted(times)
    kinds = {e.kind for e in trace.events}
    assert kinds <= set(KINDS)
    assert {"order", "backorder_shipped", "replenishment", "delivery", "disruption_start"} <= kinds
    for e in trace.events:
        if e.product is not None:
            assert e.on_hand is not None and e.on_hand >= 0
            assert e.backlog is not None and e.backlog >= 0
            assert e.on_order is not None and e.on_order >= 0
    # a delivery raises on hand by what was delivered, less what it shipped at once
    path = trace.path()
    assert path.times[0] == 0 and path.times[-1] == trace.horizon_days
    assert path.on_hand[0] == 150


def test_classroom_tells_a_story_in_30_days() -> None:
    trace = trace_replication(load_scenario(SCENARIOS / "classroom.yaml"), "backorders", days=30)
    lines = list(sentences(trace.events))
    assert len(lines) >= 10
    assert all(re.match(r"day \d+\.\d: ", line) for line in lines)
    text = "\n".join(lines)
    assert "acme disrupted until day 24.0; the next order goes to quickco" in text
    assert re.search(r"order #\d+ for \d widgets?; \d+ on hand; .*backordered", text)
    assert re.search(r"delivery of 20 widgets from \w+; order #\d+ completed after", text)
    story = narrative(trace)
    counts = trace.counts()
    assert f"In all: {counts['units_demanded']} units demanded" in story


def test_quoted_orders_are_told_their_promise() -> None:
    trace = trace_replication(load_scenario(SCENARIOS / "classroom.yaml"), "honest-eta", days=30)
    text = "\n".join(sentences(trace.events))
    promised = [
        e.detail["promised"] for e in trace.events if e.kind == "order" and e.detail["backordered"]
    ]
    assert promised and all(p is not None for p in promised)
    assert f"promised day {promised[0]:.1f}" in text


def test_csv_has_the_design_columns_and_guards_formulas() -> None:
    loaded = load_scenario(SCENARIOS / "classroom.yaml")
    trace = trace_replication(loaded, "backorders", days=20)
    rows = list(csv.reader(io.StringIO(to_csv(trace))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == len(trace.events) + 1
    first = dict(zip(CSV_COLUMNS, rows[1], strict=True))
    assert first["kind"] == "order" and first["product"] == "widget"


def test_csv_guards_formula_cells(tmp_path: Path) -> None:
    text = (SCENARIOS / "classroom.yaml").read_text(encoding="utf-8")
    text = text.replace("widget", "=HYPERLINK(1)").replace("  =HYPERLINK(1):", '  "=HYPERLINK(1)":')
    text = (
        text.replace("acme", "@acme")
        .replace("[@acme,", '["@acme",')
        .replace("  @acme:", '  "@acme":')
    )
    path = tmp_path / "evil.yaml"
    path.write_text(text, encoding="utf-8")
    trace = trace_replication(load_scenario(path), "backorders", days=20)
    rows = list(csv.DictReader(io.StringIO(to_csv(trace))))
    products = {row["product"] for row in rows if row["product"]}
    suppliers = {row["supplier"] for row in rows if row["supplier"]}
    assert products == {"'=HYPERLINK(1)"}
    assert "'@acme" in suppliers


def test_bad_trace_requests() -> None:
    loaded = load_scenario(SCENARIOS / "quickstart.yaml")
    with pytest.raises(
        ExperimentError, match=r"unknown policy 'backorders'.*did you mean 'backorder'"
    ):
        trace_replication(loaded, "backorders")
    with pytest.raises(ExperimentError, match="unknown product 'lmap'"):
        trace_replication(loaded, "backorder", product="lmap")
    with pytest.raises(ExperimentError, match=r"days \(=10\) must be > warmup_days \(=30\)"):
        trace_replication(loaded, "backorder", days=10)


def test_trace_command_writes_csv_and_plot(tmp_path: Path) -> None:
    png, table = tmp_path / "t.png", tmp_path / "t.csv"
    args = ["trace", str(SCENARIOS / "classroom.yaml"), "--policy", "backorders", "--days", "30"]
    outcome = CliRunner().invoke(main, [*args, "--plot", str(png), "--csv", str(table)])
    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout.count("\nday ") >= 10
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 10_000
    assert table.read_text(encoding="utf-8").startswith(",".join(CSV_COLUMNS))
    bad = CliRunner().invoke(main, [*args, "--plot", str(tmp_path / "t.jpg")])
    assert bad.exit_code == 1 and "must end in .png" in bad.output
    bad = CliRunner().invoke(main, ["trace", str(SCENARIOS / "classroom.yaml"), "--policy", "x"])
    assert bad.exit_code == 1 and "unknown policy 'x'" in bad.output
