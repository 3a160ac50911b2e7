"""One replication of one policy: build the SimPy model, run it, return its metrics."""

from __future__ import annotations

import numpy as np

from simulator.metrics.record import ReplicationMetrics
from simulator.scenario.schema import Backorder, Scenario


def simulate(scenario: Scenario, backorder: Backorder, seed: np.random.SeedSequence) -> ReplicationMetrics:
    """Run one replication of ``scenario`` under the backorder rules ``backorder``.

    ``scenario`` is the policy's own scenario (its overrides already merged). ``seed`` is the
    replication's SeedSequence; every policy of a replication gets the same one.
    """
    raise NotImplementedError("the model is being written")
