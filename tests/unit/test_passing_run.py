"""The merged pass over promises and potential customers (model/passing_run.py) against the
plain way: settle the promises due by each customer's time, then compare their key."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from simulator.metrics.ledger import ON_TIME_TOLERANCE, CustomerLedger
from simulator.model.goodwill import GoodwillLevel
from simulator.model.passing_run import thin_while_promises_pass
from simulator.policies.allocation import BackorderBatch, BackorderEntry
from simulator.scenario.schema import Goodwill


def _customer_by_customer(
    level: GoodwillLevel, times: list[float], keys: np.ndarray, lo: int, stop: int, most: int
) -> tuple[list[float], int]:
    """The reference: each potential customer in turn, after the promises due by then."""
    ordered: list[float] = []
    for i in range(lo, stop):
        level.catch_up(times[i], True)
        if keys[i] > level.threshold:
            ordered.append(times[i])
            if len(ordered) == most:
                return ordered, i + 1 - lo
    return ordered, stop - lo


def _level(rng: np.random.Generator, spec: Goodwill, warmup: float, wait: float) -> GoodwillLevel:
    """A level after a bad experience, watching batches (some partly shipped, so their watch
    is stale) and single backorders (some closed), all on a coarse grid of times so that
    promises tie with each other and with customers."""
    level = GoodwillLevel(spec, warmup, wait)
    level.hit(0.05, 0.3)
    seq = 0
    for _ in range(int(rng.integers(1, 5))):
        times = (np.sort(rng.integers(1, 40, size=int(rng.integers(1, 30)))) * 0.1).tolist()
        batch = BackorderBatch(seq, times, 1, CustomerLedger(), (0, seq))
        seq += 1
        level.watch(times[0] + wait + ON_TIME_TOLERANCE, batch, 0)
        if rng.random() < 0.3:
            batch.first = int(rng.integers(0, len(times) + 1))  # shipped in part (or all)
    for _ in range(int(rng.integers(0, 3))):
        placed = float(rng.integers(1, 40)) * 0.1
        entry = BackorderEntry(seq, placed, 1, CustomerLedger(), (0, seq))
        seq += 1
        entry.closed = bool(rng.random() < 0.3)
        level.watch(placed + wait + ON_TIME_TOLERANCE, entry)
    return level


@pytest.mark.parametrize("recovery", [None, 4.0])
@pytest.mark.parametrize("floor", [0.0, 0.6])
@pytest.mark.parametrize("warmup", [0.0, 3.3])
def test_the_merged_pass_is_customer_by_customer(
    recovery: float | None, floor: float, warmup: float
) -> None:
    """The same orders, the same number of potential customers, and the level and its
    watches left the same, to the last bit: with ties between promises and customers,
    stale watches, closed backorders, the warm-up among the promises, the floor, and runs
    that end at their ``most``-th order."""
    rng = np.random.default_rng(31)
    spec = Goodwill(late_order=0.08, recovery_days=recovery, floor=floor)
    wait = 0.5
    early_ends = passed = 0
    for _ in range(400):
        merged = _level(rng, spec, warmup, wait)
        plain = copy.deepcopy(merged)
        times = (np.sort(rng.integers(1, 90, size=int(rng.integers(2, 40)))) * 0.1).tolist()
        keys = merged.keys(np.array(times), rng.random(len(times)))
        lo = int(rng.integers(0, 2))
        most = int(rng.integers(1, len(times) + 2))
        before = merged.g
        got = thin_while_promises_pass(merged, times, keys, lo, len(times), most)
        want = _customer_by_customer(plain, times, keys, lo, len(times), most)
        assert got == want
        for a, b in ((merged, plain),):
            assert (a.g, a.since, a._acc, a.threshold, a._area_at_warmup) == (
                b.g,
                b.since,
                b._acc,
                b.threshold,
                b._area_at_warmup,
            )
            assert sorted((w[0], w[3]) for w in a.watches) == sorted(
                (w[0], w[3]) for w in b.watches
            )
        early_ends += got[1] < len(times) - lo
        passed += merged.g != before
    assert early_ends > 50 and passed > 200  # (the cases above were met)


def test_a_planted_off_by_one_fails_the_reference() -> None:
    """Guard for the test above: deciding a customer before the promise due at their very
    time (instead of after it) gives other numbers."""
    spec = Goodwill(late_order=0.5, recovery_days=None)
    level = GoodwillLevel(spec, 0.0, 1.0)
    batch = BackorderBatch(0, [1.0], 1, CustomerLedger(), (0, 0))
    level.watch(1.0 + 1.0 + ON_TIME_TOLERANCE, batch, 0)
    due = 2.0 + ON_TIME_TOLERANCE
    times = [due]
    keys = np.array([-0.7])  # orders at G = 1, not at G = 0.5
    assert thin_while_promises_pass(copy.deepcopy(level), times, keys, 0, 1, 1) == ([], 1)
    assert keys[0] > level.threshold  # before the promise passes, the customer would order
