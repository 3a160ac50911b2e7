"""What ``fit`` found: per product demand, per supplier lead times; as JSON and as a fragment.

The fragment is a scenario file's ``products.ID.demand`` and ``suppliers.ID.lead_time_days``
blocks (DESIGN §3 grammar), with a comment header saying what it was fitted from and when,
for a scenario to ``extends:``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import yaml

from simulator.fitting.demand import DemandFit
from simulator.fitting.lead_time import LeadTimeFit


def _num(x: float | None) -> float | None:
    """JSON-safe: NaN and infinities become null."""
    if x is None or not math.isfinite(x):
        return None
    return float(x)


@dataclass
class FitResult:
    """The fits of one ``fit`` call."""

    orders_file: str
    deliveries_file: str | None
    fitted_at: str
    """When, as an ISO date-time (UTC)."""
    day0: str
    """Day 0 of the fragment's seasonality windows: a date, or a number of days."""
    days: int
    """Days the orders history covers."""
    products: dict[str, DemandFit]
    suppliers: dict[str, LeadTimeFit] = field(default_factory=dict)

    # -- the scenario fragment ---------------------------------------------------------------
    def fragment(self) -> dict[str, Any]:
        """The fragment as plain data."""
        data: dict[str, Any] = {
            "products": {pid: {"demand": fit.demand_spec()} for pid, fit in self.products.items()}
        }
        if self.suppliers:
            data["suppliers"] = {
                sid: {"lead_time_days": fit.spec} for sid, fit in self.suppliers.items()
            }
        return data

    def fragment_yaml(self) -> str:
        """The fragment as YAML text with its comment header."""
        sources = self.orders_file + (
            f" and {self.deliveries_file}" if self.deliveries_file else ""
        )
        header = [
            f"# Fitted by backorder-sim fit from {sources}",
            f"# at {self.fitted_at}; {self.days} days of orders, day 0 = {self.day0}.",
            "# A scenario file uses it with `extends: <this file>` and adds prices,",
            "# replenishment, policies and the rest. Seasonality windows count days from day 0.",
        ]
        body = yaml.safe_dump(self.fragment(), sort_keys=False, default_flow_style=None, width=100)
        return "\n".join(header) + "\n" + body

    # -- JSON ----------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``fit --format json``."""
        return {
            "orders": self.orders_file,
            "deliveries": self.deliveries_file,
            "fitted_at": self.fitted_at,
            "day0": self.day0,
            "days": self.days,
            "products": {pid: _demand_dict(fit) for pid, fit in self.products.items()},
            "suppliers": {sid: _lead_dict(fit) for sid, fit in self.suppliers.items()},
            "fragment": self.fragment(),
        }


def _demand_dict(fit: DemandFit) -> dict[str, Any]:
    s = fit.seasonal
    size = fit.order_size
    return {
        "orders": fit.orders,
        "units": fit.units,
        "exposure_days": fit.exposure_days,
        "out_of_stock_days": fit.out_of_stock_days,
        "rate_per_day": {
            "mean": _num(fit.rate),
            "ci95_low": _num(fit.rate_low),
            "ci95_high": _num(fit.rate_high),
        },
        "base_rate_per_day": _num(s.base),
        "weekly": {
            "significant": s.weekly,
            "p_value": _num(s.weekly_p),
            "factors": [float(f) for f in s.week],
        },
        "windows": [
            {
                "start_day": w.start,
                "end_day": w.end,
                "multiplier": _num(w.multiplier),
                "ci95_low": _num(w.low),
                "ci95_high": _num(w.high),
                "likelihood_ratio": _num(w.lr),
                "threshold": _num(w.threshold),
            }
            for w in s.windows
        ],
        "dispersion": {
            "index": _num(fit.dispersion.index),
            "dof": fit.dispersion.dof,
            "p_value": _num(fit.dispersion.p_value),
            "verdict": fit.dispersion.verdict,
        },
        "order_size": {
            "n": size.n,
            "mean": _num(size.mean),
            "ci95_low": _num(size.mean_low),
            "ci95_high": _num(size.mean_high),
            "chosen": size.chosen,
            "aic_poisson": _num(size.aic_poisson),
            "aic_empirical": _num(size.aic_empirical),
            "poisson_p_value": _num(size.poisson_p),
        },
        "demand": fit.demand_spec(),
        "notes": list(fit.notes),
    }


def _lead_dict(fit: LeadTimeFit) -> dict[str, Any]:
    out: dict[str, Any] = {
        "n": fit.n,
        "mean": _num(fit.mean),
        "ci95_low": _num(fit.mean_low),
        "ci95_high": _num(fit.mean_high),
        "sd": _num(fit.sd),
        "chosen": fit.chosen,
        "lead_time_days": fit.spec,
        "candidates": [
            {
                "family": c.family,
                "params": {k: _num(v) for k, v in c.params.items()},
                "aic": _num(c.aic),
                "ks_p_value": _num(c.ks_p),
                "bootstrap_p_value": _num(c.bootstrap_p),
            }
            for c in fit.candidates
        ],
        "notes": list(fit.notes),
    }
    if fit.by_product:
        out["products"] = {p.product: _lead_dict(p) for p in fit.by_product if p.product}
        out["products_differ_p_value"] = _num(fit.products_differ_p)
    return out
