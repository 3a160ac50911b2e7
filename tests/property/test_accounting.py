"""Property tests: over small random scenarios, every unit of demand is accounted for.

The model checks the unit identities of DESIGN.md §2 itself at the end of every replication
(raising ``AccountingError``); these tests drive it through many random scenarios with every
feature mixed in, and also check that stock levels and waits never go negative.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_profiles import examples

from simulator.model.simulation import build, run_model
from simulator.model.store import Store
from simulator.scenario.schema import Backorder, Scenario

lead_times = st.one_of(
    st.floats(0, 5),
    st.builds(lambda m: {"dist": "exponential", "mean": m}, st.floats(0.2, 5)),
    st.builds(
        lambda lo, w: {"dist": "uniform", "low": lo, "high": lo + w},
        st.floats(0, 3),
        st.floats(0.1, 4),
    ),
)


@st.composite
def replenishments(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["base_stock", "rQ", "sS", "none"]))
    spec: dict[str, Any] = {"policy": kind}
    if kind == "base_stock":
        spec["level"] = draw(st.integers(0, 20))
    elif kind == "rQ":
        q = draw(st.integers(1, 15))
        spec.update(order_quantity=q, reorder_point=draw(st.integers(-q, 15)))
    elif kind == "sS":
        big = draw(st.integers(1, 25))
        spec.update(order_up_to=big, reorder_point=draw(st.integers(-big, big - 1)))
    if kind != "none" and draw(st.booleans()):
        spec["review_period_days"] = draw(st.floats(0.5, 4))
    return spec


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Scenario, Backorder]:
    suppliers: dict[str, Any] = {}
    for sid in ("a", "b")[: draw(st.integers(1, 2))]:
        supplier: dict[str, Any] = {"lead_time_days": draw(lead_times)}
        if draw(st.booleans()):
            supplier["servers"] = draw(st.integers(1, 3))
        if draw(st.booleans()):
            supplier["hold_shipments"] = True
        if draw(st.booleans()):
            start = draw(st.floats(0, 40))
            supplier["disruptions"] = [
                {"start_day": start, "end_day": start + draw(st.floats(1, 20))}
            ]
        elif draw(st.booleans()):
            supplier["disruptions"] = {
                "every_days": {"dist": "exponential", "mean": draw(st.floats(5, 30))},
                "duration_days": draw(st.floats(0.5, 10)),
            }
        suppliers[sid] = supplier
    rule = draw(st.sampled_from(["single", "failover", "split", "fastest", "cheapest"]))
    sourcing: dict[str, Any] = {"suppliers": list(suppliers), "rule": rule}
    if rule == "failover":
        sourcing["switch_after_days"] = draw(st.floats(0, 6))
    if rule == "split":
        share = draw(st.floats(0, 1))
        sourcing["fractions"] = [share, 1 - share] if len(suppliers) == 2 else [1.0]
    customers: dict[str, Any] = {"accept_probability": draw(st.floats(0, 1))}
    if draw(st.booleans()):
        customers["patience_days"] = {"dist": "exponential", "mean": draw(st.floats(0.2, 6))}
    if draw(st.booleans()):
        customers["max_quoted_wait_days"] = draw(st.floats(0, 6))
    customers["informed_patience_factor"] = draw(st.floats(0.3, 3))
    size = draw(
        st.sampled_from(
            [
                1,
                {"dist": "poisson", "mean": 2, "min": 1},
                {"dist": "empirical", "values": [1, 4, 7]},
            ]
        )
    )
    horizon = draw(st.floats(20, 60))
    data = {
        "name": "prop",
        "horizon_days": horizon,
        "warmup_days": draw(st.floats(0, horizon / 2)),
        "customers": customers,
        "products": {
            "w": {
                "price": 5,
                "initial_on_hand": draw(st.integers(0, 15)),
                "demand": {"rate_per_day": draw(st.floats(0.5, 8)), "order_size": size},
                "replenishment": draw(replenishments()),
            }
        },
        "suppliers": suppliers,
        "sourcing": sourcing,
        "policies": [{"name": "p"}],
    }
    quote = draw(st.booleans())
    backorder = Backorder(
        allow=draw(st.booleans()),
        partial_fill=draw(st.booleans()),
        max_backlog_units=draw(st.one_of(st.none(), st.integers(0, 30))),
        max_quoted_wait_days=draw(st.one_of(st.none(), st.floats(0, 8))),
        quote_eta=quote,
        eta_padding_days=draw(st.floats(0, 2)),
        delay_updates=quote and draw(st.booleans()),
        allocation=draw(st.sampled_from(["fifo", "smallest_first", "largest_first"])),
    )
    return Scenario.model_validate(data), backorder


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.integers(0, 2**32 - 1))
def test_every_unit_is_accounted_for(case: tuple[Scenario, Backorder], seed: int) -> None:
    scenario, backorder = case
    model = build(scenario, backorder, np.random.SeedSequence(seed))
    store = model.stores["w"]
    levels: list[tuple[int, int, int]] = []
    waits: list[float] = []
    original_change = store._change
    original_ship = store._ship_backorder

    def change(now: float, on_hand: int = 0, backlog: int = 0, on_order: int = 0) -> None:
        original_change(now, on_hand, backlog, on_order)
        levels.append((store.on_hand, store.backlog_units, store.on_order))

    def ship(entry: Any, units: int, now: float) -> None:
        waits.append(now - entry.placed)
        original_ship(entry, units, now)

    store._change = change  # type: ignore[method-assign]
    store._ship_backorder = ship  # type: ignore[method-assign]
    result = run_model(model)  # raises AccountingError if an identity fails
    m = result.store
    assert all(a >= 0 and b >= 0 and c >= 0 for a, b, c in levels)
    assert all(w >= 0 for w in waits)
    parts = (
        "units_filled_immediately",
        "units_filled_from_backorder",
        "units_refused",
        "units_declined",
        "units_cancelled",
        "open_backlog_units_end",
    )
    assert sum(m[k] or 0 for k in parts) == m["units_demanded"]
    for key in ("fill_rate", "eventual_fill_rate", "ready_rate", "eta_on_time_rate"):
        v = m[key]
        assert v is None or 0 <= v <= 1
    if not backorder.allow:
        assert m["units_backordered"] == 0
    assert isinstance(store, Store)
