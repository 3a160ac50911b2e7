"""The ledger's wait histogram and percentiles."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from simulator.metrics import ledger as ledger_module
from simulator.metrics.ledger import WAIT_BIN_DAYS, CustomerLedger, Totals, wait_percentiles


def _by_hand(shipments: list[tuple[list[float], int, float]]) -> Counter[int]:
    hist: Counter[int] = Counter()
    for times, units, now in shipments:
        for t in times:
            hist[int((now - t) / WAIT_BIN_DAYS)] += units
    return hist


@pytest.mark.parametrize(("limit", "few"), [(1, 256), (7, 256), (8192, 256), (8192, 0), (40, 0)])
def test_batches_are_binned_as_one_customer_at_a_time(
    limit: int, few: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ledger_module, "PENDING_LIMIT", limit)
    monkeypatch.setattr(ledger_module, "FEW", few)
    rng = np.random.default_rng(5)
    ledger = CustomerLedger()
    shipments: list[tuple[list[float], int, float]] = []
    now = 0.0
    for _ in range(300):
        now += float(rng.exponential(2.0))
        count = int(rng.integers(1, 40))
        # order times up to 6 days back, oldest first; some exactly on a bin edge
        times = sorted((now - rng.uniform(0, 6, count)).tolist())
        times[-1] = now - 0.03
        units = int(rng.integers(1, 4))
        ledger.ship_backorders(times, units, now)
        shipments.append((times, units, now))
        if rng.random() < 0.2:  # one customer at a time, in between
            ledger.ship_backorder(2, 0.125, None, now)
            shipments.append(([now - 0.125], 2, now))
    assert ledger.wait_hist == _by_hand(shipments)
    assert ledger.filled_backorder == sum(len(t) * u for t, u, _ in shipments)
    assert ledger.wait_hist == _by_hand(shipments)  # reading twice changes nothing


@pytest.mark.parametrize("units", [1, 3])
def test_far_apart_waits_are_binned_as_one_customer_at_a_time(
    units: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Waits spread over many more bins than there are customers (the sparse tally), and
    batches all of one size (the unweighted tally), bin as one customer at a time."""
    monkeypatch.setattr(ledger_module, "FEW", 0)
    ledger = CustomerLedger()
    shipments: list[tuple[list[float], int, float]] = []
    for now, times in ((5000.0, [0.5, 4999.99]), (5000.0, [4999.0]), (9000.0, [8999.995])):
        ledger.ship_backorders(times, units, now)
        shipments.append((times, units, now))
    assert ledger.wait_hist == _by_hand(shipments)
    for now in (1.0, 2.0, 3.0):  # dense, same size
        ledger.ship_backorders([now - 0.5, now - 0.25], units, now)
        shipments.append(([now - 0.5, now - 0.25], units, now))
    assert ledger.wait_hist == _by_hand(shipments)


def test_totals_take_the_pending_batches_too() -> None:
    ledger = CustomerLedger()
    ledger.ship_backorders([1.0, 2.5], 1, 3.0)
    totals = Totals(window_days=10)
    totals.add_customers(ledger)
    assert totals.wait_hist == Counter({200: 1, 50: 1})
    assert totals.filled_backorder == 2


def test_percentiles_are_bin_midpoints_capped_at_the_longest_wait() -> None:
    hist = Counter({0: 50, 10: 30, 300: 20})  # waits in [0, 0.01), [0.1, 0.11), [3, 3.01)
    p50, p80, p81, p99 = wait_percentiles(hist, (0.5, 0.8, 0.81, 0.99), max_wait=3.004)
    assert p50 == pytest.approx(0.005)
    assert p80 == pytest.approx(0.105)
    assert p81 == pytest.approx(3.004)  # the bin's midpoint 3.005 is past the longest wait
    assert p99 == pytest.approx(3.004)
    assert wait_percentiles(Counter(), (0.5, 0.9), max_wait=0.0) == [None, None]
