"""Deterministic behaviour of the model: quotes, sourcing, disruptions, allocation, patience."""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest

from simulator.model.simulation import build, run_model, simulate
from simulator.model.store import Store
from simulator.model.suppliers import Supplier, SupplyOrder
from simulator.policies.allocation import BackorderEntry
from simulator.policies.sourcing import largest_remainder
from simulator.scenario.schema import Backorder, Scenario

SEED = np.random.SeedSequence(11)


def make(**changes: Any) -> Scenario:
    """A one-product, one-supplier scenario with ``changes`` deep-merged in."""
    data: dict[str, Any] = {
        "name": "t",
        "horizon_days": 300,
        "products": {
            "w": {
                "price": 10,
                "initial_on_hand": 10,
                "demand": {"rate_per_day": 4},
                "replenishment": {"policy": "base_stock", "level": 10},
            }
        },
        "suppliers": {"a": {"lead_time_days": 3}},
        "policies": [{"name": "p"}],
    }
    _merge(data, changes)
    return Scenario.model_validate(data)


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if key != "replenishment" and isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)


# -- ETA quotes ----------------------------------------------------------------------------


def _record_last_shipments(monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, float]]:
    """Patch the store to record (quote, time the last unit shipped) for every backorder."""
    seen: list[tuple[float, float]] = []
    original = Store._ship_backorder

    def ship(self: Store, entry: BackorderEntry, units: int, now: float) -> None:
        original(self, entry, units, now)
        if entry.remaining == 0 and entry.first_quote is not None:
            seen.append((entry.first_quote, now))

    monkeypatch.setattr(Store, "_ship_backorder", ship)
    return seen


@pytest.mark.parametrize(
    "replenishment",
    [
        {"policy": "base_stock", "level": 8},
        {"policy": "rQ", "reorder_point": 3, "order_quantity": 12},
        {"policy": "rQ", "reorder_point": 0, "order_quantity": 5},
        {"policy": "sS", "reorder_point": 2, "order_up_to": 15},
        {"policy": "base_stock", "level": 12, "review_period_days": 2},
        {"policy": "sS", "reorder_point": 3, "order_up_to": 20, "review_period_days": 1.5},
    ],
)
@pytest.mark.parametrize("partial_fill", [False, True])
def test_quotes_equal_last_shipment_in_the_exact_case(
    monkeypatch: pytest.MonkeyPatch, replenishment: dict[str, Any], partial_fill: bool
) -> None:
    seen = _record_last_shipments(monkeypatch)
    scenario = make(
        products={
            "w": {
                "replenishment": replenishment,
                "demand": {"order_size": {"dist": "poisson", "mean": 2, "min": 1}},
            }
        }
    )
    backorder = Backorder(allow=True, quote_eta=True, partial_fill=partial_fill)
    m = simulate(scenario, backorder, SEED).store
    assert len(seen) > 100
    assert all(math.isclose(q, t, abs_tol=1e-9) for q, t in seen)
    assert m["eta_on_time_rate"] == 1.0
    assert m["eta_mean_lateness_days"] is None


def test_overdue_orders_are_quoted_their_expected_remaining_lead_time() -> None:
    exp = {"a": {"lead_time_days": {"dist": "exponential", "mean": 3}}}
    m = simulate(make(suppliers=exp), Backorder(allow=True, quote_eta=True), SEED).store
    # memoryless lead times: an open order is always expected about 3 days out, so quotes
    # are neither "now" nor wildly late on average
    assert m["mean_quoted_wait_days"] is not None and m["mean_quoted_wait_days"] > 1
    assert m["eta_on_time_rate"] is not None and m["eta_on_time_rate"] > 0.3


def test_quotes_are_late_when_lead_times_vary() -> None:
    scenario = make(suppliers={"a": {"lead_time_days": {"dist": "exponential", "mean": 3}}})
    m = simulate(scenario, Backorder(allow=True, quote_eta=True), SEED).store
    assert m["eta_on_time_rate"] is not None and 0 < m["eta_on_time_rate"] < 1
    assert m["eta_mean_lateness_days"] is not None and m["eta_mean_lateness_days"] > 0


def test_padding_is_added_to_every_quote() -> None:
    scenario = make()
    plain = simulate(scenario, Backorder(allow=True, quote_eta=True), SEED).store
    padded = simulate(
        scenario, Backorder(allow=True, quote_eta=True, eta_padding_days=2), SEED
    ).store
    assert plain["mean_quoted_wait_days"] is not None
    assert padded["mean_quoted_wait_days"] == pytest.approx(plain["mean_quoted_wait_days"] + 2)


def test_customers_decline_quotes_longer_than_they_accept() -> None:
    scenario = make(customers={"max_quoted_wait_days": 0.5})
    told = simulate(scenario, Backorder(allow=True, quote_eta=True), SEED).store
    silent = simulate(scenario, Backorder(allow=True), SEED).store
    assert told["units_declined"] > 0
    assert silent["units_declined"] == 0


def test_policy_wait_cap_refuses_without_telling() -> None:
    scenario = make()
    m = simulate(scenario, Backorder(allow=True, max_quoted_wait_days=1.0), SEED).store
    assert m["units_refused"] > 0
    assert m["mean_quoted_wait_days"] is None


def test_no_replenishment_refuses_short_orders() -> None:
    scenario = make(products={"w": {"replenishment": {"policy": "none"}}})
    m = simulate(scenario, Backorder(allow=True), SEED).store
    assert m["units_filled_immediately"] == 10
    assert m["units_backordered"] == 0
    assert m["units_refused"] == m["units_demanded"] - 10


# -- sourcing and suppliers ------------------------------------------------------------------


def _record_orders(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, float, int]]:
    placed: list[tuple[str, float, int]] = []
    original = Supplier.place

    def place(self: Supplier, order: SupplyOrder) -> None:
        placed.append((self.id, order.placed, order.quantity))
        original(self, order)

    monkeypatch.setattr(Supplier, "place", place)
    return placed


def test_failover_uses_the_backup_only_while_the_primary_is_down(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    placed = _record_orders(monkeypatch)
    scenario = make(
        suppliers={
            "a": {"lead_time_days": 3, "disruptions": [{"start_day": 100, "end_day": 150}]},
            "b": {"lead_time_days": 1, "unit_cost": 2},
        },
        sourcing={"suppliers": ["a", "b"], "rule": "failover", "switch_after_days": 5},
    )
    result = simulate(scenario, Backorder(allow=True), SEED)
    backup = [t for sid, t, _ in placed if sid == "b"]
    primary = [t for sid, t, _ in placed if sid == "a"]
    assert backup and all(100 <= t < 150 for t in backup)
    assert not any(100 <= t < 150 for t in primary)
    assert any(t >= 150 for t in primary)
    assert result.suppliers["a"]["disrupted_days"] == pytest.approx(50)
    assert result.store["backup_share"] == pytest.approx(len(backup) / len(placed))


def test_failover_switches_when_the_primary_is_too_slow(monkeypatch: pytest.MonkeyPatch) -> None:
    placed = _record_orders(monkeypatch)
    scenario = make(
        suppliers={"a": {"lead_time_days": 9}, "b": {"lead_time_days": 2}},
        sourcing={"suppliers": ["a", "b"], "rule": "failover", "switch_after_days": 5},
    )
    simulate(scenario, Backorder(allow=True), SEED)
    assert {sid for sid, _, _ in placed} == {"b"}


def test_single_never_uses_the_backup(monkeypatch: pytest.MonkeyPatch) -> None:
    placed = _record_orders(monkeypatch)
    scenario = make(
        suppliers={
            "a": {"lead_time_days": 3, "disruptions": [{"start_day": 100, "end_day": 150}]},
            "b": {"lead_time_days": 1},
        },
        sourcing={"suppliers": ["a", "b"], "rule": "single"},
    )
    simulate(scenario, Backorder(allow=True), SEED)
    assert {sid for sid, _, _ in placed} == {"a"}


def test_backup_shortens_waits_during_an_outage() -> None:
    down = {"lead_time_days": 3, "disruptions": [{"start_day": 50, "end_day": 200}]}
    alone = make(suppliers={"a": down})
    backed = make(
        suppliers={"a": down, "b": {"lead_time_days": 2}},
        sourcing={"suppliers": ["a", "b"], "rule": "failover", "switch_after_days": 5},
    )
    m_alone = simulate(alone, Backorder(allow=True), SEED).store
    m_backed = simulate(backed, Backorder(allow=True), SEED).store
    assert m_backed["mean_wait_days"] < m_alone["mean_wait_days"]  # type: ignore[operator]


def test_split_keeps_every_unit(monkeypatch: pytest.MonkeyPatch) -> None:
    placed = _record_orders(monkeypatch)
    scenario = make(
        products={
            "w": {"replenishment": {"policy": "rQ", "reorder_point": 5, "order_quantity": 7}}
        },
        suppliers={
            "a": {"lead_time_days": 3},
            "b": {"lead_time_days": 2},
            "c": {"lead_time_days": 1},
        },
        sourcing={"suppliers": ["a", "b", "c"], "rule": "split", "fractions": [0.5, 0.3, 0.2]},
    )
    m = simulate(scenario, Backorder(allow=True), SEED).store
    by_time: dict[float, list[int]] = {}
    for _, t, q in placed:
        by_time.setdefault(t, []).append(q)
    assert all(sum(parts) % 7 == 0 for parts in by_time.values())
    assert m["replenishment_orders"] == len(placed)


@pytest.mark.parametrize(
    ("quantity", "fractions", "expected"),
    [
        (7, [0.5, 0.3, 0.2], [4, 2, 1]),
        (10, [1 / 3, 1 / 3, 1 / 3], [4, 3, 3]),
        (1, [0.5, 0.5], [1, 0]),
        (0, [0.5, 0.5], [0, 0]),
        (5, [0.0, 1.0], [0, 5]),
    ],
)
def test_largest_remainder(quantity: int, fractions: list[float], expected: list[int]) -> None:
    assert largest_remainder(quantity, fractions) == expected


def _placed_and_received(scenario: Scenario) -> list[tuple[float, float]]:
    """(time placed, time received) of every replenishment order in one run."""
    model = build(scenario, Backorder(allow=True), SEED)
    store = model.stores["w"]
    arrivals: list[tuple[float, float]] = []
    original = store.receive

    def receive(order: SupplyOrder) -> None:
        arrivals.append((order.placed, store.clock.now))
        original(order)

    store.receive = receive  # type: ignore[method-assign]
    run_model(model)
    return arrivals


def test_hold_shipments_delays_arrivals_to_the_end_of_the_disruption() -> None:
    scenario = make(
        suppliers={
            "a": {
                "lead_time_days": 3,
                "hold_shipments": True,
                "disruptions": [{"start_day": 100, "end_day": 120}],
            }
        }
    )
    arrivals = _placed_and_received(scenario)
    held = [(p, t) for p, t in arrivals if 97 < p < 120]
    assert held and all(t == 120 for p, t in held if p < 100)
    assert all(t >= 120 for _, t in held)
    assert all(t == pytest.approx(p + 3) for p, t in arrivals if p < 97 or p >= 120)


def test_without_hold_in_progress_orders_arrive_during_the_disruption() -> None:
    scenario = make(
        suppliers={"a": {"lead_time_days": 3, "disruptions": [{"start_day": 100, "end_day": 120}]}}
    )
    arrivals = _placed_and_received(scenario)
    assert any(97 < p < 100 and 100 < t < 103 for p, t in arrivals)
    # orders placed while down start when it ends
    assert all(t == pytest.approx(123) for p, t in arrivals if 100 <= p < 120)


def test_one_server_queues_orders_fifo() -> None:
    scenario = make(suppliers={"a": {"lead_time_days": 2, "servers": 1}})
    result = simulate(scenario, Backorder(allow=True), SEED)
    # demand 4/day of unit orders against capacity 1 order per 2 days of 1 unit: the queue grows
    assert result.suppliers["a"]["mean_lead_time_days"] > 10  # type: ignore[operator]


def test_random_disruptions_are_counted() -> None:
    scenario = make(
        suppliers={
            "a": {
                "lead_time_days": 3,
                "disruptions": {
                    "every_days": {"dist": "exponential", "mean": 30},
                    "duration_days": 10,
                },
            }
        }
    )
    result = simulate(scenario, Backorder(allow=True), SEED)
    disrupted = result.suppliers["a"]["disrupted_days"]
    assert disrupted is not None and 30 < disrupted < 150


# -- allocation, patience, delay updates ------------------------------------------------------


@pytest.mark.parametrize("allocation", ["fifo", "smallest_first", "largest_first"])
def test_allocation_orders_keep_the_identities(allocation: str) -> None:
    scenario = make(
        products={"w": {"demand": {"order_size": {"dist": "empirical", "values": [1, 5, 9]}}}},
        customers={"patience_days": {"dist": "exponential", "mean": 4}},
    )
    for partial in (False, True):
        m = simulate(
            scenario, Backorder(allow=True, allocation=allocation, partial_fill=partial), SEED
        ).store
        assert m["units_backordered"] > 0
        assert m["units_cancelled"] > 0


def test_smallest_first_serves_small_orders_sooner() -> None:
    scenario = make(
        products={"w": {"demand": {"order_size": {"dist": "empirical", "values": [1, 10]}}}},
    )

    def wait_by_size(allocation: str) -> dict[int, float]:
        model = build(scenario, Backorder(allow=True, allocation=allocation), SEED)
        waits: dict[int, list[float]] = {1: [], 10: []}
        store = model.stores["w"]
        original = store._ship_backorder

        def ship(entry: BackorderEntry, units: int, now: float) -> None:
            original(entry, units, now)
            waits[entry.short].append(now - entry.placed)

        store._ship_backorder = ship  # type: ignore[method-assign]
        run_model(model)
        return {k: float(np.mean(v)) for k, v in waits.items()}

    small, fifo, large = (wait_by_size(a) for a in ("smallest_first", "fifo", "largest_first"))
    assert small[1] < fifo[1] < large[1]
    assert small[10] > fifo[10] > large[10]


def test_patience_cancels_and_more_patience_cancels_less() -> None:
    impatient = make(customers={"patience_days": 0.5})
    patient = make(customers={"patience_days": 5})
    a = simulate(impatient, Backorder(allow=True), SEED).store
    b = simulate(patient, Backorder(allow=True), SEED).store
    assert a["units_cancelled"] > b["units_cancelled"]
    assert a["max_wait_days"] is not None and a["max_wait_days"] <= 0.5


def test_delay_updates_with_a_patience_factor_cut_cancellations() -> None:
    suppliers = {"a": {"lead_time_days": {"dist": "exponential", "mean": 3}}}

    def customers(factor: float) -> dict[str, Any]:
        patience = {"dist": "exponential", "mean": 3}
        return {"patience_days": patience, "informed_patience_factor": factor}

    quoted = Backorder(allow=True, quote_eta=True)
    updated = Backorder(allow=True, quote_eta=True, delay_updates=True)
    long = {"horizon_days": 2000, "suppliers": suppliers}
    plain = simulate(make(**long, customers=customers(1.0)), updated, SEED)
    informed = simulate(make(**long, customers=customers(3.0)), updated, SEED)
    silent = simulate(make(**long, customers=customers(1.0)), quoted, SEED)
    assert plain.store["units_cancelled"] == silent.store["units_cancelled"]
    assert informed.store["units_cancelled"] < plain.store["units_cancelled"]  # type: ignore[operator]


def test_partial_fill_ships_what_is_on_hand() -> None:
    scenario = make(
        products={"w": {"demand": {"order_size": 3}, "replenishment": {"policy": "none"}}}
    )
    whole = simulate(scenario, Backorder(allow=False), SEED).store
    partial = simulate(scenario, Backorder(allow=False, partial_fill=True), SEED).store
    assert whole["units_filled_immediately"] == 9
    assert partial["units_filled_immediately"] == 10


def test_max_backlog_units_caps_the_backlog() -> None:
    scenario = make(suppliers={"a": {"lead_time_days": 10}})
    m = simulate(scenario, Backorder(allow=True, max_backlog_units=5), SEED).store
    assert m["units_refused"] > 0
    assert m["mean_backlog_units"] is not None and m["mean_backlog_units"] <= 5


def test_seasonality_scales_demand() -> None:
    flat = make()
    rush = make(
        products={
            "w": {
                "demand": {
                    "seasonality": [
                        {"start_day": 0, "end_day": 50, "multiplier": 3, "repeat_every_days": 100}
                    ]
                }
            }
        }
    )
    a = simulate(flat, Backorder(allow=True), SEED).store["units_demanded"]
    b = simulate(rush, Backorder(allow=True), SEED).store["units_demanded"]
    assert a is not None and b is not None
    assert b == pytest.approx(2 * a, rel=0.1)


def test_warmup_excludes_early_customers() -> None:
    full = simulate(make(), Backorder(allow=True), SEED).store
    late = simulate(make(warmup_days=150), Backorder(allow=True), SEED).store
    assert late["units_demanded"] < full["units_demanded"]  # type: ignore[operator]
    assert late["units_demanded"] == pytest.approx(full["units_demanded"] / 2, rel=0.15)  # type: ignore[operator]


def test_common_random_numbers_give_every_policy_the_same_customers() -> None:
    scenario = make(customers={"accept_probability": 0.5})
    a = simulate(scenario, Backorder(allow=False), SEED).store
    b = simulate(scenario, Backorder(allow=True), SEED).store
    assert a["units_demanded"] == b["units_demanded"]


# -- several products ---------------------------------------------------------------------


def _two_products(with_b: bool, traits: bool) -> Scenario:
    products: dict[str, Any] = {
        "a": {
            "price": 3,
            "initial_on_hand": 8,
            "demand": {"rate_per_day": 3, "order_size": {"dist": "poisson", "mean": 2, "min": 1}}
            if traits
            else {"rate_per_day": 3},
            "replenishment": {"policy": "rQ", "reorder_point": 4, "order_quantity": 10},
            "sourcing": {"suppliers": ["sa"]},
        }
    }
    suppliers: dict[str, Any] = {"sa": {"lead_time_days": {"dist": "exponential", "mean": 2}}}
    if with_b:
        products["b"] = {
            "price": 7,
            "initial_on_hand": 3,
            "demand": {
                "rate_per_day": 5,
                "seasonality": [{"start_day": 10, "end_day": 40, "multiplier": 0}],
            },
            "replenishment": {"policy": "base_stock", "level": 6, "review_period_days": 1},
            "sourcing": {"suppliers": ["sb"]},
        }
        suppliers["sb"] = {"lead_time_days": 1.5}
    data: dict[str, Any] = {
        "name": "multi",
        "horizon_days": 400,
        "warmup_days": 20,
        "products": products,
        "suppliers": suppliers,
        "policies": [{"name": "p"}],
    }
    if traits:
        data["customers"] = {
            "patience_days": {"dist": "exponential", "mean": 2},
            "accept_probability": 0.7,
        }
    return Scenario.model_validate(data)


@pytest.mark.parametrize("traits", [False, True])
def test_a_product_sees_the_same_customers_whatever_else_is_stocked(traits: bool) -> None:
    backorder = Backorder(allow=True, partial_fill=True)
    alone = simulate(_two_products(False, traits), backorder, SEED)
    together = simulate(_two_products(True, traits), backorder, SEED)
    # equal up to rounding: alone, a run of customers may be booked in one step
    for key, value in alone.products["a"].items():
        other = together.products["a"][key]
        if value is None:
            assert other is None, key
        else:
            assert other == pytest.approx(value, rel=1e-9, abs=1e-9), key
    assert together.suppliers["sa"] == pytest.approx(alone.suppliers["sa"], rel=1e-9)
    assert together.products["b"]["units_demanded"] > 0
    pooled = together.store["units_demanded"]
    assert pooled == alone.store["units_demanded"] + together.products["b"]["units_demanded"]


def test_a_zero_multiplier_window_stops_arrivals() -> None:
    scenario = make(
        horizon_days=100,
        products={
            "w": {"demand": {"seasonality": [{"start_day": 0, "end_day": 100, "multiplier": 0}]}}
        },
    )
    assert simulate(scenario, Backorder(allow=True), SEED).store["units_demanded"] == 0


def test_repeating_windows_follow_the_calendar() -> None:
    from simulator.model.customers import RateSchedule
    from simulator.scenario.schema import Seasonality

    window = Seasonality(start_day=10, end_day=20, multiplier=2, repeat_every_days=30)
    schedule = RateSchedule(1.0, [window])
    assert schedule.segment(5) == (1.0, 10)
    assert schedule.segment(15) == (2.0, 20)
    assert schedule.segment(25) == (1.0, 40)
    assert schedule.segment(45) == (2.0, 50)
    # 10 units of work from day 0: 10 days at rate 1 reach day 10 exactly
    assert schedule.advance(0.0, 10.0) == pytest.approx(10.0)
    # 30 units: 10 (days 0-10) + 20 (days 10-20 at rate 2) reach day 20
    assert schedule.advance(0.0, 30.0) == pytest.approx(20.0)


@pytest.mark.parametrize("allocation", ["smallest_first", "largest_first", "fifo"])
def test_a_new_order_never_takes_stock_kept_for_the_head_of_the_line(allocation: str) -> None:
    """3 on hand, a 5-unit backorder waiting for it: a later 2-unit order must wait too."""
    scenario = make(
        products={
            "w": {
                "initial_on_hand": 3,
                "replenishment": {"policy": "base_stock", "level": 3},
            }
        },
        suppliers={"a": {"lead_time_days": 50}},
    )
    model = build(scenario, Backorder(allow=True, allocation=allocation), SEED)
    store = model.stores["w"]
    store.snapshot_warmup()
    store.on_customer(1.0, 5, None, None, 0.0)
    store.on_customer(2.0, 2, None, None, 0.0)
    assert store.on_hand == 3
    assert store.backlog_units == 7
    assert store.window_customers.filled_backorder == 0
    assert store.reserved_for is not None and store.reserved_for.short == 5
