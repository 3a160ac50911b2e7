"""Goodwill against exact theory and against an independent simulation.

With no stock and no replenishment (``policy: none``) and backorders refused, every order
is lost, so after N orders G = (1 - a)^N when goodwill never recovers: the number of orders
is a pure-birth process with rate λ(1 - a)^n in state n. Its mean E[N(t)] follows from the
forward equations P_n' = -λ_n P_n + λ_{n-1} P_{n-1}, solved here (matrix exponential of
the truncated generator). The simulated mean of the window's orders must lie inside its
99.9% Student-t interval; and with the loss applied twice per order (a planted bug) it must
not, so the interval is narrow enough to mean something.

With recovery the process has no closed form; an independent Monte Carlo of the same
process, written here from the definition (Poisson potential customers, each ordering with
probability G(t), 1 - G decaying exactly between losses), is compared with the simulator
by a two-sample 99.9% interval for the difference of the means (orders and mean goodwill).

Seeds are fixed, so a run passes or fails reproducibly.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import linalg, stats

from simulator.model.goodwill import GoodwillLevel
from simulator.model.simulation import simulate
from simulator.scenario.schema import Scenario

Z999 = stats.norm.ppf(0.9995)


def scenario(rate: float, horizon: float, warmup: float, goodwill: dict[str, Any]) -> Scenario:
    """Nothing on hand, nothing ever ordered, every short order refused: every order is lost."""
    return Scenario.model_validate(
        {
            "name": "pure birth",
            "horizon_days": horizon,
            "warmup_days": warmup,
            "customers": {"goodwill": goodwill},
            "products": {
                "w": {
                    "price": 1,
                    "demand": {"rate_per_day": rate},
                    "replenishment": {"policy": "none"},
                }
            },
            "suppliers": {"s": {"lead_time_days": 1}},
            "policies": [{"name": "lost-sales"}],
        }
    )


def simulated(sc: Scenario, replications: int, seed: int) -> dict[str, np.ndarray]:
    """Per replication: the window's orders (order size 1: units demanded) and mean goodwill."""
    policy = sc.policies[0].backorder
    seeds = np.random.SeedSequence(seed).spawn(replications)
    reps = [simulate(sc, policy, s).store for s in seeds]
    return {
        "orders": np.array([r["units_demanded"] for r in reps]),
        "mean_goodwill": np.array([r["mean_goodwill"] for r in reps]),
        "potential": np.array([r["potential_orders"] for r in reps]),
    }


def pure_birth_mean(rate: float, loss: float, t: float, states: int = 600) -> float:
    """E[N(t)] of the pure-birth process with rates λ(1 - loss)^n, from the forward
    equations (the generator truncated at ``states``; the mass left there is checked)."""
    rates = rate * (1.0 - loss) ** np.arange(states)
    rates[-1] = 0.0  # the last state keeps its mass
    q = np.diag(-rates) + np.diag(rates[:-1], k=1)
    p = linalg.expm(q * t)[0]  # from state 0
    assert p[-1] < 1e-12, "truncation too small"
    return float(np.arange(states) @ p)


def t_interval(xs: np.ndarray, confidence: float = 0.999) -> tuple[float, float]:
    half = stats.t.ppf(0.5 + confidence / 2, len(xs) - 1) * xs.std(ddof=1) / math.sqrt(len(xs))
    return float(xs.mean() - half), float(xs.mean() + half)


CASES = [
    # rate/day, loss, horizon, warmup
    (3.0, 0.10, 80.0, 0.0),
    (8.0, 0.04, 50.0, 10.0),
]


@pytest.mark.parametrize(("rate", "loss", "horizon", "warmup"), CASES)
def test_orders_without_recovery_follow_the_pure_birth_process(
    rate: float, loss: float, horizon: float, warmup: float
) -> None:
    exact = pure_birth_mean(rate, loss, horizon) - pure_birth_mean(rate, loss, warmup)
    sim = simulated(scenario(rate, horizon, warmup, {"lost_order": loss}), 150, 7)
    low, high = t_interval(sim["orders"])
    assert low <= exact <= high, (exact, low, high)
    # G = (1 - a)^N exactly, so the potential customers outnumber the orders
    assert (sim["potential"] >= sim["orders"]).all()


def test_one_goodwill_for_the_store_pools_the_products_orders() -> None:
    """With ``scope: store`` every product's lost order costs all of them: the store's
    orders are the pure-birth process of the total rate."""
    data = scenario(2.0, 60.0, 0.0, {"lost_order": 0.08, "scope": "store"}).model_dump()
    data["products"]["v"] = {**data["products"]["w"], "demand": {"rate_per_day": 3.0}}
    sim = simulated(Scenario.model_validate(data), 150, 3)
    low, high = t_interval(sim["orders"])
    exact = pure_birth_mean(5.0, 0.08, 60.0)
    assert low <= exact <= high, (exact, low, high)


def test_the_pure_birth_check_catches_a_loss_applied_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Power: the same check fails when every bad experience is applied twice."""
    rate, loss, horizon, warmup = CASES[0]
    exact = pure_birth_mean(rate, loss, horizon)
    hit = GoodwillLevel.hit

    def twice(self: GoodwillLevel, t: float, amount: float) -> None:
        hit(self, t, amount)
        hit(self, t, amount)

    monkeypatch.setattr(GoodwillLevel, "hit", twice)
    sim = simulated(scenario(rate, horizon, warmup, {"lost_order": loss}), 150, 7)
    low, high = t_interval(sim["orders"])
    assert not low <= exact <= high


def independent_monte_carlo(
    rate: float,
    loss: float,
    recovery: float,
    floor: float,
    horizon: float,
    warmup: float,
    replications: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """The same process from its definition: Poisson potential customers on [0, horizon];
    each orders with probability G(t) = 1 - (1 - g)·exp(-(t - since)/recovery); every
    order is lost and sets g = max(floor, G(t)·(1 - loss)). Returns the orders in [warmup,
    horizon] and the time average of G over it, per replication."""

    def integral(g: float, since: float, start: float, end: float) -> float:
        """∫ G over [start, end] for the segment that began at ``since`` at level g."""
        start = max(start, since, warmup)
        if end <= start:
            return 0.0
        decay = math.exp(-(start - since) / recovery) - math.exp(-(end - since) / recovery)
        return (end - start) - (1.0 - g) * recovery * decay

    orders = np.zeros(replications)
    mean_goodwill = np.zeros(replications)
    for r in range(replications):
        count = rng.poisson(rate * horizon)
        times = np.sort(rng.uniform(0.0, horizon, count))
        draws = rng.random(count)
        g, since, area, n = 1.0, 0.0, 0.0, 0
        for t, u in zip(times.tolist(), draws.tolist(), strict=True):
            level = 1.0 - (1.0 - g) * math.exp(-(t - since) / recovery)
            if u < level:
                area += integral(g, since, since, t)
                n += t >= warmup
                g, since = max(floor, level * (1.0 - loss)), t
        area += integral(g, since, since, horizon)
        orders[r] = n
        mean_goodwill[r] = area / (horizon - warmup)
    return {"orders": orders, "mean_goodwill": mean_goodwill}


def test_recovery_matches_an_independent_monte_carlo() -> None:
    rate, loss, recovery, floor, horizon, warmup = 4.0, 0.15, 6.0, 0.2, 60.0, 10.0
    spec = {"lost_order": loss, "recovery_days": recovery, "floor": floor}
    sim = simulated(scenario(rate, horizon, warmup, spec), 300, 11)
    mc = independent_monte_carlo(
        rate, loss, recovery, floor, horizon, warmup, 3000, np.random.default_rng(5)
    )
    for key in ("orders", "mean_goodwill"):
        a, b = sim[key], mc[key]
        diff = a.mean() - b.mean()
        se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
        assert abs(diff) <= Z999 * se, (key, a.mean(), b.mean(), se)
    # goodwill recovers here: far more orders than without recovery, far fewer than none lost
    assert (
        pure_birth_mean(rate, loss, horizon) - pure_birth_mean(rate, loss, warmup)
        < sim["orders"].mean()
        < rate * (horizon - warmup)
    )
