"""Safe YAML reading that remembers the file and line of every key and list item.

Only plain data is ever built: mappings, lists, strings, numbers, booleans, null and dates.
Any other tag (``!!python/object/apply:...``, ``!custom``, ``!!set``) is reported as a
problem and never constructed, so nothing in a scenario file can run code. Duplicate keys
are problems too (PyYAML would silently keep the last one).

Numbers follow YAML 1.2 where PyYAML's YAML 1.1 surprises users: ``1e3`` is a float, not
the string ``"1e3"``.
"""

from __future__ import annotations

import gc
import os
import re
import stat
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
"""Refuse documents that expand (through aliases) to more values than this, or than the
text has characters, whichever is more (a file without aliases never reaches its length)."""

MAX_FILE_BYTES = 64 * 1024 * 1024
"""The largest scenario file read (64 MiB: about 180,000 products written out in full)."""

MAX_DEPTH = 64
"""The deepest nesting of mappings and lists accepted (a scenario needs about 8)."""

MAX_CONTROL_REPORTS = 10
"""Control characters reported per file (the first ones; one is enough to refuse it)."""

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
"""Characters YAML does not allow in a document (C0 and C1 controls but tab, line feed,
carriage return and NEL; surrogates; U+FFFE and U+FFFF)."""


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


def read_yaml_file(
    path: str | os.PathLike[str], shown: str, *, regular_only: bool = False
) -> YamlDocument:
    """Read the YAML file `path`; problems name it `shown` (the name the user gave).

    At most :data:`MAX_FILE_BYTES` are read. With `regular_only` (the loader always asks
    for it), only a regular file is read: never a FIFO (which would block), a device
    (``/dev/zero`` never ends) or a file under ``/proc``, ``/sys`` or ``/dev``.
    """
    doc = YamlDocument(data=None, fatal=True)
    target = Path(path)
    try:
        raw = _read_limited(target, regular_only)
    except _NotReadable as exc:
        doc.problems.append(Problem(shown, None, "", str(exc)))
        return doc
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


class _NotReadable(Exception):
    """A path that is not read (not a regular file, too large); the message says why."""


_SYSTEM_TREES = ("/proc", "/sys", "/dev")


def _read_limited(target: Path, regular_only: bool) -> bytes:
    """The bytes of `target`, at most :data:`MAX_FILE_BYTES` (else :class:`_NotReadable`).

    The file is opened without blocking and checked on the open descriptor, so a FIFO put
    in its place between a check and the read cannot block the reader.
    """
    if regular_only:
        resolved = os.path.realpath(target)
        for tree in _SYSTEM_TREES:
            if resolved == tree or resolved.startswith(tree + "/"):
                raise _NotReadable(f"is a system file under {tree}, not a scenario file")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(target, flags)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(target)
        if regular_only and not stat.S_ISREG(info.st_mode):
            raise _NotReadable(f"is {_kind(info.st_mode)}, not a regular file")
        if stat.S_ISREG(info.st_mode) and info.st_size > MAX_FILE_BYTES:
            raise _NotReadable(_too_large(info.st_size))
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, min(1 << 20, MAX_FILE_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise _NotReadable(_too_large(size, more=True))
        return b"".join(chunks)
    finally:
        os.close(fd)


def _too_large(size: int, more: bool = False) -> str:
    limit = MAX_FILE_BYTES // (1024 * 1024)
    got = "more than that" if more else f"{size / (1024 * 1024):.1f} MiB"
    return f"the file is too large: at most {limit} MiB is read, got {got}"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def control_problems(text: str, shown: str) -> list[Problem]:
    """``FILE:LINE:COL: control character U+0001 not allowed`` for the first control
    characters in `text` (YAML refuses them; one is enough to refuse the file)."""
    problems: list[Problem] = []
    for match in _CONTROL.finditer(text):
        start = match.start()
        line = text.count("\n", 0, start) + 1
        column = start - (text.rfind("\n", 0, start) + 1) + 1
        message = f"control character U+{ord(match.group()):04X} not allowed"
        problems.append(Problem(shown, line, "", message, column=column))
        if len(problems) >= MAX_CONTROL_REPORTS:
            break
    return problems


def _too_deep_line(text: str) -> int | None:
    """The first line nested deeper than :data:`MAX_DEPTH`, by brackets or indentation (a
    rough reading, for the message only); None if no line looks that deep."""
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        indent = len(line) - len(line.lstrip(" "))
        for char in line:
            if char in "[{":
                depth += 1
            elif char in "]}":
                depth -= 1
            if depth > MAX_DEPTH:
                return number
        if indent > 2 * MAX_DEPTH:
            return number
    return None


TOO_DEEP = f"nested too deeply (at most {MAX_DEPTH} levels of mappings and lists)"


def parse_yaml(text: str, shown: str) -> YamlDocument:
    """Parse `text` as one YAML document; problems and origins name the file `shown`."""
    doc = YamlDocument(data=None)
    controls = control_problems(text, shown)
    if controls:
        doc.problems.extend(controls)
        doc.fatal = True
        return doc
    collecting = gc.isenabled()
    gc.disable()  # a large catalogue makes millions of objects and no cycles
    try:
        return _parse(text, shown, doc)
    except RecursionError:
        doc.problems = [Problem(shown, _too_deep_line(text), "", TOO_DEEP)]
        doc.fatal = True
        doc.data = None
        return doc
    finally:
        if collecting:
            gc.enable()


def _parse(text: str, shown: str, doc: YamlDocument) -> YamlDocument:
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
        builder = _Builder(loader, shown, doc, limit=max(MAX_VALUES, len(text)))
        try:
            doc.data = builder.build(node, ())
        except _TooDeep as exc:
            doc.problems.append(Problem(shown, _line(exc.node), "", TOO_DEEP))
            doc.fatal = True
            doc.data = None
        except _TooBig:
            doc.problems.append(
                Problem(
                    shown, _line(node), "", f"aliases expand to more than {builder.limit} values"
                )
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


class _TooDeep(Exception):
    def __init__(self, node: Node) -> None:
        super().__init__()
        self.node = node


class _Builder:
    """Turns a composed YAML node tree into plain data, recording origins and problems."""

    def __init__(
        self, loader: _Loader, shown: str, doc: YamlDocument, limit: int = MAX_VALUES
    ) -> None:
        self.loader = loader
        self.shown = shown
        self.doc = doc
        self.count = 0
        self.limit = limit
        """How many values the document may expand to."""
        self.active: set[int] = set()
        self.scalars: dict[tuple[str, str], Any] = {}
        """Scalars already read, by (tag, text): a catalogue repeats the same few."""

    def problem(self, node: Node, path: KeyPath, message: str) -> None:
        self.doc.problems.append(Problem(self.shown, _line(node), render_path(path), message))

    def build(self, node: Node, path: KeyPath) -> Any:
        if not path:
            self.doc.lines[()] = (self.shown, _line(node))
        self.count += 1
        if self.count > self.limit:
            raise _TooBig
        if len(path) > MAX_DEPTH:
            raise _TooDeep(node)
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
        key = (node.tag, node.value)
        if key in self.scalars:
            return self.scalars[key]
        try:
            value = self.scalars[key] = self.loader.construct_object(node, deep=True)
            return value
        except Exception as exc:  # a malformed !!int, !!timestamp, ...
            shown = node.value if len(node.value) <= 40 else node.value[:36] + "..."
            why = str(exc)
            if len(node.value) > 4000 and node.tag == _TAG + "int":
                why = f"{len(node.value)} digits is too long"
            self.problem(node, path, f"cannot read {shown!r} as {_short_tag(node.tag)}: {why}")
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

    def _forget(self, path: KeyPath) -> None:
        """Drop the origin of a duplicate key's first value (the key's line is written again
        for the second). Lines inside that value stay: the file is refused for the duplicate
        anyway, and removing them would cost a pass over every line per duplicate."""
        self.doc.lines.pop(path, None)
