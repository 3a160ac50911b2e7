"""How runs of plain customers are booked when goodwill thins them (model/thinning.py,
model/lone_thinning.py): the look-ahead that sizes a run, and backorder runs continuing
the batch at the tail of the backlog. Both are about speed; the numbers must not move."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from simulator import load_scenario
from simulator.model import simulation, thinning
from simulator.model.store import Store
from simulator.scenario.schema import Scenario
from simulator.streams import replication_seeds

REFERENCE = Path(__file__).resolve().parents[2] / "benchmarks" / "reference.yaml"


def _lone(monkeypatch: pytest.MonkeyPatch, lone: bool) -> None:
    """Run a lone product through its own process (``lone``) or through the heap loop."""
    real = thinning.attach_goodwill

    def attach(*args: Any, **kwargs: Any) -> None:
        real(*args, **kwargs)
        for source in args[2].values():
            assert source.thinning.lone  # (the scenarios here have one plain product)
            source.thinning.lone = lone

    monkeypatch.setattr(simulation, "attach_goodwill", attach)


def _count_runs(monkeypatch: pytest.MonkeyPatch, name: str, counts: dict[str, int]) -> None:
    """Count the calls of the store's booking method ``name`` that book two customers or
    more."""
    real = getattr(Store, name)

    def counted(self: Store, times: list[float], start: int, stop: int, units: int) -> None:
        counts[name] += stop - start >= 2
        real(self, times, start, stop, units)

    monkeypatch.setattr(Store, name, counted)


def _count_continued(monkeypatch: pytest.MonkeyPatch, counts: dict[str, int]) -> None:
    """Count the backorder runs that continue the batch at the tail of the backlog."""
    real = Store._continue_batch

    def counted(self: Store, *args: Any) -> bool:
        out = real(self, *args)
        counts["_continue_batch"] += out
        return out

    monkeypatch.setattr(Store, "_continue_batch", counted)


def simulate_once(scenario: Scenario, backorder: Any) -> Any:
    """The model's metrics for one replication of ``scenario``."""
    return simulation.simulate(scenario, backorder, replication_seeds(scenario.seed, 1)[0])


@pytest.mark.parametrize("lone", [True, False])
def test_a_run_up_to_the_reorder_point_is_booked_in_one_step(
    lone: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With goodwill G < 1, a run of plain customers that would end at the reorder point
    reads enough potential customers for all of its orders: it is not cut short (and
    finished in a second run) because fewer of them ordered than the average says.

    Goodwill falls to its floor 0.5 in the stock-out at the start (lost sales while the
    supplier is down), then stays there (no recovery; a supplier fast enough that stock
    never runs out again). Every
    replenishment cycle then books one run of two customers or more: from the delivery
    to the reorder point (the lead time is too short for a second). Sizing the run for
    the mean number of orders only (``run / G`` potential customers) splits about half of
    them in two: 1.5 runs a cycle."""
    _lone(monkeypatch, lone)
    counts = {"fill_run": 0}
    _count_runs(monkeypatch, "fill_run", counts)
    data = {
        "name": "floor",
        "horizon_days": 2000,
        "customers": {"goodwill": {"lost_order": 0.2, "floor": 0.5}},
        "products": {
            "w": {
                "price": 1,
                "initial_on_hand": 0,
                "demand": {"rate_per_day": 20},
                "replenishment": {"policy": "rQ", "reorder_point": 30, "order_quantity": 100},
            }
        },
        "suppliers": {
            "a": {
                "lead_time_days": 0.001,
                "hold_shipments": True,
                "disruptions": [{"start_day": 0, "end_day": 3}],
            },
        },
        "policies": [{"name": "lost", "backorder": {"allow": False}}],
    }
    scenario = Scenario.model_validate(data)
    backorder = scenario.policies[0].backorder
    out = simulate_once(scenario, backorder)
    assert out.store["mean_goodwill"] == pytest.approx(0.5, abs=0.01)  # G sat at the floor
    cycles = out.store["replenishment_orders"]
    assert cycles > 80
    assert counts["fill_run"] <= 1.05 * cycles + 2


@pytest.mark.parametrize("lone", [True, False])
def test_backorder_runs_continue_the_batch_with_the_numbers_of_a_batch_each(
    lone: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With late orders costing goodwill, a backorder run ends before a promise of its own
    could pass, so a long stock-out is booked as several runs. Each continues the batch at
    the tail of the backlog (one entry, one watch walking its promises) instead of
    starting one of its own: the same numbers, to rounding (sums are added in other
    groups), and the same counts exactly."""
    sets = [
        "customers.goodwill.late_order=0.02",
        "customers.goodwill.recovery_days=30",
        "horizon_days=3000",
        "warmup_days=100",
    ]
    loaded = load_scenario(REFERENCE, sets)
    policy = loaded.policies[0]
    seed = replication_seeds(loaded.scenario.seed, 1)[0]
    _lone(monkeypatch, lone)
    counts = {"_continue_batch": 0, "backorder_many": 0}
    _count_continued(monkeypatch, counts)
    _count_runs(monkeypatch, "backorder_many", counts)
    continued = simulation.simulate(policy.scenario, policy.backorder, seed)
    assert counts["_continue_batch"] > 50  # long stock-outs did continue batches
    assert counts["_continue_batch"] < counts["backorder_many"]  # (and new ones began)
    monkeypatch.setattr(Store, "_continue_batch", lambda self, *args: False)
    separate = simulation.simulate(policy.scenario, policy.backorder, seed)
    for a, b in (
        (continued.store, separate.store),
        (continued.products["item"], separate.products["item"]),
    ):
        for key, x in a.items():
            y = b[key]
            assert (x is None and y is None) or math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12), key
    exact = (  # counts, and ratios of counts
        "potential_orders",
        "orders_lost_to_goodwill",
        "units_demanded",
        "replenishment_orders",
        "fill_rate",
        "served_at_once_share",
        "served_as_promised_share",
        "served_late_share",
    )
    for key in exact:
        assert continued.store[key] == separate.store[key], key
    assert continued.store["mean_goodwill"] < 0.9  # late orders did cost goodwill
