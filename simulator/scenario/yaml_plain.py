"""A fast reader for plain block YAML: the common subset scenario files and exports use.

:func:`read_plain` reads a document line by line (no token stream, no node tree) and gives
the same data and line map as the full path (libyaml's composer, then
:class:`~simulator.scenario.yaml_tree.TreeReader`), or declines with None when the text
holds anything outside the subset; the full path then reads it, with its checks and
messages. The subset:

- block mappings and sequences by indentation (a sequence may sit at its key's indent),
  ``key: value``, ``key:`` with a nested block or nothing (null), ``- value``,
  ``- key: value`` (a compact mapping), ``-`` with a nested block or nothing;
- comment lines, trailing `` # comments``, blank lines, a lone ``---`` first line;
- flow collections (``[a, b]``, ``{k: v, k2: [x]}``) of plain or quoted scalars, on one
  line or over several (each more indented than the line they start on);
- plain scalars (resolved by PyYAML's own resolver and constructors, YAML 1.2 floats as
  :mod:`~simulator.scenario.yaml_lines` sets them) and one-line quoted scalars without
  escapes (``'...'`` without ``''``, ``"..."`` without ``\\``).

It declines on tabs, carriage returns, other line breaks, a byte order mark and control
characters; anchors, aliases, tags, block scalars, complex and merge keys, directives, a
second document, scalars over several lines; keys that are not plain text or
hold ``:`` or ``#``; duplicate keys; nesting to :data:`MAX_DEPTH`; and any indentation it
does not fully understand. Declining is always safe: it only costs the full path's time.

Each distinct line is read once (a catalogue repeats the same few lines) and each distinct
plain scalar resolved once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Protocol

from yaml.nodes import Node, ScalarNode

from simulator.scenario.paths import KeyPath, LazyLineMap, LineMap, Origin
from simulator.scenario.yaml_flow import (
    Decline,
    Template,
    Unclosed,
    depth_change,
    fresh,
    quoted,
    tail,
    template,
)
from simulator.scenario.yaml_tree import MAX_DEPTH, PLAIN_SCALARS, TAG

__all__ = ["Resolver", "read_plain"]

_STR = TAG + "str"

_UNSUPPORTED = re.compile(
    "[\t\r\x85\u2028\u2029\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f"
    "\ud800-\udfff\ufffe\uffff]"
)
"""Characters the reader leaves to the full path: tabs, line breaks other than ``\\n``, a
byte order mark, and what YAML refuses (C0 and C1 controls, surrogates, U+FFFE, U+FFFF)."""

_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
"""Characters a plain scalar may not start with here (YAML lets ``-x`` start one: kept)."""

_PLAIN_KEY = re.compile(r"[^-?:,\[\]{}#&*!|>'\"%@` ][^:#,\[\]{}]*(?<! )")
"""A plain key read here: no indicator first, no ``:``, ``#`` or flow character, no
trailing space."""

_SKIP = (-1,)
"""What a blank or comment line reads as."""

_ENTRY, _ITEM, _ITEM_ENTRY = 0, 1, 2
"""Line kinds: ``key: ...``; ``- ...``; ``- key: ...`` (a compact mapping's first key)."""
_SCALAR, _OPEN, _FLOW, _MULTI = 0, 1, 2, 3
"""What follows a key or dash: a scalar; nothing (a nested block or null); a flow
collection (a template copied for each use); a flow collection that goes on over the next
lines (its text so far)."""

_DEEPEST = MAX_DEPTH - 1
"""The longest path of a mapping or list read here (its keys and items are one deeper and
stay under :data:`MAX_DEPTH`; the full path reads anything deeper)."""
_Frame = tuple[int, Any, KeyPath, bool, bool]
"""An open block: its indent, its mapping or list, its path, whether it is a list, and
whether it is a list written at its key's indent."""


class Resolver(Protocol):
    """What reading needs of a PyYAML loader: its resolver and its constructors."""

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str: ...

    def construct_object(self, node: Node, deep: bool = False) -> Any: ...


def read_plain(
    text: str, shown: str, loader: Resolver, *, lazy: bool = True
) -> tuple[Any, LineMap] | None:
    """The data of `text` and the origin of every key and list item (file `shown`), as the
    full path reads them; None if the text is outside the subset (or empty, or not a block
    mapping or sequence at the top). `loader` resolves and constructs plain scalars.

    With `lazy`, the line map is a :class:`~simulator.scenario.paths.LazyLineMap` that
    reads the text again, recording every line, the first time it is used: a file without
    a problem usually needs no line, and recording them all costs as much as the read."""
    if _UNSUPPORTED.search(text):
        return None
    try:
        data, lines = _Reader(shown, loader, record=not lazy).read(text)
    except (Decline, RecursionError):
        return None
    if lazy:
        lines = LazyLineMap(lambda: _Reader(shown, loader, record=True).read(text)[1])
    return data, lines


class _Reader:
    """One read: the caches of lines and scalars seen, and the line-by-line walk."""

    def __init__(self, shown: str, loader: Resolver, record: bool) -> None:
        self.shown = shown
        self.loader = loader
        self.record = record
        """Whether to record the line map (else only the data is read)."""
        self.scalars: dict[str, Any] = {}
        """Plain scalars resolved so far, by text."""
        self.keys: dict[str, str] = {}
        """Plain keys checked so far (their text is their value)."""

    # -- the walk ------------------------------------------------------------------------

    def read(self, text: str) -> tuple[Any, LineMap]:
        shown, classify, joined, record = self.shown, self._classify, self._joined, self.record
        cache: dict[str, tuple[Any, ...]] = {}
        lines: LineMap = {}
        flows = lines if record else None
        rows = iter(text.split("\n"))
        number = 0
        started = False
        # The open blocks, innermost last: (indent, mapping or list, path, is a list, is a
        # list at its key's indent); the innermost one's fields are kept in locals.
        frames: list[_Frame] = []
        box: Any = None
        path: KeyPath = ()
        indent_, is_list, at_key = -1, False, False
        root: Any = None
        # A key or dash whose value is still open: (holder, slot, path, indent, is an item,
        # origin); at first, the document itself.
        pending: tuple[Any, ...] | None = (None, None, (), -1, False, None)
        for row in rows:
            number += 1
            info = cache.get(row)
            if info is None:
                if row == "---" and not started:
                    started = True
                    continue
                info = cache[row] = classify(row)
            if info is _SKIP:
                continue
            indent, kind, key, vkind, value, column = info
            origin: Origin = (shown, number)
            if vkind == _MULTI:
                value, more = joined(value, indent, rows)
                vkind = _FLOW
                number += more
            if pending is not None:
                holder, slot, at, where, is_item, opened = pending
                pending = None
                if holder is None:  # the document's first line
                    started = True
                    lines[()] = origin
                    root = {} if kind == _ENTRY else []
                    frame: _Frame = (indent, root, (), kind != _ENTRY, False)
                    frames.append(frame)
                    indent_, box, path, is_list, at_key = frame
                elif indent > where or (indent == where and kind and not is_item):
                    block: Any = {} if kind == _ENTRY else []
                    holder[slot] = block
                    if is_item and record:
                        lines[at] = origin
                    if len(at) >= _DEEPEST:
                        raise Decline
                    frame = (indent, block, at, kind != _ENTRY, indent == where)
                    frames.append(frame)
                    indent_, box, path, is_list, at_key = frame
                elif is_item and record:
                    lines[at] = opened  # a null item: the line of its dash
            if indent != indent_:
                while indent < indent_:
                    frames.pop()
                    if not frames:
                        raise Decline  # less indented than the top block
                    indent_, box, path, is_list, at_key = frames[-1]
                if indent != indent_:
                    raise Decline  # more indented where nothing opened a block
            if is_list:
                if kind == _ENTRY:
                    if not at_key:
                        raise Decline  # a key among list items
                    frames.pop()
                    indent_, box, path, is_list, at_key = frames[-1]
                else:
                    items = box
                    at = path + (len(items),)  # noqa: RUF005 - faster than (*path, ...)
                    if kind == _ITEM:
                        if vkind == _SCALAR:
                            if record:
                                lines[at] = origin
                            items.append(value)
                        elif vkind == _FLOW:
                            if record:
                                lines[at] = origin
                            items.append(fresh(value, at, origin, flows))
                        else:  # its line is where its value starts
                            pending = (items, len(items), at, indent, True, origin)
                            items.append(None)
                        continue
                    if record:
                        lines[at] = origin
                    if len(at) >= _DEEPEST:
                        raise Decline
                    mapping: dict[Any, Any] = {}
                    items.append(mapping)
                    frame = (column, mapping, at, False, False)
                    frames.append(frame)
                    indent_, box, path, is_list, at_key = frame
            elif kind != _ENTRY:
                raise Decline  # a list item among keys
            if key in box:
                raise Decline  # a duplicate key: the full path reports it
            if vkind == _SCALAR:
                box[key] = value
                if record:
                    lines[path + (key,)] = origin  # noqa: RUF005 - faster than (*path, key)
                continue
            at = path + (key,)  # noqa: RUF005
            if record:
                lines[at] = origin
            if vkind == _FLOW:
                box[key] = fresh(value, at, origin, flows)
            else:
                box[key] = None
                pending = (box, key, at, column, False, origin)
        if root is None:
            raise Decline  # nothing but comments: the full path says the file is empty
        if pending is not None and pending[4] and record:
            lines[pending[2]] = pending[5]
        return root, lines

    # -- one line ------------------------------------------------------------------------

    def _classify(self, row: str) -> tuple[Any, ...]:
        """(indent, kind, key, what follows, value, column of the key) for a content line;
        :data:`_SKIP` for a blank or comment line."""
        body = row.lstrip(" ")
        if not body or body[0] == "#":
            return _SKIP
        indent = len(row) - len(body)
        if body[0] == "-" and (len(body) == 1 or body[1] == " "):
            rest = body[1:].lstrip(" ")
            if not rest or rest[0] == "#":
                return (indent, _ITEM, None, _OPEN, None, indent)
            if rest[0] == "-" and (len(rest) == 1 or rest[1] == " "):
                raise Decline  # "- - x": a compact nested list
            column = len(row) - len(rest)
            entry = self._entry(rest)
            if entry is not None:
                return (indent, _ITEM_ENTRY, entry[0], entry[1], entry[2], column)
            vkind, value = self._value(rest)
            return (indent, _ITEM, None, vkind, value, column)
        entry = self._entry(body)
        if entry is None:
            raise Decline  # a scalar line, a document marker, a directive, ...
        return (indent, _ENTRY, entry[0], entry[1], entry[2], indent)

    def _entry(self, body: str) -> tuple[str, int, Any] | None:
        """(key, what follows, value) if `body` is ``key: ...``; None if it is a scalar."""
        if body[0] in "[{":
            return None  # a flow collection (one used as a key is refused after it)
        if body[0] in "'\"":
            key, end = quoted(body, 0)
            if body[end : end + 1] != ":":
                return None
            rest = body[end + 1 :]
            if rest and rest[0] != " ":
                raise Decline
        else:
            colon = body.find(":")
            if colon < 0:
                return None
            rest = body[colon + 1 :]
            if rest and rest[0] != " ":
                if ": " in rest or rest.endswith(":"):
                    raise Decline  # a key holding ':'
                return None
            key = self.key(body[:colon])
        return (key, *self._value(rest.lstrip(" ")))

    def key(self, text: str) -> str:
        """A plain key's text, if it reads as a plain string (else :class:`Decline`)."""
        known = self.keys.get(text)
        if known is not None:
            return known
        if _PLAIN_KEY.fullmatch(text) is None or text.startswith(("---", "...")):
            raise Decline
        if self.loader.resolve(ScalarNode, text, (True, False)) != _STR:
            raise Decline  # 1:, yes:, null:, <<:, ...
        self.keys[text] = text
        return text

    def _value(self, rest: str) -> tuple[int, Any]:
        """What follows a key or dash (`rest` starts after the spaces)."""
        if not rest or rest[0] == "#":
            return _OPEN, None
        first = rest[0]
        if first in "[{":
            try:
                found, end = template(rest, self)
            except Unclosed:
                return _MULTI, rest
            tail(rest, end)
            return _FLOW, found
        if first in "'\"":
            text, end = quoted(rest, 0)
            tail(rest, end)
            return _SCALAR, text
        if first in _INDICATORS and (first != "-" or len(rest) == 1 or rest[1] == " "):
            raise Decline
        cut = rest.find(" #")
        text = (rest if cut < 0 else rest[:cut]).rstrip(" ")
        if ": " in text or text.endswith(":"):
            raise Decline
        return _SCALAR, self.plain(text)

    def plain(self, text: str) -> Any:
        """A plain scalar's value, as PyYAML's resolver and constructors make it."""
        value = self.scalars.get(text, _scalar_missing)
        if value is not _scalar_missing:
            return value
        tag = self.loader.resolve(ScalarNode, text, (True, False))
        if tag == _STR:
            value = text
        elif tag not in PLAIN_SCALARS:
            raise Decline  # !!merge, !!value, ...
        else:
            try:
                value = self.loader.construct_object(ScalarNode(tag, text), deep=True)
            except Exception as exc:  # a malformed !!int, ...: the full path reports it
                raise Decline from exc
        self.scalars[text] = value
        return value

    def _joined(self, first: str, indent: int, rows: Iterator[str]) -> tuple[Template, int]:
        """A flow collection that starts `first` and goes on over the next `rows` (each more
        indented than `indent`), and how many rows it took beyond the first."""
        parts = [first]
        depth = depth_change(first)
        while depth > 0:
            row = next(rows, None)
            if row is None:
                raise Decline
            body = row.lstrip(" ")
            if body and len(row) - len(body) <= indent:
                raise Decline
            parts.append(row)
            depth += depth_change(row)
        text = "\n".join(parts)
        found, end = template(text, self)
        tail(text, end)
        return found, len(parts) - 1


_scalar_missing = object()
