"""A synthetic model for ``optimize`` tests: the true mean of profit is the product's price.

Replication r draws a common shock (the same for every candidate: common random numbers)
and a shock of its own per candidate, both normal, from the replication's seed; so the
true difference between two candidates is the difference of their prices, and the paired
difference has standard deviation ``OWN_SD * sqrt(2)`` = 3. Importable by worker processes.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from simulator.metrics.record import STORE_METRICS, ReplicationMetrics
from simulator.scenario.schema import Backorder, Scenario

COMMON_SD = 10.0
OWN_SD = 3.0 / 2**0.5


def _normal(seed: np.random.SeedSequence, sd: float) -> float:
    """One N(0, sd²) draw determined by ``seed`` (cheaper than a Generator)."""
    u = (int(seed.generate_state(1)[0]) + 0.5) / 2.0**32
    return NormalDist(0.0, sd).inv_cdf(u)


def synthetic_simulate(
    scenario: Scenario, backorder: Backorder, seed: np.random.SeedSequence
) -> ReplicationMetrics:
    """profit ~ price + N(0, COMMON_SD²) shared + N(0, OWN_SD²) own; fill_rate = price / 10."""
    price = next(iter(scenario.products.values())).price
    common = _normal(seed, COMMON_SD)
    own_seed = np.random.SeedSequence(
        entropy=seed.entropy, spawn_key=(*seed.spawn_key, 7, round(price * 1000))
    )
    own = _normal(own_seed, OWN_SD)
    store: dict[str, float | None] = dict.fromkeys(STORE_METRICS)
    store["profit"] = price + common + own
    store["fill_rate"] = min(1.0, max(0.0, price / 10.0 + 0.01 * own))
    return ReplicationMetrics(store=store)
