"""Checks on the plain data: across blocks, and the schema's own cross-key rules.

They read the plain data (so they also run when the schema found problems elsewhere) and
skip anything of the wrong type, which the schema reports.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from simulator.metrics.record import STORE_METRICS
from simulator.scenario.errors import hint
from simulator.scenario.paths import KeyPath
from simulator.scenario.schema import (
    UNKNOWN,
    Backorder,
    DisruptionWindow,
    RQSpec,
    Scenario,
    Seasonality,
    SourcingSpec,
    SSSpec,
    Strict,
    Supplier,
)
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
    issues += _cost_products(suppliers, products)
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
    issues += _optimize_metrics(data.get("optimize"))
    return issues


def _optimize_metrics(block: Any) -> list[Issue]:
    """Unknown metric names in the ``optimize:`` block's objective and constraints."""
    if not isinstance(block, dict):
        return []
    issues = []
    objective = block.get("objective")
    metric = objective.get("metric") if isinstance(objective, dict) else None
    if isinstance(metric, str) and metric not in STORE_METRICS:
        issues.append(
            Issue(
                ("optimize", "objective", "metric"),
                f"unknown metric '{metric}'{hint(metric, STORE_METRICS)}",
            )
        )
    constraints = block.get("constraints")
    for index, text in enumerate(constraints if isinstance(constraints, list) else []):
        name = text.split(">=")[0].split("<=")[0].strip() if isinstance(text, str) else None
        if name and (">=" in text or "<=" in text) and name not in STORE_METRICS:
            issues.append(
                Issue(
                    ("optimize", "constraints", index),
                    f"unknown metric '{name}'{hint(name, STORE_METRICS)}",
                )
            )
    return issues


def _cost_products(suppliers: Any, products: Any) -> list[Issue]:
    """Every key of a supplier's ``unit_cost`` map names a product."""
    if not isinstance(suppliers, dict) or not isinstance(products, dict):
        return []
    known = [p for p in products if isinstance(p, str)]
    issues = []
    for supplier_id, supplier in suppliers.items():
        costs = supplier.get("unit_cost") if isinstance(supplier, dict) else None
        if not isinstance(costs, dict):
            continue
        for product_id in costs:
            if isinstance(product_id, str) and product_id not in known:
                suggestion = hint(product_id, known) or f" (products are: {', '.join(known)})"
                issues.append(
                    Issue(
                        ("suppliers", supplier_id, "unit_cost", product_id),
                        f"unknown product '{product_id}'{suggestion}",
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


# -- the schema's cross-key rules on plain data ------------------------------------------------


def check_rules(data: Any) -> list[Issue]:
    """The schema's cross-key rules (:meth:`Strict.cross_checks`) of every block in `data`.

    Pydantic runs a block's model validator only when every key of the block is valid (for
    the whole scenario: the whole file). These checks run the same rules on the plain data,
    whatever else is wrong, skipping a rule when a key it needs is missing or invalid on its
    own (that key's problem is reported by the schema). Where the model validator also ran,
    it reports the same path and message, which the loader drops.
    """
    if not isinstance(data, dict):
        return []
    issues = _rules(Scenario, data, ())
    issues += _sourcing_rules(data, ())
    products = data.get("products")
    for product_id, product in _items(products):
        if not isinstance(product, dict):
            continue
        path: KeyPath = ("products", product_id)
        demand = product.get("demand")
        if isinstance(demand, dict) and isinstance(demand.get("seasonality"), list):
            for index, window in enumerate(demand["seasonality"]):
                where = (*path, "demand", "seasonality", index)
                issues += _rules(Seasonality, window, where)
        replenishment = product.get("replenishment")
        if isinstance(replenishment, dict):
            specs: dict[str, type[Strict]] = {"rQ": RQSpec, "sS": SSSpec}
            spec = specs.get(str(replenishment.get("policy")))
            if spec is not None:
                issues += _rules(spec, replenishment, (*path, "replenishment"))
        issues += _sourcing_rules(product, path)
    for supplier_id, supplier in _items(data.get("suppliers")):
        if isinstance(supplier, dict) and isinstance(supplier.get("disruptions"), list):
            issues += _disruption_rules(supplier["disruptions"], ("suppliers", supplier_id))
    policies = data.get("policies")
    for index, policy in enumerate(policies if isinstance(policies, list) else []):
        if isinstance(policy, dict):
            issues += _rules(Backorder, policy.get("backorder"), ("policies", index, "backorder"))
    return issues


def _items(value: Any) -> list[tuple[Any, Any]]:
    return list(value.items()) if isinstance(value, dict) else []


def _sourcing_rules(block: dict[Any, Any], path: KeyPath) -> list[Issue]:
    return _rules(SourcingSpec, block.get("sourcing"), (*path, "sourcing"))


def _disruption_rules(windows: list[Any], path: KeyPath) -> list[Issue]:
    """Each window's own rule, then overlaps between the windows that are valid."""
    issues: list[Issue] = []
    usable: list[DisruptionWindow] = []
    for index, window in enumerate(windows):
        issues += _rules(DisruptionWindow, window, (*path, "disruptions", index))
        try:
            usable.append(DisruptionWindow.model_validate(window))
        except ValidationError:
            continue
    return issues + [
        Issue((*path, key), message)
        for key, message in Supplier.cross_checks({"disruptions": usable})
    ]


def _rules(model: type[Strict], block: Any, path: KeyPath) -> list[Issue]:
    """`model`'s cross checks on the plain mapping `block` (nothing if it is not one)."""
    if not isinstance(block, dict):
        return []
    values = {key: _usable(model, key, block) for key in model.cross_keys}
    return [Issue((*path, key), message) for key, message in model.cross_checks(values)]


def _usable(model: type[BaseModel], key: str, block: Mapping[Any, Any]) -> Any:
    """The value of `key` in `block` as the schema validates it, its default when absent,
    or UNKNOWN (absent and required, or invalid on its own)."""
    info = model.model_fields[key]
    if key not in block:
        return UNKNOWN if info.is_required() else info.get_default(call_default_factory=True)
    try:
        return _adapter(model, key).validate_python(block[key])
    except ValidationError:
        return UNKNOWN


@functools.cache
def _adapter(model: type[BaseModel], key: str) -> TypeAdapter[Any]:
    """A validator for one key of a block, with the block's constraints and strictness."""
    info = model.model_fields[key]
    annotation: Any = info.annotation
    if info.metadata:
        annotation = Annotated[(annotation, *info.metadata)]
    return TypeAdapter(annotation, config=ConfigDict(strict=True))
