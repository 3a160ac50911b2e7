"""What each key of the scenario schema means, read from its attribute docstring on demand.

Every field of :mod:`simulator.scenario.schema` is documented by the string right below it
(pydantic's ``use_attribute_docstrings`` rule). Reading those strings means parsing the
module's source, which would cost every command about 20 ms at import, while only the JSON
Schema (``backorder-sim schema``, :meth:`Strict.model_json_schema
<simulator.scenario.schema.Strict.model_json_schema>`) shows them. So the models are built
without them, and :func:`describe_fields` adds them (and rebuilds the models) the first time
a JSON Schema is asked for: the same descriptions as pydantic's rule, in the same places.
"""

from __future__ import annotations

import ast
import inspect

_described = False


def attribute_docstrings(block: ast.ClassDef) -> dict[str, str]:
    """Each annotated name of a class body followed at once by a string: that string,
    cleaned as a docstring."""
    found: dict[str, str] = {}
    for stmt, after in zip(block.body, block.body[1:], strict=False):
        if (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            found[stmt.target.id] = inspect.cleandoc(after.value.value)
    return found


def describe_fields() -> None:
    """Give every field of the schema's blocks its docstring as its description (unless it
    has one), once, and rebuild the blocks so that their JSON Schema shows it."""
    global _described
    if _described:
        return
    from simulator.scenario import schema

    tree = ast.parse(inspect.getsource(schema))
    docs = {
        node.name: attribute_docstrings(node)
        for node in tree.body
        if isinstance(node, ast.ClassDef)
    }
    blocks = [
        value
        for value in vars(schema).values()
        if isinstance(value, type)
        and issubclass(value, schema.Strict)
        and value.__module__ == schema.__name__
    ]
    for block in blocks:
        for name, info in block.model_fields.items():
            if info.description is not None:
                continue
            # the class that declares the field documents it (a redeclared field its own)
            owner = next(
                (c for c in block.__mro__ if name in vars(c).get("__annotations__", {})), None
            )
            doc = docs.get(owner.__name__, {}).get(name) if owner is not None else None
            if doc is not None:
                info.description = doc
    for block in blocks:  # in definition order: a block's parts are rebuilt before it
        block.model_rebuild(force=True)
    _described = True
