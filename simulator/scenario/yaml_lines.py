"""Safe YAML reading that remembers the file and line of every key and list item.

Only plain data is ever built: mappings, lists, strings, numbers, booleans, null and dates.
Any other tag (``!!python/object/apply:...``, ``!custom``, ``!!set``) is reported as a
problem and never constructed, so nothing in a scenario file can run code. Duplicate keys
are problems too (PyYAML would silently keep the last one).

Numbers follow YAML 1.2 where PyYAML's YAML 1.1 surprises users: ``1e3`` is a float, not
the string ``"1e3"``.
"""

from __future__ import annotations

import operator
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import yaml
from yaml.nodes import Node

from simulator.collector import paused_gc
from simulator.file_kinds import special_file_kind
from simulator.scenario.errors import Problem
from simulator.scenario.yaml_plain import read_plain
from simulator.scenario.yaml_syntax import syntax_problem
from simulator.scenario.yaml_tree import (
    MAX_DEPTH,
    MAX_VALUES,
    TAG,
    TooBig,
    TooDeep,
    TreeReader,
    YamlDocument,
    line_of,
)

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_VALUES",
    "YamlDocument",
    "control_problems",
    "parse_yaml",
    "read_yaml_file",
]

_FLOAT = TAG + "float"

MAX_FILE_BYTES = 64 * 1024 * 1024
"""The largest scenario file read (64 MiB: about 180,000 products written out in full)."""

MAX_CONTROL_REPORTS = 10
"""Control characters reported per file (the first ones; one is enough to refuse it)."""

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
"""Characters YAML does not allow in a document (C0 and C1 controls but tab, line feed,
carriage return and NEL; surrogates; U+FFFE and U+FFFF)."""


class _QuickResolver(yaml.resolver.Resolver):
    """PyYAML's resolver without its Python work per node.

    Both composers (libyaml's too) call ``descend_resolver`` and ``ascend_resolver``
    around every node, for path resolvers, which are never registered here: a C function
    that ignores its arguments stands in for each (one Python call fewer per node). With no
    path resolvers, a node's tag depends only on (kind, text, implicit), so ``resolve``
    remembers each answer for the document (a catalogue repeats the same few values).
    """

    descend_resolver = staticmethod(operator.is_)  # type: ignore[assignment]
    ascend_resolver = staticmethod(tuple)  # type: ignore[assignment]

    def __init__(self, stream: str) -> None:
        self._resolved: dict[tuple[Any, ...], str] = {}
        """Tags found so far, by (kind, text, implicit)."""
        super().__init__(stream)  # type: ignore[call-arg]

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        """The tag of a node of `kind` written as `value` (see ``BaseResolver.resolve``)."""
        key = (kind, value, implicit)
        tag = self._resolved.get(key)
        if tag is None:
            tag = self._resolved[key] = super().resolve(kind, value, implicit)
        return tag


class SafeLineLoader(_QuickResolver, yaml.SafeLoader):
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
        (_QuickResolver, _CSafeLoader),
        {"yaml_implicit_resolvers": SafeLineLoader.yaml_implicit_resolvers},
    )


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


def unreadable_reason(path: str | os.PathLike[str]) -> str | None:
    """Why `path` is not read as a scenario file (a system file, not a regular file, too
    large), or None. The check :func:`read_yaml_file` makes on the open file, made ahead
    so that ``extends:`` can name the file and line of the key that points there; the read
    still checks again (a file swapped in between is caught there)."""
    problem = _system_file(path)
    if problem is not None:
        return problem
    try:
        info = os.stat(path)
    except OSError:
        return None  # the read says what is wrong, with the system's words
    return _status_problem(info, regular_only=True)


def _system_file(path: str | os.PathLike[str]) -> str | None:
    """Why `path` (links followed) is not read: it is under ``/proc``, ``/sys`` or ``/dev``."""
    resolved = os.path.realpath(path)
    for tree in _SYSTEM_TREES:
        if resolved == tree or resolved.startswith(tree + "/"):
            return f"is a system file under {tree}, not a scenario file"
    return None


def _status_problem(info: os.stat_result, regular_only: bool) -> str | None:
    """Why a file of status `info` (not a directory: callers say so in their own words) is
    not read: not a regular file (with `regular_only`), or larger than the limit."""
    if regular_only and not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):
        return f"is {special_file_kind(info.st_mode) or 'not a regular file'}, not a regular file"
    if stat.S_ISREG(info.st_mode) and info.st_size > MAX_FILE_BYTES:
        return _too_large(info.st_size)
    return None


class _NotReadable(Exception):
    """A path that is not read (not a regular file, too large); the message says why."""


_SYSTEM_TREES = ("/proc", "/sys", "/dev")


def _read_limited(target: Path, regular_only: bool) -> bytes:
    """The bytes of `target`, at most :data:`MAX_FILE_BYTES` (else :class:`_NotReadable`).

    The file is opened without blocking and checked on the open descriptor, so a FIFO put
    in its place between a check and the read cannot block the reader.
    """
    if regular_only:
        problem = _system_file(target)
        if problem is not None:
            raise _NotReadable(problem)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(target, flags)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(target)
        problem = _status_problem(info, regular_only)
        if problem is not None:
            raise _NotReadable(problem)
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


def parse_yaml(text: str, shown: str, *, plain: bool = True) -> YamlDocument:
    """Parse `text` as one YAML document; problems and origins name the file `shown`.

    Text in the common subset :func:`~simulator.scenario.yaml_plain.read_plain` reads is
    read by it, without a node tree (same data, same lines); ``plain=False`` always takes
    the full path (for tests that compare the two)."""
    doc = YamlDocument(data=None)
    controls = control_problems(text, shown)
    if controls:
        doc.problems.extend(controls)
        doc.fatal = True
        return doc
    with paused_gc():  # a large catalogue makes millions of objects and no cycles
        try:
            return _parse(text, shown, doc, plain)
        except RecursionError:
            doc.problems = [Problem(shown, _too_deep_line(text), "", TOO_DEEP)]
            doc.fatal = True
            doc.data = None
            return doc


def _parse(text: str, shown: str, doc: YamlDocument, plain: bool) -> YamlDocument:
    read = read_plain(text, shown, SafeLineLoader("")) if plain else None
    if read is not None:  # the common subset, read without a node tree
        doc.data, doc.lines = read
        return doc
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
        builder = TreeReader(
            loader, shown, doc, limit=max(MAX_VALUES, len(text)), shared="*" in text
        )
        try:
            doc.data = builder.build(node, ())
        except TooDeep as exc:
            doc.problems.append(Problem(shown, line_of(exc.node), "", TOO_DEEP))
            doc.fatal = True
            doc.data = None
        except TooBig:
            doc.problems.append(
                Problem(
                    shown, line_of(node), "", f"aliases expand to more than {builder.limit} values"
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
