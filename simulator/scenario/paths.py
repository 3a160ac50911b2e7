"""Key paths into plain scenario data, and the map from each path to the line it came from."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
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


class LazyLineMap(dict[KeyPath, Origin]):
    """A line map that is built the first time anything looks at it or changes it.

    The fast YAML reader gives one of these: a file read without a problem usually needs
    the line of no key at all, and the map of a 100,000-product catalogue (1.8 million
    paths) costs more to build than the rest of reading it. `build` makes the full map
    (the same one an eager read records); every dict method fills the map first, then
    behaves as a dict's. A copy or a pickle is a plain dict.
    """

    __slots__ = ("_build",)

    def __init__(self, build: Callable[[], LineMap]) -> None:
        super().__init__()
        self._build: Callable[[], LineMap] | None = build

    @property
    def built(self) -> bool:
        """Whether the map has been built (for tests and measurements)."""
        return self._build is None

    def _fill(self) -> None:
        build = self._build
        if build is not None:
            full = build()  # before anything changes: a thread reading meanwhile builds too
            if self._build is not None:
                dict.update(self, full)
                self._build = None

    def __getitem__(self, key: KeyPath) -> Origin:
        self._fill()
        return dict.__getitem__(self, key)

    def __setitem__(self, key: KeyPath, value: Origin) -> None:
        self._fill()
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: KeyPath) -> None:
        self._fill()
        dict.__delitem__(self, key)

    def __contains__(self, key: object) -> bool:
        self._fill()
        return dict.__contains__(self, key)

    def __iter__(self) -> Iterator[KeyPath]:
        self._fill()
        return dict.__iter__(self)

    def __reversed__(self) -> Iterator[KeyPath]:
        self._fill()
        return dict.__reversed__(self)

    def __len__(self) -> int:
        self._fill()
        return dict.__len__(self)

    def __eq__(self, other: object) -> bool:
        self._fill()
        if isinstance(other, LazyLineMap):
            other._fill()
        return dict.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None

    def __repr__(self) -> str:
        self._fill()
        return dict.__repr__(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (dict(self.items()),))

    def __or__(self, other: Any) -> Any:
        return dict(self.items()) | other

    def __ror__(self, other: Any) -> Any:
        return other | dict(self.items())

    def __ior__(self, other: Any) -> LazyLineMap:  # type: ignore[override]
        self.update(other)
        return self

    def copy(self) -> LineMap:
        return dict(self.items())

    def get(self, key: KeyPath, default: Any = None) -> Any:
        self._fill()
        return dict.get(self, key, default)

    def keys(self) -> Any:
        self._fill()
        return dict.keys(self)

    def values(self) -> Any:
        self._fill()
        return dict.values(self)

    def items(self) -> Any:
        self._fill()
        return dict.items(self)

    def pop(self, key: KeyPath, *default: Any) -> Any:
        self._fill()
        return dict.pop(self, key, *default)

    def popitem(self) -> tuple[KeyPath, Origin]:
        self._fill()
        return dict.popitem(self)

    def setdefault(self, key: KeyPath, default: Any = None) -> Any:
        self._fill()
        return dict.setdefault(self, key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._fill()
        dict.update(self, *args, **kwargs)

    def clear(self) -> None:
        self._build = None
        dict.clear(self)
