"""How runs of plain customers are booked when goodwill thins them (model/thinning.py,
model/lone_thinning.py): the look-ahead that sizes a run. It is about speed; the numbers
must not move."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.model import simulation, thinning
from simulator.model.store import Store
from simulator.scenario.schema import Scenario
from simulator.streams import replication_seeds


def _lone(monkeypatch: pytest.MonkeyPatch, lone: bool) -> None:
    """Run a lone product through its own process (``lone``) or through the heap loop."""
    real = thinning.attach_goodwill

    def attach(*args: Any, **kwargs: Any) -> None:
        real(*args, **kwargs)
        for source in args[2].values():
            assert source.thinning.lone  # (the scenarios here have one plain product)
            source.thinning.lone = lone

    monkeypatch.setattr(simulation, "attach_goodwill", attach)


def _count(monkeypatch: pytest.MonkeyPatch, name: str, counts: dict[str, int]) -> None:
    """Count the calls of the store's method ``name`` that book two customers or more."""
    real = getattr(Store, name)

    def counted(self: Store, *args: Any) -> Any:
        start, stop = args[1:3]
        counts[name] += stop - start >= 2
        return real(self, *args)

    monkeypatch.setattr(Store, name, counted)


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
    _count(monkeypatch, "fill_run", counts)
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


def simulate_once(scenario: Scenario, backorder: Any) -> Any:
    return simulation.simulate(scenario, backorder, replication_seeds(scenario.seed, 1)[0])
