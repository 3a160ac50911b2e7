"""Pieces shared by the property tests: random catalogue products, and comparing metrics."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st


def catalogue_product(draw: st.DrawFn, k: int, order_size: Any, rate: float) -> dict[str, Any]:
    """Product number ``k`` of a random catalogue: (r, Q), base stock or (s, S), sometimes
    under periodic review."""
    q = draw(st.integers(1, 15))
    replenishment: dict[str, Any] = draw(
        st.sampled_from(
            [
                {"policy": "rQ", "order_quantity": q, "reorder_point": q // 2},
                {"policy": "base_stock", "level": q},
                {"policy": "sS", "reorder_point": 1, "order_up_to": q + 2},
            ]
        )
    )
    if draw(st.booleans()):
        replenishment["review_period_days"] = draw(st.sampled_from([0.5, 1.0, 3.0]))
    return {
        "price": 1 + k,
        "initial_on_hand": draw(st.integers(0, 20)),
        "demand": {"rate_per_day": rate, "order_size": order_size},
        "replenishment": replenishment,
    }


def same_metrics(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Every metric equal to rounding (sums may be added in another order), None as None."""
    for key, x in a.items():
        y = b[key]
        if x is None or y is None:
            if x is not y:
                return False
        elif not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9):
            return False
    return True
