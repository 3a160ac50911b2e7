"""The fast reader of plain block YAML (simulator/scenario/yaml_plain.py) against the full
path (libyaml's composer and TreeReader): on every text it either declines (None) or gives
exactly the full path's data (same types, same key order) and line map, and the full path
finds no problem in it.

Checked on every bundled scenario, test data file and YAML block of the docs, on a
generated catalogue, on Hypothesis-generated documents of the subset (which it must not
decline) and of a wider grammar, and on random mutations of all of them (characters
inserted, deleted or replaced, lines re-indented, doubled or swapped).
"""

from __future__ import annotations

import importlib.util
import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis_profiles import examples
from yaml.nodes import ScalarNode

from simulator.scenario import yaml_lines
from simulator.scenario.paths import LazyLineMap
from simulator.scenario.yaml_lines import SafeLineLoader, parse_yaml
from simulator.scenario.yaml_plain import read_plain

RESOLVER = SafeLineLoader("")
STR = "tag:yaml.org,2002:str"
ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted((ROOT / "scenarios").glob("*.yaml"))
DATA_FILES = sorted((ROOT / "tests" / "data").rglob("*.yaml"))
FENCE = re.compile(r"^```yaml\s*$")
SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large]


def docs_yaml_blocks() -> list[tuple[str, str]]:
    """(page:line, text) of every ``yaml`` block in docs/."""
    found = []
    for page in sorted((ROOT / "docs").rglob("*.md")):
        lines = page.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            if FENCE.match(line):
                body = []
                for inner in lines[number + 1 :]:
                    if inner.rstrip() == "```":
                        break
                    body.append(inner)
                found.append((f"{page.relative_to(ROOT)}:{number + 1}", "\n".join(body) + "\n"))
    return found


DOCS_BLOCKS = docs_yaml_blocks()


def same(a: Any, b: Any) -> bool:
    """Equal data of the same types, mappings in the same key order (NaN equals NaN, and
    -0.0 is not 0.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        return repr(a) == repr(b) or (math.isnan(a) and math.isnan(b))
    return bool(a == b)


def compare(text: str) -> bool:
    """Check the fast reader on `text` against the full path; whether it read it."""
    fast = read_plain(text, "f.yaml", SafeLineLoader(""))
    eager = read_plain(text, "f.yaml", SafeLineLoader(""), lazy=False)
    if fast is None:
        assert eager is None
        return False
    assert eager is not None
    data, lines = fast
    assert isinstance(lines, LazyLineMap) and not lines.built
    assert same(data, eager[0])
    full = parse_yaml(text, "f.yaml", plain=False)
    assert full.problems == [], f"read a text the full path refuses:\n{text}"
    assert not full.fatal and not full.suppressed
    assert same(data, full.data), f"{data!r}\n!=\n{full.data!r}\nfor:\n{text}"
    assert lines == full.lines, (
        f"lines differ at {sorted(set(lines.items()) ^ set(full.lines.items()), key=str)[:4]}"
        f" for:\n{text}"
    )
    assert lines.built
    assert list(lines) == list(full.lines)
    assert list(eager[1].items()) == list(full.lines.items())
    return True


# -- the files we ship and document ------------------------------------------------------------


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_scenarios_are_read_fast_and_the_same(path: Path) -> None:
    assert compare(path.read_text(encoding="utf-8")), f"{path.name} declined"


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: str(p.relative_to(ROOT / "tests")))
def test_test_data_files_are_read_the_same_or_declined(path: Path) -> None:
    compare(path.read_text(encoding="utf-8"))


def test_docs_yaml_blocks_are_read_the_same_or_declined() -> None:
    assert DOCS_BLOCKS
    read = [where for where, text in DOCS_BLOCKS if compare(text)]
    assert len(read) >= len(DOCS_BLOCKS) // 2, "most documented examples should be read fast"


def load_benchmark() -> Any:
    spec = importlib.util.spec_from_file_location(
        "catalogue_load", ROOT / "benchmarks" / "catalogue_load.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_catalogue_is_read_fast_and_the_same(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.yaml"
    load_benchmark().write_catalogue(path, 40)
    assert compare(path.read_text())


def test_parse_yaml_uses_the_fast_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """parse_yaml takes the fast path on the subset, and the full path when it declines."""
    calls: list[bool] = []

    def spy(*args: Any) -> Any:
        found = read_plain(*args)
        calls.append(found is not None)
        return found

    monkeypatch.setattr(yaml_lines, "read_plain", spy)
    assert parse_yaml("a: 1\nb: [x, y]\n", "f").data == {"a": 1, "b": ["x", "y"]}
    assert parse_yaml("a: &x 1\nb: *x\n", "f").data == {"a": 1, "b": 1}
    assert calls == [True, False]
    assert parse_yaml("a: 1\n", "f", plain=False).data == {"a": 1}
    assert len(calls) == 2


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",  # duplicate key
        "a: &x 1\nb: *x\n",  # anchor, alias
        "a: !!str 1\n",  # tag
        "a: |\n  x\n",  # block scalar
        "? a\n: 1\n",  # complex key
        "<<: {a: 1}\n",  # merge key
        "a: b\n  c\n",  # multi-line plain scalar
        "a: [1,\n2]\n",  # flow over lines, less indented
        "a: 1\n...\n",  # document end
        "%YAML 1.1\n---\na: 1\n",  # directive
        "a: 1\n---\nb: 2\n",  # second document
        "1: a\n",  # key not a string
        "yes: a\n",
        "a:b: c\n",  # key holding ':'
        "a#: 1\n",
        "a: b: c\n",
        "a:\tb\n",  # tab
        "a: 1\r\n",  # carriage return
        "a: x\x85y\n",  # NEL
        "a: 'it''s'\n",  # escape
        'a: "x\\ny"\n',
        "a:\n  - - x\n",  # compact nested list
        "a: 1\n b: 2\n",  # bad indentation
        "a:\n    b: 1\n  c: 2\n",
        "",  # empty
        "# only a comment\n",
        "42\n",  # top-level scalar
        "[1, 2]\n",  # top-level flow
        "a: [1, 2,]\n",  # trailing comma
        "a: ['x\n  y']\n",  # a quoted scalar folded over lines
        "a: [x\n  y]\n",  # a plain one
        "a: [x,\ny]\n",  # a flow's next line not indented
        "a: {b}\n",
    ],
)
def test_texts_outside_the_subset_are_declined(text: str) -> None:
    assert not compare(text)


def test_deep_nesting_is_declined() -> None:
    deep = "".join(" " * i + f"k{i}:\n" for i in range(70)) + " " * 70 + "x: 1\n"
    assert not compare(deep)
    flow = "a: " + "[" * 70 + "]" * 70 + "\n"
    assert not compare(flow)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb:\n- x\n- y\nc: 2\n",  # a list at its key's indent
        "- a: 1\n  b:\n  - x\n  c: 2\n-\n- \n",
        "-\n  a: 1\n-\n-   x: [1, {y: z}]\n    w: ~\n",
        "# head\n---\na: 1 # note\nb: 'q #x' # c\n",
        "a:\n  # a comment before the block\n\n  b: 1\n",
        "  a: 1\n  b:\n",  # a mapping indented as a whole, a last null
        "a: {b: [1,\n     2], # here\n   c: d}\nz: 1\n",  # a flow over lines
        "a: [yes, No, on, ~, null, 0x1f, 0o17, 017, 1_000, 1e3, .5, -.inf, .NaN, 2024-01-02]\n",
        "a: 190:20:30\nb: 2024-01-02 10:00:00\nc: -x\nd: a:b\ne: é ü\nf: it's\n",
    ],
)
def test_texts_in_the_subset_are_read_the_same(text: str) -> None:
    assert compare(text)


# -- generated documents -----------------------------------------------------------------------

SAFE_KEYS = ["a", "b", "name", "price", "sku 1", "x-y", "_k", "a.b", "é", "K2", "on_hand"]
ODD_KEYS = ["1", "yes", "null", "~", "<<", "=", "a:b", "k#", "-k", "'q'", '"d"', "a ", "?"]
SAFE_SCALARS = [
    "1", "-2", "+3", "0", "007", "0x1f", "0o17", "0b101", "1_000", "190:20:30", "1.5", ".5",
    "1e3", "-1.5e-3", "1.", ".inf", "-.Inf", ".nan", "yes", "No", "ON", "off", "true", "False",
    "y", "n", "~", "null", "Null", "2024-01-02", "2024-01-02 10:00:00", "2024-1-2T1:02:03Z",
    "x", "two words", "-x", "a:b", "it's", "é", "a,b", "x]", "'q'", '"dq"', "''", "'a #b'",
    "'1'", '"yes"', "1:2", "0.", "+.5", "12:30", "1__2", "0x_1", "x-", "a.b",
]  # fmt: skip
ODD_SCALARS = [
    "&a x", "*a", "!t x", "|", ">", "? x", "@x", "`x", "%x", "a: b", "x #", "#x", "[x", "{x",
    "'x", '"x\\n"', "'it''s'", "- x", "=", "<<", "0o8", "2024-13-01", "1e", ":x", "x:",
    "x ]", "a\tb", "1\r", "-",
]  # fmt: skip
FLOW_SAFE = ["1", "x", "two words", "yes", "~", "1.5", "-1", "'q'", '"dq"', "2024-01-02", "é"]


@st.composite
def flow(draw: st.DrawFn, scalars: list[str], keys: list[str], depth: int = 0) -> str:
    """A one-line flow collection."""
    size = draw(st.integers(0, 3))

    def item() -> str:
        if depth < 2 and draw(st.integers(0, 4)) == 0:
            return draw(flow(scalars, keys, depth + 1))
        return draw(st.sampled_from(scalars))

    gap = draw(st.sampled_from([", ", ",", " , "]))
    if draw(st.booleans()):
        names = draw(st.lists(st.sampled_from(keys), unique=True))
        return "{" + gap.join(f"{k}: {item()}" for k in names[:size]) + "}"
    return "[" + gap.join(item() for _ in range(size)) + "]"


class Writer:
    """Renders random documents as block YAML, line by line."""

    def __init__(self, draw: st.DrawFn, clean: bool) -> None:
        self.draw = draw
        self.clean = clean
        self.lines: list[str] = []
        keys = SAFE_KEYS if clean else SAFE_KEYS + ODD_KEYS
        scalars = SAFE_SCALARS if clean else SAFE_SCALARS + ODD_SCALARS
        words = st.from_regex(r"[a-z][a-z0-9_ ]{0,5}[a-z]", fullmatch=True)
        if clean:  # keys that read as strings (not no:, on:, null:)
            words = words.filter(
                lambda word: RESOLVER.resolve(ScalarNode, word, (True, False)) == STR
            )
        self.keys = st.sampled_from(keys) | words
        self.scalars = st.sampled_from(scalars)
        if not clean:
            self.scalars |= st.text(st.sampled_from("ab1 :-#'\"[]{},.&*!|>?%@`~é"), max_size=5)
        self.flow_scalars = FLOW_SAFE if clean else FLOW_SAFE + ODD_SCALARS[:8]
        self.flow_keys = SAFE_KEYS if clean else [*SAFE_KEYS, "1", "yes", "a:b", "'q'", "x y "]

    def extra(self) -> None:
        """Maybe a blank or comment line."""
        choice = self.draw(st.integers(0, 9))
        if choice == 0:
            self.lines.append("")
        elif choice == 1:
            self.lines.append(" " * self.draw(st.integers(0, 6)) + "# a comment")

    def comment(self) -> str:
        return " # note" if self.draw(st.integers(0, 5)) == 0 else ""

    def value(self, prefix: str, indent: int, depth: int, in_map: bool) -> None:
        """The value after `prefix` (``key:`` or ``-``), nested blocks deeper than
        `indent`."""
        draw = self.draw
        kind = draw(st.sampled_from(["scalar"] * 4 + ["flow", "map", "list", "null"]))
        if depth > 4 and kind in ("map", "list"):
            kind = "scalar"
        if kind == "scalar":
            self.lines.append(f"{prefix} {draw(self.scalars)}{self.comment()}")
        elif kind == "flow":
            written = draw(flow(self.flow_scalars, self.flow_keys))
            if draw(st.integers(0, 3)) == 0:  # over several lines, each indented more
                parts = written.split(", ")
                written = parts[0]
                for part in parts[1:]:
                    more = draw(st.integers(1, 4))
                    comment = " # c" if draw(st.integers(0, 4)) == 0 else ""
                    written += "," + comment + "\n" + " " * (indent + more) + part
            self.lines.append(f"{prefix} {written}{self.comment()}")
        elif kind == "null":
            self.lines.append(prefix + self.comment())
        elif kind == "map" and not in_map and draw(st.booleans()):
            self.mapping(indent + draw(st.integers(2, 4)), depth + 1, dash=(prefix, indent))
        else:
            self.lines.append(prefix + self.comment())
            self.extra()
            step = draw(st.integers(0 if kind == "list" and in_map else 1, 3))
            if kind == "map":
                self.mapping(indent + max(step, 1), depth + 1)
            else:
                self.sequence(indent + step, depth + 1)

    def mapping(self, indent: int, depth: int, dash: tuple[str, int] | None = None) -> None:
        keys = self.draw(st.lists(self.keys, min_size=1, max_size=4, unique=not self.clean))
        if self.clean:
            keys = list(dict.fromkeys(keys))
        for index, key in enumerate(keys):
            prefix = " " * indent + key + ":"
            if index == 0 and dash is not None:  # "- key: ..." on the dash's line
                head, _ = dash
                prefix = head + " " * (indent - len(head)) + key + ":"
            self.value(prefix, indent, depth, in_map=True)
            self.extra()

    def sequence(self, indent: int, depth: int) -> None:
        for _ in range(self.draw(st.integers(1, 4))):
            self.value(" " * indent + "-", indent, depth, in_map=False)
            self.extra()


@st.composite
def documents(draw: st.DrawFn, clean: bool) -> str:
    writer = Writer(draw, clean)
    if draw(st.integers(0, 4)) == 0:
        writer.lines.append("---")
    if draw(st.integers(0, 4)) == 0:
        writer.sequence(draw(st.integers(0, 2)), 0)
    else:
        writer.mapping(draw(st.integers(0, 2)), 0)
    return "\n".join(writer.lines) + draw(st.sampled_from(["\n", "", "\n\n", "\n# end\n"]))


MUTATION_CHARS = " \n:-#'\"[]{},&*!|>?%@`~\t\r\x85\x01ax1é"


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """`text` with a few random edits."""
    for _ in range(draw(st.integers(1, 3))):
        lines = text.split("\n")
        op = draw(st.sampled_from(["insert", "delete", "replace", "indent", "double", "swap"]))
        if op in ("insert", "delete", "replace") and text:
            at = draw(st.integers(0, len(text) - 1))
            char = draw(st.sampled_from(MUTATION_CHARS))
            keep = text[at + 1 :] if op != "insert" else text[at:]
            text = text[:at] + ("" if op == "delete" else char) + keep
        elif lines:
            row = draw(st.integers(0, len(lines) - 1))
            if op == "indent":
                change = draw(st.sampled_from([-2, -1, 1, 2]))
                line = lines[row]
                lines[row] = line[-change:] if change < 0 else " " * change + line
            elif op == "double":
                lines.insert(row, lines[row])
            elif row + 1 < len(lines):
                lines[row], lines[row + 1] = lines[row + 1], lines[row]
            text = "\n".join(lines)
    return text


@settings(max_examples=examples(400), deadline=None, suppress_health_check=SLOW)
@given(documents(clean=True))
def test_documents_of_the_subset_are_read_and_the_same(text: str) -> None:
    assert compare(text), f"declined a document of the subset:\n{text}"


@settings(max_examples=examples(400), deadline=None, suppress_health_check=SLOW)
@given(documents(clean=False))
def test_wider_documents_are_read_the_same_or_declined(text: str) -> None:
    event("read" if compare(text) else "declined")


@settings(max_examples=examples(500), deadline=None, suppress_health_check=SLOW)
@given(st.data())
def test_mutated_documents_are_read_the_same_or_declined(data: st.DataObject) -> None:
    text = data.draw(documents(clean=data.draw(st.booleans())))
    event("read" if compare(data.draw(mutated(text))) else "declined")


@settings(max_examples=examples(300), deadline=None, suppress_health_check=SLOW)
@given(st.sampled_from(BUNDLED + DATA_FILES), st.data())
def test_mutated_files_are_read_the_same_or_declined(path: Path, data: st.DataObject) -> None:
    event("read" if compare(data.draw(mutated(path.read_text(encoding="utf-8")))) else "declined")


# -- the lazy line map on a load -------------------------------------------------------------


def test_loading_a_valid_catalogue_builds_no_line_map(tmp_path: Path) -> None:
    """The line map of a file read fast is built only when something needs a line: a valid
    catalogue needs none (that saves most of reading a large one)."""
    from simulator.scenario import load_scenario

    path = tmp_path / "catalogue.yaml"
    load_benchmark().write_catalogue(path, 40)
    loaded = load_scenario(path)
    assert isinstance(loaded.lines, LazyLineMap) and not loaded.lines.built
    assert loaded.lines[("products", "sku000003", "price")] == (str(path), 37)
