"""Checks across blocks that the schema cannot make on one block alone.

They read the plain data (so they also run when the schema found problems elsewhere) and
skip anything of the wrong type, which the schema reports.
"""

from __future__ import annotations

from typing import Any

from simulator.metrics.record import STORE_METRICS
from simulator.scenario.errors import hint
from simulator.scenario.translate import Issue

SHARED_KEYS = ("seed", "horizon_days", "warmup_days", "replications")
"""Keys every policy shares: a policy's ``overrides`` may not change them."""

NOT_OVERRIDABLE = (*SHARED_KEYS, "policies", "name", "extends")
"""Top-level keys refused inside a policy's ``overrides``."""


def check_references(data: Any) -> list[Issue]:
    """Supplier names in sourcing blocks, products left without sourcing, the objective."""
    if not isinstance(data, dict):
        return []
    issues: list[Issue] = []
    suppliers = data.get("suppliers")
    known = [s for s in suppliers if isinstance(s, str)] if isinstance(suppliers, dict) else None
    default = data.get("sourcing")
    if known is not None:
        issues += _sourcing_names(default, ("sourcing",), known)
    products = data.get("products")
    if isinstance(products, dict):
        for product_id, product in products.items():
            if not isinstance(product, dict):
                continue
            path = ("products", product_id)
            sourcing = product.get("sourcing")
            if known is not None:
                issues += _sourcing_names(sourcing, (*path, "sourcing"), known)
            if sourcing is None and default is None and known is not None and len(known) > 1:
                names = ", ".join(known)
                issues.append(
                    Issue(
                        path,
                        f"no sourcing, and there are {len(known)} suppliers ({names}): add "
                        "sourcing: {suppliers: [...]} here, or a default sourcing: at the top",
                    )
                )
    objective = data.get("objective")
    if isinstance(objective, dict):
        metric = objective.get("metric")
        if isinstance(metric, str) and metric not in STORE_METRICS:
            issues.append(
                Issue(
                    ("objective", "metric"),
                    f"unknown metric '{metric}'{hint(metric, STORE_METRICS)}",
                )
            )
    return issues


def _sourcing_names(sourcing: Any, path: tuple[Any, ...], known: list[str]) -> list[Issue]:
    if not isinstance(sourcing, dict) or not isinstance(sourcing.get("suppliers"), list):
        return []
    issues = []
    for index, name in enumerate(sourcing["suppliers"]):
        if isinstance(name, str) and name not in known:
            suggestion = hint(name, known) or f" (suppliers are: {', '.join(known)})"
            issues.append(
                Issue((*path, "suppliers", index), f"unknown supplier '{name}'{suggestion}")
            )
    return issues


def check_policies(data: Any) -> list[Issue]:
    """Policy names are unique; ``overrides`` leave the shared keys alone."""
    if not isinstance(data, dict) or not isinstance(data.get("policies"), list):
        return []
    issues: list[Issue] = []
    seen: dict[str, int] = {}
    for index, policy in enumerate(data["policies"]):
        if not isinstance(policy, dict):
            continue
        name = policy.get("name")
        if isinstance(name, str):
            if name in seen:
                issues.append(
                    Issue(
                        ("policies", index, "name"),
                        f"duplicate policy name '{name}' (also policies[{seen[name]}])",
                    )
                )
            else:
                seen[name] = index
        overrides = policy.get("overrides")
        if isinstance(overrides, dict):
            for key in overrides:
                if key in NOT_OVERRIDABLE:
                    issues.append(
                        Issue(("policies", index, "overrides", key), _not_overridable(str(key)))
                    )
    return issues


def _not_overridable(key: str) -> str:
    if key in SHARED_KEYS:
        return (
            f"'{key}' cannot be overridden by a policy: seed, horizon_days, warmup_days and "
            "replications are shared by all policies"
        )
    return f"'{key}' cannot be overridden by a policy"
