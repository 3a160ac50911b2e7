"""Safe YAML reading that remembers the file and line of every key and list item.

Only plain data is ever built: mappings, lists, strings, numbers, booleans, null and dates.
Any other tag (``!!python/object/apply:...``, ``!custom``, ``!!set``) is reported as a
problem and never constructed, so nothing in a scenario file can run code. Duplicate keys
are problems too (PyYAML would silently keep the last one).

Numbers follow YAML 1.2 where PyYAML's YAML 1.1 surprises users: ``1e3`` is a float, not
the string ``"1e3"``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from simulator.scenario.errors import Problem
from simulator.scenario.paths import KeyPath, LineMap, render_path
from simulator.scenario.yaml_syntax import syntax_problem

_TAG = "tag:yaml.org,2002:"
_MAP, _SEQ, _MERGE = _TAG + "map", _TAG + "seq", _TAG + "merge"
_PLAIN_SCALARS = frozenset(
    _TAG + name for name in ("str", "int", "float", "bool", "null", "timestamp")
)
_FLOAT = _TAG + "float"

MAX_VALUES = 200_000
"""Refuse documents that expand (through aliases) to more values than this."""


class SafeLineLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with YAML 1.2 floats; the data is built by :func:`parse_yaml`."""


SafeLineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _FLOAT]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SafeLineLoader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


class _Loader(Protocol):
    """What reading needs of a loader (PyYAML's pure Python one or its libyaml one)."""

    def get_single_node(self) -> Node | None: ...

    def construct_object(self, node: Node, deep: bool = False) -> Any: ...

    def dispose(self) -> None: ...


_CSafeLoader: type | None = getattr(yaml, "CSafeLoader", None)
FastLineLoader: Callable[[str], _Loader] | None = None
"""The same loader on libyaml's parser, when PyYAML was built with it: composing a large
catalogue is about ten times faster. A file it cannot parse is parsed again by the pure
Python loader, whose error messages are the ones users see."""
if _CSafeLoader is not None:  # pragma: no branch - PyYAML wheels ship with libyaml
    FastLineLoader = type(
        "FastLineLoader",
        (_CSafeLoader,),
        {"yaml_implicit_resolvers": SafeLineLoader.yaml_implicit_resolvers},
    )


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


def read_yaml_file(path: str | os.PathLike[str], shown: str) -> YamlDocument:
    """Read the YAML file `path`; problems name it `shown` (the name the user gave)."""
    doc = YamlDocument(data=None, fatal=True)
    target = Path(path)
    try:
        raw = target.read_bytes()
    except FileNotFoundError:
        doc.problems.append(Problem(shown, None, "", "no such file"))
        return doc
    except IsADirectoryError:
        doc.problems.append(Problem(shown, None, "", "is a directory, not a scenario file"))
        return doc
    except OSError as exc:
        doc.problems.append(Problem(shown, None, "", f"cannot read: {exc.strerror or exc}"))
        return doc
    if target.is_dir():  # pragma: no cover - read_bytes raises first on most systems
        doc.problems.append(Problem(shown, None, "", "is a directory, not a scenario file"))
        return doc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = f"not UTF-8 text (byte 0x{raw[exc.start]:02x})"
        doc.problems.append(Problem(shown, line, "", message))
        return doc
    return parse_yaml(text, shown)


def parse_yaml(text: str, shown: str) -> YamlDocument:
    """Parse `text` as one YAML document; problems and origins name the file `shown`."""
    doc = YamlDocument(data=None)
    loader, node = _fast_compose(text)
    try:
        if loader is None:
            loader = SafeLineLoader(text)
            try:
                node = loader.get_single_node()
            except yaml.MarkedYAMLError as exc:
                doc.problems.append(syntax_problem(exc, text, shown))
                doc.fatal = True
                return doc
            except yaml.YAMLError as exc:  # pragma: no cover - every YAML error we know is marked
                doc.problems.append(Problem(shown, None, "", f"invalid YAML: {exc}"))
                doc.fatal = True
                return doc
        if node is None:
            doc.problems.append(Problem(shown, 1, "", "the file is empty"))
            doc.fatal = True
            return doc
        builder = _Builder(loader, shown, doc)
        try:
            doc.data = builder.build(node, ())
        except _TooBig:
            doc.problems.append(
                Problem(shown, _line(node), "", f"aliases expand to more than {MAX_VALUES} values")
            )
            doc.fatal = True
            doc.data = None
    finally:
        if loader is not None:
            loader.dispose()
    return doc


def _fast_compose(text: str) -> tuple[_Loader | None, Node | None]:
    """The node tree from libyaml's parser, with its loader; (None, None) if it is not
    available or the text is not valid YAML (the pure Python loader then says why)."""
    if FastLineLoader is None:  # pragma: no cover - PyYAML wheels ship with libyaml
        return None, None
    loader = FastLineLoader(text)
    try:
        return loader, loader.get_single_node()
    except yaml.YAMLError:
        loader.dispose()
        return None, None


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


class _TooBig(Exception):
    pass


class _Builder:
    """Turns a composed YAML node tree into plain data, recording origins and problems."""

    def __init__(self, loader: _Loader, shown: str, doc: YamlDocument) -> None:
        self.loader = loader
        self.shown = shown
        self.doc = doc
        self.count = 0
        self.active: set[int] = set()

    def problem(self, node: Node, path: KeyPath, message: str) -> None:
        self.doc.problems.append(Problem(self.shown, _line(node), render_path(path), message))

    def build(self, node: Node, path: KeyPath) -> Any:
        if not path:
            self.doc.lines[()] = (self.shown, _line(node))
        self.count += 1
        if self.count > MAX_VALUES:
            raise _TooBig
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
        tag = _short_tag(node.tag)
        if tag.startswith("!!python/"):
            message = f"tag '{tag}' is not allowed: scenario files hold plain data only"
        else:
            message = f"tag '{tag}' is not supported: scenario files hold plain data only"
        self.problem(node, path, message)
        self.doc.suppressed.add(path)

    def scalar(self, node: ScalarNode, path: KeyPath) -> Any:
        if node.tag not in _PLAIN_SCALARS:
            self.refuse(node, path)
            return None
        try:
            return self.loader.construct_object(node, deep=True)
        except Exception as exc:  # a malformed !!int, !!timestamp, ...
            self.problem(node, path, f"cannot read {node.value!r} as {_short_tag(node.tag)}: {exc}")
            self.doc.suppressed.add(path)
            return None

    def sequence(self, node: SequenceNode, path: KeyPath) -> list[Any]:
        items: list[Any] = []
        for index, child in enumerate(node.value):
            child_path = (*path, index)
            self.doc.lines[child_path] = (self.shown, _line(child))
            items.append(self.build(child, child_path))
        return items

    def mapping(self, node: MappingNode, path: KeyPath) -> dict[Hashable, Any]:
        result: dict[Hashable, Any] = {}
        first_line: dict[Hashable, int] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merges.extend(
                    value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                )
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag not in _PLAIN_SCALARS:
                self.problem(key_node, path, "keys must be plain text")
                continue
            key = self.scalar(key_node, path)
            if not isinstance(key, Hashable):  # pragma: no cover - plain scalars are hashable
                continue
            child_path = (*path, key)
            if key in first_line:
                self.problem(
                    key_node, child_path, f"duplicate key (first at line {first_line[key]})"
                )
                self._forget(child_path)
            else:
                first_line[key] = _line(key_node)
            self.doc.lines[child_path] = (self.shown, _line(key_node))
            result[key] = self.build(value_node, child_path)
        for source in merges:
            self._merge_into(result, source, path)
        return result

    def _merge_into(self, result: dict[Hashable, Any], source: Node, path: KeyPath) -> None:
        """A YAML merge key (``<<: *defaults``): keys written here win over merged ones."""
        if not isinstance(source, MappingNode):
            self.problem(source, path, "a merge key (<<) needs a mapping or a list of mappings")
            return
        own = dict(self.doc.lines)
        data = self.build(source, path)
        merged_lines = self.doc.lines
        self.doc.lines = own
        if not isinstance(data, dict):
            return
        for key, value in data.items():
            if key in result:
                continue
            result[key] = value
            child = (*path, key)
            for p, origin in merged_lines.items():
                if p[: len(child)] == child:
                    self.doc.lines[p] = origin

    def _forget(self, path: KeyPath) -> None:
        for p in [p for p in self.doc.lines if p[: len(path)] == path]:
            del self.doc.lines[p]
