"""Key paths into plain scenario data, and the map from each path to the line it came from."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

KeyPath = tuple[Hashable, ...]
"""A path into plain data: mapping keys and list indices, from the top of the scenario."""

Origin = tuple[str, int | None]
"""Where a key or item was written: (file name as shown to the user, 1-based line or None)."""

LineMap = dict[KeyPath, Origin]
"""The origin of every key and list item that was read (the empty path is the document)."""


def render_path(path: KeyPath, data: Any = None) -> str:
    """A path as users write it: ``products.widget.price``, ``policies[2].name``.

    An integer is shown as ``[i]`` when it indexes a list in `data` (or when `data` does not
    reach that far); an integer *key* of a mapping is shown as ``.1``.
    """
    text = ""
    node = data
    for key in path:
        is_index = isinstance(node, list) or (
            isinstance(key, int) and not isinstance(key, bool) and not isinstance(node, dict)
        )
        if is_index:
            text += f"[{key}]"
        else:
            shown = "null" if key is None else str(key).lower() if isinstance(key, bool) else key
            text += f".{shown}" if text else f"{shown}"
        node = _child(node, key)
    return text


def _child(node: Any, key: Hashable) -> Any:
    if isinstance(node, dict):
        return node.get(key)
    if _is_index(node, key):
        return node[key]
    return None


def get_at(data: Any, path: KeyPath) -> tuple[bool, Any]:
    """(True, value) if `path` exists in `data`, else (False, None)."""
    node = data
    for key in path:
        if isinstance(node, dict):
            if key not in node:
                return False, None
            node = node[key]
        elif _is_index(node, key):
            node = node[key]
        else:
            return False, None
    return True, node


def _is_index(node: Any, key: Hashable) -> bool:
    return (
        isinstance(node, list)
        and isinstance(key, int)
        and not isinstance(key, bool)
        and 0 <= key < len(node)
    )


def nearest(lines: LineMap, path: KeyPath) -> tuple[KeyPath, Origin] | None:
    """The longest prefix of `path` (itself included) that has an origin, and that origin."""
    for n in range(len(path), -1, -1):
        prefix = path[:n]
        origin = lines.get(prefix)
        if origin is not None:
            return prefix, origin
    return None


def under(path: KeyPath, prefix: KeyPath) -> bool:
    """Whether `path` is `prefix` or lies inside it."""
    return path[: len(prefix)] == prefix
