"""Plain data from a composed YAML node tree, with the line of every key and list item.

:class:`TreeReader` walks the nodes PyYAML composed (by libyaml's parser or the pure Python
one: the same node classes either way) and builds mappings, lists and scalars, checking on
the way what the composer lets through: tags other than plain data, keys that are not plain
text, duplicate keys, merge keys (``<<``) that merge something other than mappings, aliases
that hold themselves, nesting deeper than :data:`MAX_DEPTH` and aliases that expand the
document past its limit of values.

The walk is the hot path of reading a large catalogue (about 3.5 million nodes for 100,000
products), so the loops over a mapping's or a list's children read their scalar children in
place instead of through :meth:`TreeReader.build` (same checks, one call fewer per value).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, Protocol

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from simulator.scenario.errors import Problem
from simulator.scenario.paths import KeyPath, LineMap, render_path

TAG = "tag:yaml.org,2002:"
"""The prefix of YAML's own tags."""
_MAP, _SEQ, _MERGE, _STR = TAG + "map", TAG + "seq", TAG + "merge", TAG + "str"
PLAIN_SCALARS = frozenset(
    TAG + name for name in ("str", "int", "float", "bool", "null", "timestamp")
)
"""The scalar tags that are read; any other is refused."""

MAX_VALUES = 200_000
"""Refuse documents that expand (through aliases) to more values than this, or than the
text has characters, whichever is more (a file without aliases never reaches its length)."""

MAX_DEPTH = 64
"""The deepest nesting of mappings and lists accepted (a scenario needs about 8)."""

_MISSING = object()


class Constructor(Protocol):
    """What reading needs of a loader: building one scalar's value from its node."""

    def construct_object(self, node: Node, deep: bool = False) -> Any: ...


@dataclass
class YamlDocument:
    """Plain data read from YAML, where each key came from, and what was wrong."""

    data: Any
    """The document (None if it could not be read)."""
    lines: LineMap = field(default_factory=dict)
    """Origin of every key and list item, by path."""
    problems: list[Problem] = field(default_factory=list)
    """Problems found while reading."""
    fatal: bool = False
    """True when nothing usable was read (missing file, syntax error, empty document)."""
    suppressed: set[KeyPath] = field(default_factory=set)
    """Paths whose value was refused (a forbidden tag): later checks say nothing under them."""


class TooBig(Exception):
    """The document expands (through aliases) to more values than the reader's limit."""


class TooDeep(Exception):
    """A node nested deeper than :data:`MAX_DEPTH`."""

    def __init__(self, node: Node) -> None:
        super().__init__()
        self.node = node
        """The first node found too deep (its line is reported)."""


def line_of(node: Node) -> int:
    """The 1-based line a node starts on."""
    return int(node.start_mark.line) + 1


def short_tag(tag: str) -> str:
    """A tag as users write it (``!!python/object`` for YAML's own, else as given)."""
    return "!!" + tag[len(TAG) :] if tag.startswith(TAG) else tag


class TreeReader:
    """Turns a composed YAML node tree into plain data, recording origins and problems."""

    def __init__(
        self,
        loader: Constructor,
        shown: str,
        doc: YamlDocument,
        limit: int = MAX_VALUES,
        *,
        shared: bool = True,
    ) -> None:
        self.loader = loader
        self.shown = shown
        """The file name problems and origins carry."""
        self.doc = doc
        self.count = 0
        """Values read so far (an alias counts its values again each time it is used)."""
        self.limit = limit
        """How many values the document may expand to."""
        self.active: set[int] = set()
        """The mappings and lists being read (an alias to one of them holds itself)."""
        self.scalars: dict[tuple[str, str], Any] = {}
        """Scalars already read, by (tag, text): a catalogue repeats the same few."""
        self.shared = shared
        """Whether a node may be read twice (the text has aliases). If not, each mapping's
        and list's children are let go once read, so the data grows into the memory the
        tree frees (100,000 products peak at 1.9 GB instead of 2.2 GB)."""

    def problem(self, node: Node, path: KeyPath, message: str) -> None:
        self.doc.problems.append(Problem(self.shown, line_of(node), render_path(path), message))

    def build(self, node: Node, path: KeyPath) -> Any:
        """The plain data of `node`, found at `path`."""
        if not path:
            self.doc.lines[()] = (self.shown, line_of(node))
        self.count += 1
        if self.count > self.limit:
            raise TooBig
        if len(path) > MAX_DEPTH:
            raise TooDeep(node)
        if id(node) in self.active:
            self.problem(node, path, "an alias refers to the mapping or list that holds it")
            self.doc.suppressed.add(path)
            return None
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        expected = _MAP if isinstance(node, MappingNode) else _SEQ
        if node.tag != expected:
            self.refuse(node, path)
            return None
        self.active.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self.mapping(node, path)
            assert isinstance(node, SequenceNode)
            return self.sequence(node, path)
        finally:
            self.active.discard(id(node))

    def refuse(self, node: Node, path: KeyPath) -> None:
        tag = short_tag(node.tag)
        if tag.startswith("!!python/"):
            message = f"tag '{tag}' is not allowed: scenario files hold plain data only"
        else:
            message = f"tag '{tag}' is not supported: scenario files hold plain data only"
        self.problem(node, path, message)
        self.doc.suppressed.add(path)

    def scalar(self, node: ScalarNode, path: KeyPath) -> Any:
        """A scalar's value (None, with a problem, for a refused tag or unreadable text)."""
        tag = node.tag
        if tag not in PLAIN_SCALARS:
            self.refuse(node, path)
            return None
        key = (tag, node.value)
        value = self.scalars.get(key, _MISSING)
        if value is not _MISSING:
            return value
        try:
            value = self.scalars[key] = self.loader.construct_object(node, deep=True)
            return value
        except Exception as exc:  # a malformed !!int, !!timestamp, ...
            shown = node.value if len(node.value) <= 40 else node.value[:36] + "..."
            why = str(exc)
            if len(node.value) > 4000 and tag == TAG + "int":
                why = f"{len(node.value)} digits is too long"
            self.problem(node, path, f"cannot read {shown!r} as {short_tag(tag)}: {why}")
            self.doc.suppressed.add(path)
            return None

    def _leaf(self, node: ScalarNode, path: KeyPath, depth: int) -> Any:
        """A scalar child at `depth`, with :meth:`build`'s checks (the slow case of the loops
        below, which read plain strings themselves)."""
        self.count += 1
        if self.count > self.limit:
            raise TooBig
        if depth > MAX_DEPTH:
            raise TooDeep(node)
        return self.scalar(node, path)

    def sequence(self, node: SequenceNode, path: KeyPath) -> list[Any]:
        items: list[Any] = []
        lines, shown, depth = self.doc.lines, self.shown, len(path) + 1
        for index, child in enumerate(node.value):
            child_path = (*path, index)
            lines[child_path] = (shown, child.start_mark.line + 1)
            if type(child) is ScalarNode:
                if child.tag == _STR and self.count < self.limit and depth <= MAX_DEPTH:
                    self.count += 1  # the common case of _leaf, in place
                    items.append(child.value)
                else:
                    items.append(self._leaf(child, child_path, depth))
            else:
                items.append(self.build(child, child_path))
        if not self.shared:
            node.value = []
        return items

    def mapping(self, node: MappingNode, path: KeyPath) -> dict[Hashable, Any]:
        result: dict[Hashable, Any] = {}
        lines, shown, depth = self.doc.lines, self.shown, len(path) + 1
        merges: list[Node] = []
        first_lines: dict[Hashable, int] = {}
        """The first line of each key written twice (found in `lines` at the second)."""
        for key_node, value_node in node.value:
            tag = key_node.tag
            if tag == _STR and type(key_node) is ScalarNode:
                key: Hashable = key_node.value
            elif tag == _MERGE:
                merges.extend(
                    value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                )
                continue
            elif not isinstance(key_node, ScalarNode) or tag not in PLAIN_SCALARS:
                self.problem(key_node, path, "keys must be plain text")
                continue
            else:
                key = self.scalar(key_node, path)
                if not isinstance(key, Hashable):  # pragma: no cover - scalars are hashable
                    continue
            child_path = (*path, key)
            if key in result:
                first = first_lines.setdefault(key, lines[child_path][1] or 0)
                self.problem(key_node, child_path, f"duplicate key (first at line {first})")
                _forget(lines, child_path)
            lines[child_path] = (shown, key_node.start_mark.line + 1)
            if type(value_node) is ScalarNode:
                if value_node.tag == _STR and self.count < self.limit and depth <= MAX_DEPTH:
                    self.count += 1  # the common case of _leaf, in place
                    result[key] = value_node.value
                else:
                    result[key] = self._leaf(value_node, child_path, depth)
            else:
                result[key] = self.build(value_node, child_path)
        for source in merges:
            self._merge_into(result, source, path)
        if not self.shared:
            node.value = []
        return result

    def _merge_into(self, result: dict[Hashable, Any], source: Node, path: KeyPath) -> None:
        """A YAML merge key (``<<: *defaults``): keys written here win over merged ones."""
        if not isinstance(source, MappingNode):
            self.problem(source, path, "a merge key (<<) needs a mapping or a list of mappings")
            return
        own = self.doc.lines
        self.doc.lines = {}  # the merged mapping's own origins, kept apart (linear time)
        try:
            data = self.build(source, path)
        finally:
            merged_lines, self.doc.lines = self.doc.lines, own
        if not isinstance(data, dict):
            return
        taken = set()
        for key, value in data.items():
            if key in result:
                continue
            result[key] = value
            taken.add(key)
        depth = len(path)
        for p, origin in merged_lines.items():
            if len(p) > depth and p[depth] in taken:
                own[p] = origin


def _forget(lines: LineMap, path: KeyPath) -> None:
    """Drop the origin of a duplicate key's first value (the key's line is written again for
    the second). Lines inside that value stay: the file is refused for the duplicate anyway,
    and removing them would cost a pass over every line per duplicate."""
    lines.pop(path, None)
