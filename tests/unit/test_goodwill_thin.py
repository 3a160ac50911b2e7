"""Settling passed promises and thinning a run while they pass (GoodwillLevel.catch_up and
GoodwillLevel.thin, one merged pass) against the plain way: each promise on its own, one
bad experience at a time, in the order of the heap of watches; each customer after the
promises due by their time."""

from __future__ import annotations

import copy
import heapq

import numpy as np
import pytest

from simulator.metrics.ledger import ON_TIME_TOLERANCE, CustomerLedger
from simulator.model.goodwill import GoodwillLevel
from simulator.policies.allocation import BackorderBatch, BackorderEntry
from simulator.scenario.schema import Goodwill


def _settle_one_at_a_time(level: GoodwillLevel, t: float, inclusive: bool) -> None:
    """The reference: the promises due before ``t`` (or at it) one at a time, each with
    :meth:`GoodwillLevel._apply`; a batch's customers one after another while theirs come
    before the other watches' next one (the heap's order, as the model has always had it)."""
    watches, wait = level.watches, level.expected_wait
    while watches and (watches[0][0] < t or (inclusive and watches[0][0] == t)):
        due, _, entry, index = watches[0]
        if index < 0:  # one backorder
            heapq.heappop(watches)
            if not entry.closed:
                level._apply(due, level.late_order)
            continue
        times = entry.times  # type: ignore[attr-defined]
        if index < entry.first:  # type: ignore[attr-defined]
            index = entry.first  # type: ignore[attr-defined]
        else:
            while True:
                level._apply(due, level.late_order)
                index += 1
                if index == len(times):
                    break
                due = times[index] + wait + ON_TIME_TOLERANCE
                if not (due < t or (inclusive and due == t)) or (
                    len(watches) > 1 and due >= min(w[0] for w in watches[1:3])
                ):
                    break
        if index < len(times):
            level._watched += 1
            due = times[index] + wait + ON_TIME_TOLERANCE
            heapq.heapreplace(watches, (due, level._watched, entry, index))
        else:
            heapq.heappop(watches)


def _customer_by_customer(
    level: GoodwillLevel, times: list[float], keys: list[float], lo: int, most: int
) -> tuple[list[float], int]:
    """The reference run: each potential customer in turn, after the promises due by then."""
    ordered: list[float] = []
    for k, key in enumerate(keys):
        _settle_one_at_a_time(level, times[lo + k], True)
        if key > level.threshold:
            ordered.append(times[lo + k])
            if len(ordered) == most:
                return ordered, k + 1
    return ordered, len(keys)


def _same(a: GoodwillLevel, b: GoodwillLevel) -> None:
    assert (a.g, a.since, a._acc, a.threshold, a._area_at_warmup) == (
        b.g,
        b.since,
        b._acc,
        b.threshold,
        b._area_at_warmup,
    )
    assert sorted((w[0], w[3]) for w in a.watches) == sorted((w[0], w[3]) for w in b.watches)


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
def test_a_run_thinned_while_promises_pass_is_customer_by_customer(
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
        lo = int(rng.integers(0, 2))
        keys = merged.keys(np.array(times[lo:]), rng.random(len(times) - lo)).tolist()
        most = int(rng.integers(1, len(keys) + 2))
        before = merged.g
        got = merged.thin(times, keys, lo, most)
        assert got == _customer_by_customer(plain, times, keys, lo, most)
        _same(merged, plain)
        early_ends += got[1] < len(keys)
        passed += merged.g != before
    assert early_ends > 50 and passed > 200  # (the cases above were met)


@pytest.mark.parametrize("wait", [0.3, 3.0, 0.7])
def test_passed_promises_are_settled_as_one_at_a_time(wait: float) -> None:
    """``catch_up`` gives exactly what settling the promises one at a time gives, also at
    the edges: promises due exactly at the time asked (with and without it), order times
    that tie, batches whose promises interleave, single backorders, stale watches. Times
    on a coarse grid make the ties common."""
    rng = np.random.default_rng(21)
    spec = Goodwill(late_order=0.05, recovery_days=4.0, floor=0.1)
    for _ in range(300):
        fast = _level(rng, spec, 0.0, wait)
        slow = copy.deepcopy(fast)
        for t in np.sort(rng.integers(0, 80, size=4) * 0.1 + wait + ON_TIME_TOLERANCE).tolist():
            inclusive = bool(rng.integers(0, 2))
            fast.catch_up(t, inclusive)
            _settle_one_at_a_time(slow, t, inclusive)
            _same(fast, slow)


def test_a_customer_at_a_promises_time_decides_after_it() -> None:
    """A customer who would order at G = 1 does not once the promise due at their very time
    (late_order 0.5, no recovery) has passed: the promise is checked first."""
    level = GoodwillLevel(Goodwill(late_order=0.5, recovery_days=None), 0.0, 1.0)
    level.watch(2.0 + ON_TIME_TOLERANCE, BackorderBatch(0, [1.0], 1, CustomerLedger(), (0, 0)), 0)
    key = -0.7  # beats the threshold of G = 1 (and of 0.7), not that of G = 0.5
    assert key > level.threshold
    assert level.thin([2.0 + ON_TIME_TOLERANCE], [key], 0, 1) == ([], 1)
    assert level.g == 0.5 and not level.watches
