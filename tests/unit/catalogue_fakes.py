"""A small catalogue of many independent parts, with most features on, for the tests of
replications cut into pieces (``simulator.experiment.parts``)."""

from __future__ import annotations

from typing import Any

PRODUCTS = 14
"""Products p00 .. p13: p01, p05 and p09 share a supplier with one server (one part of
three, its products not next to each other); every other product is a part of its own."""


def catalogue(horizon_days: float = 60, replications: int = 1) -> dict[str, Any]:
    """The catalogue's scenario, as a mapping for ``load_scenario``."""
    products: dict[str, Any] = {}
    for k in range(PRODUCTS):
        product: dict[str, Any] = {
            "price": 10 + k,
            "holding_cost_per_unit_day": 0.02,
            "backlog_penalty_per_unit_day": 0.1,
            "initial_on_hand": 8 + k % 5,
            "demand": {
                "rate_per_day": 1.0 + 0.5 * (k % 4),
                "order_size": {"dist": "poisson", "mean": 1.5, "min": 1} if k % 2 else 1,
            },
            "replenishment": {"policy": "rQ", "reorder_point": 4 + k % 3, "order_quantity": 12},
        }
        if k in (1, 5, 9):
            product["sourcing"] = {
                "suppliers": ["workshop", "main"],
                "rule": "failover",
                "switch_after_days": 3,
            }
        products[f"p{k:02d}"] = product
    return {
        "name": "Small catalogue of independent parts",
        "seed": 5,
        "horizon_days": horizon_days,
        "warmup_days": 10,
        "replications": replications,
        "customers": {
            "patience_days": {"dist": "exponential", "mean": 6},
            "accept_probability": 0.8,
            "goodwill": {
                "scope": "product",
                "lost_order": 0.05,
                "late_order": 0.02,
                "recovery_days": 20,
            },
        },
        "sourcing": {"suppliers": ["main"]},
        "products": products,
        "suppliers": {
            "main": {
                "lead_time_days": {"dist": "exponential", "mean": 3},
                "unit_cost": 5,
                "order_cost": 2,
                "disruptions": {
                    "every_days": {"dist": "exponential", "mean": 25},
                    "duration_days": {"dist": "uniform", "low": 1, "high": 4},
                },
            },
            "workshop": {"lead_time_days": 1.5, "servers": 1, "unit_cost": 7},
            "spare": {"lead_time_days": 2},
        },
        "policies": [
            {"name": "lost-sales", "backorder": {"allow": False}},
            {"name": "quoted", "backorder": {"allow": True, "quote_eta": True}},
        ],
    }
