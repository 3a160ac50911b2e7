"""Properties of goodwill and the experience mix, on random scenarios.

- G stays in [floor, 1] (recorded at every bad experience, and its time average);
- the experience shares sum to 1 whenever there are orders;
- potential customers = orders + those lost to goodwill, exactly;
- booking runs of plain customers in one step, with goodwill thinning them, gives the
  numbers of serving them one by one;
- the key test of a potential customer is the test V < G(t) it stands for.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import same_metrics

from simulator.model.goodwill import NEVER_LOWER, GoodwillLevel
from simulator.model.simulation import build, run_model
from simulator.model.store import Store
from simulator.model.thinning import Thinning
from simulator.scenario.schema import Backorder, Goodwill, Scenario

EXPONENTIAL = {"dist": "exponential", "mean": 2}
SHARES = ("served_at_once_share", "served_as_promised_share", "served_late_share", "lost_share")


@st.composite
def goodwill_specs(draw: st.DrawFn) -> dict[str, Any]:
    loss = st.sampled_from([0.0, 0.05, 0.3, 1.0])
    return {
        "scope": draw(st.sampled_from(["product", "store"])),
        "lost_order": draw(loss),
        "cancelled_order": draw(loss),
        "late_order": draw(loss),
        "recovery_days": draw(st.sampled_from([None, 0.5, 5.0, 40.0])),
        "floor": draw(st.sampled_from([0.0, 0.0, 0.3])),
    }


@st.composite
def scenarios(draw: st.DrawFn, plain: bool = False) -> tuple[Scenario, Backorder]:
    customers: dict[str, Any] = {
        "goodwill": draw(goodwill_specs()),
        "expected_wait_days": draw(st.sampled_from([0.5, 3.0])),
    }
    if not plain and draw(st.booleans()):
        customers["patience_days"] = {"dist": "exponential", "mean": draw(st.sampled_from([1, 5]))}
    if not plain and draw(st.booleans()):
        customers["accept_probability"] = 0.7
    products = {}
    for k in range(draw(st.integers(1, 2))):
        q = draw(st.integers(1, 15))
        size: Any = draw(st.integers(1, 3))
        if not plain and draw(st.booleans()):
            size = {"dist": "poisson", "mean": 2, "min": 1}
        replenishment: dict[str, Any] = {
            "policy": "rQ",
            "order_quantity": q,
            "reorder_point": draw(st.integers(-q, 10)),
        }
        if draw(st.booleans()):
            replenishment["review_period_days"] = 1.0
        products[f"p{k}"] = {
            "price": 1 + k,
            "initial_on_hand": draw(st.integers(0, 20)),
            "demand": {"rate_per_day": draw(st.floats(1, 15)), "order_size": size},
            "replenishment": replenishment,
        }
    horizon = draw(st.floats(20, 80))
    data = {
        "name": "goodwill",
        "horizon_days": horizon,
        "warmup_days": draw(st.sampled_from([0.0, horizon / 4])),
        "customers": customers,
        "products": products,
        "suppliers": {"a": {"lead_time_days": draw(st.sampled_from([1.0, EXPONENTIAL]))}},
        "policies": [{"name": "p"}],
    }
    quote = not plain and draw(st.booleans())
    backorder = Backorder(
        allow=draw(st.booleans()),
        partial_fill=draw(st.booleans()),
        quote_eta=quote,
        delay_updates=quote and draw(st.booleans()),
        max_backlog_units=draw(st.sampled_from([None, None, 8])),
    )
    return Scenario.model_validate(data), backorder


@settings(max_examples=60, deadline=None)
@given(scenarios(), st.integers(0, 2**32 - 1))
def test_goodwill_bounds_shares_and_potential_customers(
    case: tuple[Scenario, Backorder], seed: int
) -> None:
    scenario, backorder = case
    spec = scenario.customers.goodwill
    assert spec is not None
    levels: list[float] = []
    apply, thin = GoodwillLevel._apply, GoodwillLevel.thin

    def recorded(self: GoodwillLevel, t: float, loss: float) -> None:
        levels.append(self.level(t))
        apply(self, t, loss)
        levels.append(self.g)

    def recorded_thin(self: GoodwillLevel, *args: Any) -> tuple[list[float], int]:
        before = self.g
        out = thin(self, *args)
        levels.extend((before, self.g))
        return out

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(GoodwillLevel, "_apply", recorded)
        mp.setattr(GoodwillLevel, "thin", recorded_thin)
        model = build(scenario, backorder, np.random.SeedSequence(seed))
        out = run_model(model)
    assert all(spec.floor - 1e-12 <= g <= 1.0 for g in levels)
    for pid, store in model.stores.items():
        t = store.totals()
        assert t.potential_orders == t.orders + t.orders_lost_to_goodwill
        metrics = out.products[pid]
        assert metrics["potential_orders"] == t.potential_orders
        mean = metrics["mean_goodwill"]
        assert mean is not None and spec.floor - 1e-9 <= mean <= 1.0
        if t.orders:
            assert math.isclose(sum(metrics[s] for s in SHARES), 1.0)  # type: ignore[misc]
        else:
            assert all(metrics[s] is None for s in SHARES)
    if not spec.can_change:
        assert out.store["orders_lost_to_goodwill"] == 0


@settings(max_examples=80, deadline=None)
@given(scenarios(plain=True), st.integers(0, 2**32 - 1))
def test_thinned_runs_booked_in_one_step_match_one_by_one(
    case: tuple[Scenario, Backorder], seed: int
) -> None:
    scenario, backorder = case
    bulk = run_model(build(scenario, backorder, np.random.SeedSequence(seed)))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Store, "fillable_run", lambda self, units: 0)
        mp.setattr(Store, "backorder_run", lambda self, units: 0)
        # a lone product's process writes those out: send it through the heap loop
        mp.setattr(Thinning, "lone", property(lambda self: False, lambda self, value: None))
        single = run_model(build(scenario, backorder, np.random.SeedSequence(seed)))
    assert same_metrics(bulk.store, single.store), (bulk.store, single.store)
    for pid in scenario.products:
        assert same_metrics(bulk.products[pid], single.products[pid]), pid


def test_the_thinned_bulk_paths_are_taken() -> None:
    """Guard for the test above: with goodwill below 1, runs are still booked in one step."""
    scenario = Scenario.model_validate(
        {
            "name": "ref",
            "horizon_days": 500,
            "customers": {"goodwill": {"late_order": 0.05, "recovery_days": 20}},
            "products": {
                "w": {
                    "price": 1,
                    "initial_on_hand": 130,
                    "demand": {"rate_per_day": 20},
                    "replenishment": {"policy": "rQ", "reorder_point": 30, "order_quantity": 100},
                }
            },
            "suppliers": {"a": {"lead_time_days": {"dist": "exponential", "mean": 3}}},
            "policies": [{"name": "p"}],
        }
    )
    calls = {"fill": 0, "backorder": 0, "lone": 0}
    fill, many, process = Store.fill_run, Store.backorder_many, Thinning.process
    with pytest.MonkeyPatch.context() as mp:

        def counted_process(self: Thinning, clock: Any) -> Any:
            calls["lone"] += 1
            return process(self, clock)

        def counted_fill(self: Store, *args: Any) -> None:
            calls["fill"] += 1
            fill(self, *args)

        def counted_many(self: Store, *args: Any) -> None:
            calls["backorder"] += 1
            many(self, *args)

        mp.setattr(Store, "fill_run", counted_fill)
        mp.setattr(Store, "backorder_many", counted_many)
        mp.setattr(Thinning, "process", counted_process)
        out = run_model(build(scenario, Backorder(allow=True), np.random.SeedSequence(3)))
    assert out.store["mean_goodwill"] < 0.95  # goodwill did fall
    assert calls["fill"] > 50 and calls["backorder"] > 20
    assert calls["lone"] == 1  # a lone product: its own process (model/lone_thinning.py)


@settings(max_examples=300, deadline=None)
@given(
    st.floats(0.0, 1.0),
    st.floats(0.0, 50.0),
    st.floats(0.0, 200.0),
    st.sampled_from([None, 0.3, 7.0, 90.0]),
    st.floats(0.0, 1.0, exclude_max=True),
)
def test_the_key_test_is_the_uniform_test(
    g: float, since: float, later: float, recovery: float | None, u: float
) -> None:
    level = GoodwillLevel(Goodwill(recovery_days=recovery), warmup=0.0)
    level.since, level.g = since, g
    level._set_threshold()
    t = since + later
    expected = u < level.level(t)
    assume(abs(u - level.level(t)) > 1e-9)  # off the boundary, where rounding decides
    key = float(level.keys(np.array([t]), np.array([u]))[0])
    assert (key > level.threshold) is expected
    if g == 1.0:
        assert level.threshold == NEVER_LOWER
