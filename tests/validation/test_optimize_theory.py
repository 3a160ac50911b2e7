"""``optimize`` finds the optimum that exact inventory theory gives.

Base-stock level S with Poisson demand (rate λ) and a constant lead time L, full backorders:
the net inventory is S − D_L with D_L ~ Poisson(λL), so

- the cost rate h·E(S − D_L)⁺ + b·E(D_L − S)⁺ (holding h and backlog penalty b per unit-day)
  is minimised at the smallest S with P(D_L <= S) >= b/(b+h) (the newsvendor fractile);
- the unit fill rate is P(D_L <= S − 1), so the least holding cost with a fill rate of at
  least a target is at the smallest S with P(D_L <= S − 1) >= target.

(r, Q) with an order cost K per order: the inventory position is uniform on r+1..r+Q, so
the cost rate is K·λ/Q + (1/Q)·Σ_{y=r+1}^{r+Q} G(y), G(y) = h·E(y − D_L)⁺ + b·E(D_L − y)⁺.

The parameters are chosen so that the optimum's neighbours differ from it clearly, and
every value is computed here with scipy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy.stats import poisson

from simulator import optimize

RATE, LEAD = 4.0, 2.0
WARMUP, WINDOW = 10.0, 200.0
LEVEL = "products.widget.replenishment.level"


def scenario(
    replenishment: dict[str, Any],
    *,
    h: float,
    b: float,
    order_cost: float = 0.0,
    seed: int = 11,
    replications: int = 40,
) -> dict[str, Any]:
    """One product, one supplier, price and unit cost 0: profit is minus the costs."""
    return {
        "name": "optimize theory",
        "seed": seed,
        "horizon_days": WARMUP + WINDOW,
        "warmup_days": WARMUP,
        "replications": replications,
        "products": {
            "widget": {
                "price": 0,
                "holding_cost_per_unit_day": h,
                "backlog_penalty_per_unit_day": b,
                "demand": {"rate_per_day": RATE},
                "replenishment": replenishment,
            }
        },
        "suppliers": {"acme": {"lead_time_days": LEAD, "unit_cost": 0, "order_cost": order_cost}},
        "policies": [{"name": "theory", "backorder": {"allow": True}}],
    }


def expected_cost(level: int, h: float, b: float) -> float:
    """G(S) = h·E(S − D)⁺ + b·E(D − S)⁺ per day, D ~ Poisson(λL)."""
    d = np.arange(0, 200)
    p = poisson.pmf(d, RATE * LEAD)
    return float(np.sum(p * (h * np.maximum(level - d, 0) + b * np.maximum(d - level, 0))))


def test_base_stock_cost_is_minimised_at_the_newsvendor_fractile() -> None:
    h, b = 1.0, 3.3
    fractile = b / (b + h)
    best = int(poisson.ppf(fractile, RATE * LEAD))  # the smallest S with F(S) >= b/(b+h)
    assert poisson.cdf(best, RATE * LEAD) >= fractile > poisson.cdf(best - 1, RATE * LEAD)
    costs = {s: expected_cost(s, h, b) for s in range(4, 17)}
    assert min(costs, key=costs.__getitem__) == best
    # a clear optimum: each neighbour costs at least 0.15 a day (30 over the window) more
    assert min(costs[best - 1], costs[best + 1]) - costs[best] > 0.15
    answer = optimize(
        scenario({"policy": "base_stock", "level": 10}, h=h, b=b),
        vary=[f"{LEVEL}=4:16:1"],
        objective="profit:max",
        indifference=20.0,
        executor="serial",
    ).to_dict()
    theory = answer["policies"]["theory"]
    assert theory["best"]["settings"] == {LEVEL: best}
    assert theory["replications_exhaustive"] == 13 * 40
    # the screening spends its replications near the optimum: well below the whole grid
    assert theory["replications_used"] < 0.5 * theory["replications_exhaustive"]
    # the cost estimate of the choice covers the theory (a 95% interval, wide margin: 99.9%)
    profit = theory["best"]["metrics"]["profit"]
    half = (profit["ci95_high"] - profit["ci95_low"]) / 2 * 1.7
    assert abs(-profit["mean"] - costs[best] * WINDOW) < half + 1e-9


def test_least_holding_cost_with_a_fill_rate_target() -> None:
    target = 0.85
    smallest = int(poisson.ppf(target, RATE * LEAD)) + 1  # smallest S: F(S − 1) >= target
    fill = {s: float(poisson.cdf(s - 1, RATE * LEAD)) for s in range(6, 17)}
    assert fill[smallest] - target > 0.03 and target - fill[smallest - 1] > 0.03
    answer = optimize(
        scenario({"policy": "base_stock", "level": 10}, h=1.0, b=0.0),
        vary=[f"{LEVEL}=6:16:1"],
        objective="holding_cost:min",
        constraints=[f"fill_rate>={target}"],
        policies=["theory"],
        executor="serial",
    ).to_dict()
    assert answer["policy"] == "theory"
    assert answer["best"]["settings"] == {LEVEL: smallest}
    assert answer["best"]["feasible"] is True
    assert "meets fill_rate>=0.85 with 95% confidence" in answer["statement"]
    by_level = {c["settings"][LEVEL]: c for c in answer["candidates"]}
    assert all(not by_level[s]["feasible"] for s in range(6, smallest))
    assert answer["replications_used"] < 0.5 * answer["replications_exhaustive"]


def test_an_unreachable_fill_rate_names_the_closest_candidate() -> None:
    answer = optimize(
        scenario({"policy": "base_stock", "level": 10}, h=1.0, b=0.0, replications=10),
        vary=[f"{LEVEL}=4:8:1"],
        objective="holding_cost:min",
        constraints=["fill_rate>=0.9"],  # S = 8 fills P(D <= 7) = 0.45
        policies=["theory"],
        executor="serial",
    ).to_dict()
    assert answer["best"]["feasible"] is False
    assert answer["best"]["settings"] == {LEVEL: 8}
    assert answer["statement"].startswith(
        "no candidate meets the constraint fill_rate>=0.9 with 95% confidence; the closest is "
        f"{LEVEL}=8"
    )


@pytest.mark.slow
def test_rq_reorder_point_and_quantity_by_pattern_search() -> None:
    h, b, k = 1.0, 4.0, 12.0
    rs, qs = range(-2, 15), range(1, 16)
    g = {y: expected_cost(y, h, b) for y in range(-2, 40)}

    def cost(r: int, q: int) -> float:
        return k * RATE / q + sum(g[y] for y in range(r + 1, r + q + 1)) / q

    costs = {(r, q): cost(r, q) for r in rs for q in qs}
    best = min(costs, key=costs.__getitem__)
    answer = optimize(
        scenario({"policy": "rQ", "reorder_point": 5, "order_quantity": 5}, h=h, b=b, order_cost=k),
        vary=[
            f"products.widget.replenishment.reorder_point={rs.start}:{rs.stop - 1}:1",
            f"products.widget.replenishment.order_quantity={qs.start}:{qs.stop - 1}:1",
        ],
        objective="profit:max",
        indifference=30.0,
        policies=["theory"],
        executor="serial",
    ).to_dict()
    assert answer["search"] == "pattern"
    settings = answer["best"]["settings"]
    chosen = (
        settings["products.widget.replenishment.reorder_point"],
        settings["products.widget.replenishment.order_quantity"],
    )
    # the exact optimum, or a tie with it within the stated δ
    assert (costs[chosen] - costs[best]) * WINDOW <= answer["indifference"], (chosen, best)
    assert answer["replications_used"] < 0.2 * answer["replications_exhaustive"]
