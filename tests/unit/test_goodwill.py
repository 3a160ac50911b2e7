"""Goodwill and the experience mix: the level's path, and what the model does with it."""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest
from scipy import integrate

from simulator.metrics.ledger import ON_TIME_TOLERANCE, CustomerLedger
from simulator.metrics.record import STORE_METRICS
from simulator.model.goodwill import GoodwillLevel
from simulator.model.simulation import build, independent_parts, simulate
from simulator.model.thinning import KeyedArrivals
from simulator.policies.allocation import BackorderBatch
from simulator.scenario.schema import Backorder, Goodwill, Scenario

GOODWILL_METRICS = (
    "mean_goodwill",
    "potential_orders",
    "orders_lost_to_goodwill",
    "units_lost_to_goodwill",
    "revenue_lost_to_goodwill",
)
POISSON = {"dist": "poisson", "mean": 2, "min": 1}
SHARES = ("served_at_once_share", "served_as_promised_share", "served_late_share", "lost_share")


def scenario(**changes: Any) -> Scenario:
    """Two products (one whose customers draw traits, one plain), patience, a backup."""
    data: dict[str, Any] = {
        "name": "t",
        "horizon_days": 200,
        "warmup_days": 20,
        "customers": {
            "patience_days": {"dist": "exponential", "mean": 6},
            "max_quoted_wait_days": {"dist": "uniform", "low": 1, "high": 8},
            "accept_probability": 0.9,
        },
        "products": {
            "w": {
                "price": 10,
                "initial_on_hand": 10,
                "demand": {"rate_per_day": 5, "order_size": POISSON},
                "replenishment": {"policy": "rQ", "reorder_point": 4, "order_quantity": 15},
            },
            "v": {
                "price": 3,
                "initial_on_hand": 30,
                "demand": {"rate_per_day": 12},
                "replenishment": {"policy": "rQ", "reorder_point": 5, "order_quantity": 40},
            },
        },
        "suppliers": {"a": {"lead_time_days": {"dist": "exponential", "mean": 3}}},
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


POLICIES = [
    Backorder(allow=False),
    Backorder(allow=True, partial_fill=True),
    Backorder(allow=True, quote_eta=True, delay_updates=True, max_backlog_units=30),
]


# -- the level ---------------------------------------------------------------------------------


def test_the_level_decays_toward_one_and_its_integral_is_exact() -> None:
    r, floor = 5.0, 0.1
    level = GoodwillLevel(Goodwill(recovery_days=r, floor=floor), warmup=2.0)
    segments = [(0.0, 1.0)]  # (since, G just after) from the definition, independently
    for t, loss in [(1.0, 0.3), (1.5, 0.3), (4.0, 0.95), (9.0, 0.3)]:
        since, g = segments[-1]
        before = 1 - (1 - g) * math.exp(-(t - since) / r)
        assert level.level(t) == pytest.approx(before, rel=1e-12)
        level.hit(t, loss)
        segments.append((t, max(floor, before * (1 - loss))))
        assert level.g == pytest.approx(segments[-1][1], rel=1e-12)
    assert segments[3][1] == floor  # the big loss stopped at the floor

    def g_of(t: float) -> float:
        since, g = max(seg for seg in segments if seg[0] <= t)
        return 1 - (1 - g) * math.exp(-(t - since) / r)

    breaks = [since for since, _ in segments]
    numeric, _ = integrate.quad(g_of, 2.0, 20.0, points=breaks, limit=200)
    assert level.window_area(20.0) == pytest.approx(numeric, rel=1e-9)


def test_without_recovery_the_level_is_a_product_of_losses() -> None:
    level = GoodwillLevel(Goodwill(lost_order=0.2), warmup=0.0)
    for k in range(5):
        level.hit(float(k), 0.2)
    assert level.level(100.0) == pytest.approx(0.8**5)
    area = 0.8 + 0.64 + 0.512 + 0.4096 + 0.8**5 * 96
    assert level.window_area(100.0) == pytest.approx(area)


@pytest.mark.parametrize("recovery", [None, 7.0])
@pytest.mark.parametrize("floor", [0.0, 0.75])
@pytest.mark.parametrize("warmup", [0.0, 9.5, 100.0])
def test_promises_passed_together_give_the_numbers_of_one_at_a_time(
    recovery: float | None, floor: float, warmup: float
) -> None:
    """The loop that settles a batch's passed promises (a long backlog) is the same
    arithmetic as one bad experience at a time: the same level, integral and threshold,
    to the last bit (also across the warm-up, and down at the floor)."""
    spec = Goodwill(late_order=0.07, recovery_days=recovery, floor=floor)
    wait = 3.0
    placed = np.sort(np.random.default_rng(4).uniform(1.0, 20.0, 40)).tolist()
    dues = [x + wait + ON_TIME_TOLERANCE for x in placed]
    one, many = GoodwillLevel(spec, warmup, wait), GoodwillLevel(spec, warmup, wait)
    one.hit(0.5, 0.2)
    many.hit(0.5, 0.2)
    for due in dues:
        one._apply(due, spec.late_order)
    many.watch(dues[0], BackorderBatch(0, placed, 1, CustomerLedger(), (0, 0)), 0)
    many.catch_up(dues[14])
    many.catch_up(dues[-1])
    assert not many.watches
    assert (many.g, many.since, many._acc, many.threshold, many._area_at_warmup) == (
        one.g,
        one.since,
        one._acc,
        one.threshold,
        one._area_at_warmup,
    )
    assert many.window_area(30.0) == one.window_area(30.0)
    if floor:
        assert one.g == floor  # the floor was reached


def test_the_keys_stay_beside_their_customers() -> None:
    """The keys and times kept in arrays with room: after blocks are read (the served
    prefix dropped, or the room outgrown by a long look ahead), ``keys[i]`` and
    ``stamps[i]`` still belong to the customer at ``times[i]``, each key from that
    customer's own uniform, in arrival order."""
    rng = np.random.default_rng(8)
    blocks = [np.cumsum(rng.exponential(size=1024)) + 1024.0 * k for k in range(12)]
    level = GoodwillLevel(Goodwill(late_order=0.1, recovery_days=5.0), warmup=0.0)
    arrivals = KeyedArrivals(iter(blocks), level, np.random.default_rng(9))
    times = np.concatenate(blocks)
    keys = level.keys(times.copy(), np.random.default_rng(9).random(len(times)))
    served = 0

    def check() -> None:
        n = len(arrivals.times)
        assert len(arrivals.keys) == len(arrivals.stamps) == n
        first = served - arrivals.pos  # the customer at times[0]
        assert arrivals.times == times[first : first + n].tolist()
        assert (arrivals.stamps == times[first : first + n]).all()
        assert (arrivals.keys == keys[first : first + n]).all()

    assert arrivals.next_time() == times[0]
    for step in (700, 900, 300, 1500):  # served prefixes dropped as blocks are read
        assert arrivals.run_before(math.inf, False, step + 600) == step + 600
        check()
        arrivals.pos += step
        served += step
        assert arrivals.next_time() == times[served]
        check()
    # one look far ahead: more blocks than the room holds
    assert arrivals.run_before(math.inf, False, 6000) == 6000
    check()
    assert len(arrivals.keys) > 4096


# -- goodwill off, or harmless -----------------------------------------------------------------


@pytest.mark.parametrize("backorder", POLICIES)
def test_zero_losses_give_exactly_the_numbers_of_no_goodwill(backorder: Backorder) -> None:
    seed = np.random.SeedSequence(5)
    plain = simulate(scenario(), backorder, seed)
    zero = simulate(
        scenario(customers={"goodwill": {"recovery_days": 4, "scope": "store"}}), backorder, seed
    )
    for pid in ("w", "v"):
        for metric in STORE_METRICS:
            if metric not in GOODWILL_METRICS:
                assert zero.products[pid][metric] == plain.products[pid][metric], (pid, metric)
        assert plain.products[pid]["mean_goodwill"] is None
        assert zero.products[pid]["mean_goodwill"] == 1.0
        assert zero.products[pid]["orders_lost_to_goodwill"] == 0.0
    assert zero.suppliers == plain.suppliers


@pytest.mark.parametrize("backorder", POLICIES)
def test_store_scope_with_one_product_is_product_scope(backorder: Backorder) -> None:
    goodwill = {"lost_order": 0.2, "cancelled_order": 0.1, "late_order": 0.05, "recovery_days": 9}
    results = []
    for scope in ("product", "store"):
        data = scenario(customers={"goodwill": {**goodwill, "scope": scope}}).model_dump()
        del data["products"]["v"]
        sc = Scenario.model_validate(data)
        results.append(simulate(sc, backorder, np.random.SeedSequence(3)))
    by_product, by_store = results
    assert by_product.store == by_store.store
    assert by_product.store["orders_lost_to_goodwill"] > 0


def test_store_scope_ties_products_together() -> None:
    """A product that turns every customer away costs the other one customers, under
    ``scope: store`` only."""
    changes: dict[str, Any] = {
        "products": {"w": {"initial_on_hand": 0, "replenishment": {"policy": "none"}}}
    }
    lost = {}
    for scope, parts in (("product", 2), ("store", 1)):
        spec = {"lost_order": 0.05, "recovery_days": 5, "scope": scope}
        sc = scenario(customers={"goodwill": spec}, **changes)
        assert len(independent_parts(sc)) == parts
        out = simulate(sc, Backorder(allow=False), np.random.SeedSequence(8))
        lost[scope] = out.products["v"]["orders_lost_to_goodwill"]
        assert out.products["w"]["lost_share"] == 1.0
    assert lost["store"] > 1.3 * lost["product"]


def test_store_scope_merges_independent_parts() -> None:
    sc = scenario()
    assert len(independent_parts(sc)) == 2
    harmless = scenario(customers={"goodwill": {"scope": "store"}})
    assert len(independent_parts(harmless)) == 2  # nothing can change G: nothing to share
    tied = scenario(customers={"goodwill": {"scope": "store", "late_order": 0.1}})
    assert len(independent_parts(tied)) == 1


# -- the experience mix ----------------------------------------------------------------------


def one_product(lead: float, expected_wait: float, **goodwill: Any) -> Scenario:
    customers: dict[str, Any] = {"expected_wait_days": expected_wait}
    if goodwill:
        customers["goodwill"] = goodwill
    return Scenario.model_validate(
        {
            "name": "mix",
            "horizon_days": 300,
            "warmup_days": 10,
            "customers": customers,
            "products": {
                "w": {
                    "price": 1,
                    "initial_on_hand": 5,
                    "demand": {"rate_per_day": 10},
                    "replenishment": {"policy": "rQ", "reorder_point": 2, "order_quantity": 20},
                }
            },
            "suppliers": {"a": {"lead_time_days": lead}},
            "policies": [{"name": "p"}],
        }
    )


@pytest.mark.parametrize("backorder", POLICIES)
def test_the_shares_sum_to_one(backorder: Backorder) -> None:
    out = simulate(scenario(), backorder, np.random.SeedSequence(2))
    for metrics in (out.store, *out.products.values()):
        assert sum(metrics[s] for s in SHARES) == pytest.approx(1.0)
        assert metrics["served_at_once_share"] == metrics["order_fill_rate"]


def test_lost_sales_are_lost_or_at_once() -> None:
    out = simulate(scenario(), Backorder(allow=False), np.random.SeedSequence(2)).store
    assert out["served_as_promised_share"] == out["served_late_share"] == 0.0
    assert out["lost_share"] == pytest.approx(1 - out["served_at_once_share"])


def test_backorders_within_the_expected_wait_are_as_promised() -> None:
    """With a constant lead time of 2 days and r >= 0, no backorder waits more than 2 days:
    with an expected wait of 3 none is late (and late_order costs nothing); with 0.5, the
    longest waits are late and cost goodwill."""
    seed = np.random.SeedSequence(4)
    patient = simulate(one_product(2.0, 3.0, late_order=0.1), Backorder(allow=True), seed).store
    assert patient["served_late_share"] == 0.0
    assert patient["served_as_promised_share"] > 0.1
    assert patient["mean_goodwill"] == 1.0 and patient["orders_lost_to_goodwill"] == 0.0
    hurried = simulate(one_product(2.0, 0.5, late_order=0.1), Backorder(allow=True), seed).store
    assert hurried["served_late_share"] > 0.02
    assert hurried["mean_goodwill"] < 1.0 and hurried["orders_lost_to_goodwill"] > 0


def test_exact_quotes_are_never_late() -> None:
    """The exact-ETA case of DESIGN §1: every quote is the shipment time, so no order is
    late, whatever the expected wait, and late_order never fires."""
    quoted = Backorder(allow=True, quote_eta=True)
    out = simulate(one_product(2.0, 0.1, late_order=0.5), quoted, np.random.SeedSequence(6))
    assert out.store["served_late_share"] == 0.0
    assert out.store["served_as_promised_share"] > 0.1
    assert out.store["mean_goodwill"] == 1.0


def test_partial_fill_is_not_at_once() -> None:
    """An order shipped partly from the shelf and partly from backorder is classed by its
    backordered part."""
    sc = one_product(2.0, 3.0)
    model = build(sc, Backorder(allow=True, partial_fill=True), np.random.SeedSequence(1))
    store = model.stores["w"]
    store.snapshot_warmup()
    store.on_customer(0.0, 8, None, None, 0.0)  # 5 on hand ship, 3 backordered
    ledger = store.customers
    assert (ledger.orders, ledger.orders_whole, ledger.filled_immediately) == (1, 0, 5)
    store.on_hand += 3
    store._allocate(2.5)  # within the expected 3 days
    assert (ledger.orders_promised, ledger.orders_late) == (1, 0)
    store.on_customer(3.0, 2, None, None, 0.0)  # nothing on hand: all backordered
    store.on_hand += 2
    store._allocate(6.5)  # 3.5 days later: late
    assert (ledger.orders_promised, ledger.orders_late, ledger.orders_lost) == (1, 1, 0)


@pytest.mark.parametrize(
    "sets",
    [
        # late orders only (full backorders, no patience): promises pass inside runs
        ["customers.goodwill.late_order=0.02", "customers.goodwill.recovery_days=30"],
        # lost orders too, no recovery, a floor, and a short expected wait
        [
            "customers.goodwill.late_order=0.05",
            "customers.goodwill.lost_order=0.1",
            "customers.goodwill.floor=0.3",
            "customers.expected_wait_days=0.5",
        ],
        # lost sales: every stock-out turns customers away
        [
            "customers.goodwill.lost_order=0.03",
            "customers.goodwill.recovery_days=10",
            "policies.full-backorders.backorder.allow=false",
        ],
    ],
)
def test_a_lone_products_own_process_gives_the_heap_loops_numbers(
    sets: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A product alone in its part with goodwill and plain customers runs its own customer
    process (model/lone_thinning.py), which writes the heap loop's run planning out; the
    two must give the same numbers, bit for bit, also where promises pass inside runs."""
    from pathlib import Path

    from simulator import load_scenario
    from simulator.model import simulation, thinning
    from simulator.streams import replication_seeds

    reference = Path(__file__).resolve().parents[2] / "benchmarks" / "reference.yaml"
    loaded = load_scenario(reference, [*sets, "horizon_days=4000", "warmup_days=100"])
    policy = loaded.policies[0]
    seed = replication_seeds(loaded.scenario.seed, 1)[0]
    used: list[bool] = []
    real = thinning.attach_goodwill

    def spy(*args: Any, **kwargs: Any) -> None:
        real(*args, **kwargs)
        used.extend(source.thinning.lone for source in args[2].values())

    monkeypatch.setattr(simulation, "attach_goodwill", spy)
    lone = simulate(policy.scenario, policy.backorder, seed)
    assert used == [True]  # the lone process was the one that ran

    def heap_only(*args: Any, **kwargs: Any) -> None:
        real(*args, **kwargs)
        for source in args[2].values():
            source.thinning.lone = False

    monkeypatch.setattr(simulation, "attach_goodwill", heap_only)
    heap = simulate(policy.scenario, policy.backorder, seed)
    assert lone.store == heap.store
    assert lone.products == heap.products
    assert lone.wait_hist == heap.wait_hist
    assert lone.store["potential_orders"] > lone.store["units_demanded"]  # goodwill acted
