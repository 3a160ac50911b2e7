"""Invariants of the model under random valid scenarios with every feature on (issue 14):
partial fill, patience, quotes and delay updates, disruptions with held shipments, failover
and split sourcing, capacity, seasonality, compound order sizes, every allocation rule.

Checked as the model runs (the store's methods are wrapped): stock, backlog and stock on
order never negative; every backordered shipment at or after its order (wait >= 0); every
quote at or after its order time; FIFO allocation ships backorders in arrival order. At
the end of every replication the model's own unit identities are checked (a violation
raises), and here revenue = price x units shipped, per product (without warm-up: revenue counts
units shipped in the window, the unit counts cover orders placed in it).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.model.simulation import simulate
from simulator.model.store import Store
from simulator.policies.allocation import BackorderEntry
from simulator.scenario import load_scenario


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    products = {}
    for k in range(draw(st.integers(1, 2))):
        q = draw(st.integers(2, 12))
        products[f"p{k}"] = {
            "price": draw(st.sampled_from([1.0, 2.5, 10.0])),
            "initial_on_hand": draw(st.integers(0, 10)),
            "demand": {
                "rate_per_day": draw(st.sampled_from([0.5, 2.0, 5.0])),
                "order_size": draw(
                    st.sampled_from([1, 2, {"dist": "poisson", "mean": 1.5, "min": 1}])
                ),
                "seasonality": [
                    {"start_day": 5, "end_day": 10, "multiplier": 3, "repeat_every_days": 20}
                ],
            },
            "replenishment": draw(
                st.sampled_from(
                    [
                        {"policy": "rQ", "reorder_point": q // 2, "order_quantity": q},
                        {"policy": "base_stock", "level": q, "review_period_days": 2},
                        {"policy": "sS", "reorder_point": -1, "order_up_to": q},
                    ]
                )
            ),
            "sourcing": draw(
                st.sampled_from(
                    [
                        {"suppliers": ["a", "b"], "rule": "failover", "switch_after_days": 3},
                        {"suppliers": ["a", "b"], "rule": "split", "fractions": [0.6, 0.4]},
                        {"suppliers": ["a"], "rule": "single"},
                        {"suppliers": ["a", "b"], "rule": "fastest"},
                    ]
                )
            ),
        }
    allocation = draw(st.sampled_from(["fifo", "smallest_first", "largest_first"]))
    return {
        "name": "invariants",
        "seed": draw(st.integers(0, 1000)),
        "horizon_days": 60,
        "warmup_days": draw(st.sampled_from([0, 7])),
        "customers": {
            "patience_days": {"dist": "exponential", "mean": 4},
            "max_quoted_wait_days": {"dist": "uniform", "low": 1, "high": 8},
            "accept_probability": 0.8,
            "informed_patience_factor": 1.5,
        },
        "products": products,
        "suppliers": {
            "a": {
                "lead_time_days": {"dist": "gamma", "mean": 3, "sd": 1.5},
                "servers": draw(st.sampled_from([None, 1, 2])),
                "hold_shipments": True,
                "disruptions": {
                    "every_days": {"dist": "exponential", "mean": 15},
                    "duration_days": {"dist": "uniform", "low": 1, "high": 5},
                },
            },
            "b": {"lead_time_days": 1.5, "unit_cost": 2},
        },
        "policies": [
            {
                "name": "all-on",
                "backorder": {
                    "allow": True,
                    "partial_fill": draw(st.booleans()),
                    "quote_eta": True,
                    "delay_updates": True,
                    "eta_padding_days": draw(st.sampled_from([0, 0.5])),
                    "max_backlog_units": draw(st.sampled_from([None, 15])),
                    "allocation": allocation,
                },
            }
        ],
    }


class Watch:
    """What the wrapped store methods saw."""

    def __init__(self) -> None:
        self.changes = 0
        self.shipments: dict[str, list[int]] = {}
        self.problems: list[str] = []


@settings(
    derandomize=True, deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow]
)
@given(scenarios())
def test_invariants_hold_with_every_feature_on(data: dict[str, Any]) -> None:
    loaded = load_scenario(data)
    policy = loaded.policies[0]
    fifo = policy.backorder.allocation == "fifo"
    watch = Watch()
    change, ship = Store._change, Store._ship_backorder

    def checked_change(self: Store, now: float, *args: Any, **kwargs: Any) -> None:
        change(self, now, *args, **kwargs)
        watch.changes += 1
        if min(self.on_hand, self.backlog_units, self.on_order) < 0:
            watch.problems.append(
                f"{self.id} at {now}: on hand {self.on_hand}, backlog {self.backlog_units}, "
                f"on order {self.on_order}"
            )

    def checked_ship(self: Store, entry: BackorderEntry, units: int, now: float) -> None:
        if now < entry.placed:
            watch.problems.append(f"shipped at {now} an order placed at {entry.placed}")
        if entry.first_quote is not None and entry.first_quote < entry.placed:
            watch.problems.append(f"quote {entry.first_quote} before order {entry.placed}")
        if units <= 0 or units > entry.remaining:
            watch.problems.append(f"shipped {units} of {entry.remaining} remaining")
        watch.shipments.setdefault(self.id, []).append(entry.seq)
        ship(self, entry, units, now)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Store, "_change", checked_change)
        patch.setattr(Store, "_ship_backorder", checked_ship)
        metrics = simulate(policy.scenario, policy.backorder, np.random.SeedSequence(data["seed"]))
    assert watch.problems == []
    assert watch.changes > 0
    if fifo:
        for pid, seqs in watch.shipments.items():
            assert seqs == sorted(seqs), f"{pid}: backorders not shipped first come, first served"
    for pid, product in policy.scenario.products.items():
        m = metrics.products[pid]
        shipped = m["units_filled_immediately"] + m["units_filled_from_backorder"]
        if data["warmup_days"] == 0:  # else revenue counts shipments of pre-window orders too
            assert m["revenue"] == pytest.approx(product.price * shipped, rel=1e-12, abs=1e-9)
        assert m["units_demanded"] == pytest.approx(
            m["units_filled_immediately"]
            + m["units_filled_from_backorder"]
            + m["units_refused"]
            + m["units_declined"]
            + m["units_cancelled"]
            + m["open_backlog_units_end"]
        )
        if m["mean_wait_days"] is not None:
            assert m["mean_wait_days"] >= 0
        if m["mean_quoted_wait_days"] is not None:
            assert m["mean_quoted_wait_days"] >= 0
