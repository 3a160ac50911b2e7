"""The JSON Schema of a scenario file, for editors (``backorder-sim schema``).

It is generated from the typed schema (:mod:`simulator.scenario.schema`), so it cannot fall
behind it, then adjusted to what a *file* may hold before loading: ``extends:``, and a bare
number wherever a distribution goes (a constant). Rules that tie keys together
(``warmup_days < horizon_days``, ...) are not expressible here; ``validate`` checks them.
"""

from __future__ import annotations

from typing import Any

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _loosen_distributions(node: Any) -> Any:
    """Wherever the schema asks for a distribution, also allow a bare number."""
    if isinstance(node, dict):
        out = {k: _loosen_distributions(v) for k, v in node.items()}
        disc = out.get("discriminator")
        if isinstance(disc, dict) and disc.get("propertyName") == "dist" and "oneOf" in out:
            shared = {k: out.pop(k) for k in ("title", "description", "default") if k in out}
            return {**shared, "anyOf": [{"type": "number"}, out]}
        return out
    if isinstance(node, list):
        return [_loosen_distributions(v) for v in node]
    return node


def _partial(node: Any) -> Any:
    """The same schema with nothing required: what a file with ``extends:`` may leave to its
    parent. References point at the partial blocks."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "required":
                continue
            if k == "$ref" and isinstance(v, str) and v.startswith("#/$defs/"):
                v = "#/$defs/Partial" + v.removeprefix("#/$defs/")
            out[k] = _partial(v)
        return out
    if isinstance(node, list):
        return [_partial(v) for v in node]
    return node


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file.

    A file with ``extends:`` is checked for known keys and valid values only: what it leaves
    out may come from its parent.
    """
    from simulator.scenario.schema import Scenario

    schema = _loosen_distributions(Scenario.model_json_schema())
    defs = schema.pop("$defs")
    schema["properties"] = {
        "extends": {
            "type": "string",
            "description": "A parent scenario file (relative to this one), deep-merged under "
            "this file: this file wins.",
        },
        **schema["properties"],
    }
    defs = {**defs, "Scenario": schema}
    partial = {"Partial" + name: _partial(block) for name, block in defs.items()}
    return {
        "$schema": DIALECT,
        "title": "backorder-sim scenario",
        "description": "A scenario file of backorder-sim: products, suppliers, customers and "
        "the backorder policies to compare.",
        "type": "object",
        "if": {"required": ["extends"]},
        "then": {"$ref": "#/$defs/PartialScenario"},
        "else": {"$ref": "#/$defs/Scenario"},
        "$defs": {**defs, **partial},
    }
