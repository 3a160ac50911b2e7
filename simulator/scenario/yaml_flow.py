"""Flow collections (``[a, b]``, ``{k: v}``) and quoted scalars for the fast YAML reader.

Part of :mod:`simulator.scenario.yaml_plain`: a flow collection of plain and quoted scalars
(nested too, on one line or over several) is read into a :data:`Template`, its value and
where each key and item is, and copied afresh for each place it is used (a catalogue
writes the same few flow collections thousands of times). Anything else raises
:class:`Decline`; the full reader then reads the text.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from itertools import repeat
from typing import Any, Protocol

from simulator.scenario.paths import KeyPath, LineMap, Origin
from simulator.scenario.yaml_tree import MAX_DEPTH

__all__ = ["Decline", "Scalars", "Template", "Unclosed", "fresh", "quoted", "tail", "template"]


class Decline(Exception):
    """The text holds something outside the fast reader's subset: the full path reads it."""


class Unclosed(Decline):
    """A flow collection goes on past the end of its line."""


class Scalars(Protocol):
    """How the reader turns a plain scalar into its value, and checks a plain key."""

    def plain(self, text: str) -> Any: ...

    def key(self, text: str) -> str: ...


_FLOW_PLAIN = re.compile(r"(?:[^-?:,\[\]{}#&*!|>'\"%@` \n]|-(?=[^ ,\[\]{}\n]))[^:#?,\[\]{}'\"\n]*")
"""A plain scalar inside a flow collection read here: no indicator first (but ``-x``), and
no ``:``, ``#``, ``?``, quote or flow character (it ends at ``,``, ``]`` or ``}``)."""

Template = tuple[Any, tuple[KeyPath, ...], tuple[int, ...] | None, int, bool]
"""A flow collection read: its value (copied for each use), the path in it of each key and
item, the line of each (0 for the first; None if all are on the first), the longest such
path, and whether the value holds no collection (a shallow copy is a copy)."""

_Found = list[tuple[KeyPath, int]]
"""The keys and items of a flow collection so far: their paths in it and their positions."""


def template(text: str, scalars: Scalars) -> tuple[Template, int]:
    """The flow collection that starts `text`, and the index just past it (raises
    :class:`Unclosed` if the text ends first)."""
    found: _Found = []
    value, end = _collection(text, 0, 1, (), found, scalars)
    paths = tuple(rel for rel, _ in found)
    longest = max(map(len, paths), default=0)
    breaks = [i for i, char in enumerate(text[:end]) if char == "\n"]
    if not breaks:
        return (value, paths, None, longest, longest <= 1), end
    offsets = tuple(bisect_left(breaks, at) for _, at in found)
    return (value, paths, offsets, longest, longest <= 1), end


def fresh(template: Template, path: KeyPath, origin: Origin, lines: LineMap | None) -> Any:
    """A new copy of `template` found at `path`, starting on the line of `origin`, with the
    origins of its keys and items recorded in `lines` (unless None)."""
    value, paths, offsets, longest, flat = template
    if len(path) + longest >= MAX_DEPTH:
        raise Decline
    if lines is None:
        pass
    elif offsets is None:
        lines.update(zip(map(path.__add__, paths), repeat(origin)))
    else:
        shown, number = origin
        for rel, offset in zip(paths, offsets, strict=True):
            lines[path + rel] = (shown, (number or 0) + offset)
    return value.copy() if flat else _copy(value)


def _copy(value: Any) -> Any:
    """A deep copy of nested dicts and lists of immutable scalars."""
    if type(value) is dict:
        return {k: _copy(v) if type(v) in (dict, list) else v for k, v in value.items()}
    return [_copy(v) if type(v) in (dict, list) else v for v in value]


def _collection(
    text: str, start: int, depth: int, rel: KeyPath, found: _Found, scalars: Scalars
) -> tuple[Any, int]:
    """The flow collection opening at ``text[start]`` (at `rel` in the value being read)
    and the index just past it; the position of each key and item is added to `found`."""
    if depth >= MAX_DEPTH:
        raise Decline
    is_map = text[start] == "{"
    closer = "}" if is_map else "]"
    result: Any = {} if is_map else []
    at = spaces(text, start + 1)
    if text[at : at + 1] == closer:
        return result, at + 1
    while True:
        if at >= len(text):
            raise Unclosed
        if is_map:
            begin = at
            if text[at] in "'\"":
                key, at = quoted(text, at)
            else:
                match = _FLOW_PLAIN.match(text, at)
                if match is None:
                    raise Decline
                key, at = scalars.key(match.group().rstrip(" ")), match.end()
            if text[at : at + 2] != ": " or key in result:
                raise Decline  # "{a:1}", "{a}", "{a : 1}" or a duplicate key
            found.append(((*rel, key), begin))
            at = spaces(text, at + 2)
            result[key], at = _value(text, at, depth, (*rel, key), found, scalars)
        else:
            found.append(((*rel, len(result)), at))
            item, at = _value(text, at, depth, (*rel, len(result)), found, scalars)
            result.append(item)
        at = spaces(text, at)
        mark = text[at : at + 1]
        if mark == closer:
            return result, at + 1
        if mark != ",":
            raise Unclosed if not mark else Decline
        at = spaces(text, at + 1)
        if text[at : at + 1] in ("]", "}"):
            raise Decline  # a trailing comma


def _value(
    text: str, at: int, depth: int, rel: KeyPath, found: _Found, scalars: Scalars
) -> tuple[Any, int]:
    """The item or value at ``text[at]`` in a flow collection, and the index past it."""
    mark = text[at : at + 1]
    if mark in ("[", "{"):
        return _collection(text, at, depth + 1, rel, found, scalars)
    if mark in ("'", '"'):
        return quoted(text, at)
    if not mark:
        raise Unclosed
    match = _FLOW_PLAIN.match(text, at)
    if match is None:
        raise Decline
    return scalars.plain(match.group().rstrip(" ")), match.end()


def spaces(text: str, at: int) -> int:
    """The index of the first character at or after `at` that is not a space, a line break
    or in a comment."""
    while True:
        char = text[at : at + 1]
        if char == " " or char == "\n":
            at += 1
        elif char == "#" and text[at - 1] in " \n":
            at = text.find("\n", at)
            if at < 0:
                return len(text)
        else:
            return at


def quoted(line: str, start: int) -> tuple[str, int]:
    """A one-line quoted scalar without escapes at ``line[start]``, and the index past it."""
    quote = line[start]
    end = line.find(quote, start + 1)
    if end < 0:
        raise Decline  # it goes on over lines
    text = line[start + 1 : end]
    if line[end + 1 : end + 2] == quote or (quote == '"' and "\\" in text) or "\n" in text:
        raise Decline  # an escape, or folded over lines
    return text, end + 1


def tail(line: str, end: int) -> None:
    """Check that only spaces, then maybe a `` # comment``, follow ``line[:end]``."""
    rest = line[end:]
    after = rest.lstrip(" ")
    if after and (after[0] != "#" or after == rest):
        raise Decline


def depth_change(row: str) -> int:
    """How many flow collections `row` opens minus how many it closes (a guess: brackets
    in quotes or comments count too; reading the joined lines decides)."""
    return row.count("[") + row.count("{") - row.count("]") - row.count("}")
