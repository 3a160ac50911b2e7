"""The examples in docs/ are tests: they must still print what the pages show.

Three kinds of example are checked:

- ``console`` blocks: each ``$ backorder-sim ...`` line is run through the command line
  (click's CliRunner, ``--executor serial`` added to ``run``, ``compare`` and ``sweep`` so
  that no process pool starts; the numbers do not depend on the executor) and its output
  compared with the lines under it. ``$ head -n N FILE`` shows the start of a file an
  earlier command wrote. A line ``...`` in the page stands for lines left out; without
  one, the output must match whole. Numbers are compared to 1e-9 relative, so that a
  change in the last printed digit of a float does not fail the test while any change a
  reader could see does;
- ``pycon`` blocks: run as doctests, one namespace per page (ELLIPSIS and
  NORMALIZE_WHITESPACE on);
- ``yaml`` blocks that hold a whole scenario (``name``, ``horizon_days``, ``products``,
  ``suppliers`` and ``policies``): they must load without a problem, and one that shows a
  bundled scenario (same ``name``) must be that file, comment lines left out.

Commands run in a temporary directory that holds links to ``scenarios/`` and ``docs/``, so
files they write (``--out``) never land in the repository.
"""

from __future__ import annotations

import doctest
import math
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from simulator.cli import main

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
GAP = "..."
"""A line of a console block that stands for output left out."""

FENCE = re.compile(r"^```(\w*)\s*$")
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?")
REQUIRED_KEYS = {"name", "horizon_days", "products", "suppliers", "policies"}


@dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    page: Path
    line: int
    """1-based line of the opening fence."""
    lang: str
    lines: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(DOCS)}:{self.line}"


def blocks(page: Path) -> Iterator[Block]:
    """Every fenced block of a Markdown page."""
    text = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(text):
        match = FENCE.match(text[i])
        if match is None:
            i += 1
            continue
        start, lang, body = i + 1, match.group(1), []
        i += 1
        while i < len(text) and text[i].rstrip() != "```":
            body.append(text[i])
            i += 1
        yield Block(page, start, lang, tuple(body))
        i += 1


def all_blocks(lang: str) -> list[Block]:
    return [b for page in PAGES for b in blocks(page) if b.lang == lang]


# -- console blocks ---------------------------------------------------------------------------


def commands(block: Block) -> list[tuple[str, list[str]]]:
    """(command line, expected output lines) for each ``$ `` line of a console block."""
    out: list[tuple[str, list[str]]] = []
    for line in block.lines:
        if line.startswith("$ "):
            out.append((line[2:], []))
        elif out:
            out[-1][1].append(line.rstrip())
        else:
            raise AssertionError(f"{block.id}: a console block must start with '$ COMMAND'")
    return out


def same_line(expected: str, actual: str) -> bool:
    """Equal text, with numbers equal to 1e-9 relative."""
    if expected == actual:
        return True
    if NUMBER.sub("#", expected) != NUMBER.sub("#", actual):
        return False
    want = [float(x.replace(",", "")) for x in NUMBER.findall(expected)]
    got = [float(x.replace(",", "")) for x in NUMBER.findall(actual)]
    return all(
        math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) for a, b in zip(want, got, strict=True)
    )


def check_output(where: str, expected: list[str], actual: list[str]) -> None:
    """``expected`` equals ``actual``, or, with ``...`` gaps, appears in it in order."""
    while expected and not expected[-1]:
        expected = expected[:-1]
    while actual and not actual[-1]:
        actual = actual[:-1]
    shown = "\n".join(actual)
    if GAP not in expected:
        same = len(expected) == len(actual) and all(map(same_line, expected, actual))
        assert same, f"{where}: the output is now:\n{shown}"
        return
    position = 0
    for line in expected:
        if line == GAP:
            continue
        while position < len(actual) and not same_line(line, actual[position]):
            position += 1
        assert position < len(actual), (
            f"{where}: line not found (in order) in the output:\n  {line}\n"
            f"the output is now:\n{shown}"
        )
        position += 1


def run_command(command: str) -> list[str]:
    """Run one documented command in the current directory; its output lines."""
    argv = shlex.split(command)
    if argv[0] == "head":
        assert argv[1] == "-n" and len(argv) == 4, f"only 'head -n N FILE' is supported: {command}"
        lines = Path(argv[3]).read_text(encoding="utf-8").splitlines()
        return lines[: int(argv[2])]
    assert argv[0] == "backorder-sim", f"docs may only show backorder-sim and head: {command}"
    args = argv[1:]
    if args and args[0] in ("run", "compare", "sweep") and "--executor" not in args:
        args += ["--executor", "serial"]
    result = CliRunner().invoke(main, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return [line.rstrip() for line in result.output.splitlines()]


CONSOLE = all_blocks("console")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("scenarios", "docs"):
        (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "80")  # tables are as wide as the terminal: the pages' 80
    return tmp_path


def test_pages_have_console_examples() -> None:
    assert CONSOLE, "no console blocks found under docs/"


@pytest.mark.parametrize("block", CONSOLE, ids=[b.id for b in CONSOLE])
def test_console_example(block: Block, workdir: Path) -> None:
    for command, expected in commands(block):
        check_output(f"{block.id}: $ {command}", expected, run_command(command))


# -- pycon blocks -----------------------------------------------------------------------------


PYCON_PAGES = sorted({b.page for b in all_blocks("pycon")})


@pytest.mark.parametrize("page", PYCON_PAGES, ids=[str(p.relative_to(DOCS)) for p in PYCON_PAGES])
def test_pycon_examples(page: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    globs: dict[str, object] = {"__name__": "docs_example"}
    report: list[str] = []
    for block in blocks(page):
        if block.lang != "pycon":
            continue
        test = parser.get_doctest("\n".join(block.lines), globs, block.id, str(page), block.line)
        runner.run(test, out=report.append, clear_globs=False)
        globs = test.globs  # DocTest copies its globals: carry them to the next block
    result = runner.summarize(verbose=False)
    assert result.attempted > 0
    assert result.failed == 0, "".join(report)


# -- whole scenarios in yaml blocks -----------------------------------------------------------


def whole_scenarios() -> list[Block]:
    found = []
    for block in all_blocks("yaml"):
        try:
            data = yaml.safe_load("\n".join(block.lines))
        except yaml.YAMLError:
            continue  # a fragment, not a file
        if isinstance(data, dict) and set(data) >= REQUIRED_KEYS:
            found.append(block)
    return found


SCENARIOS = whole_scenarios()


@pytest.mark.parametrize("block", SCENARIOS, ids=[b.id for b in SCENARIOS])
def test_yaml_scenarios_load(block: Block, tmp_path: Path) -> None:
    from simulator import ScenarioError, load_scenario

    path = tmp_path / "example.yaml"
    path.write_text("\n".join(block.lines) + "\n", encoding="utf-8")
    try:
        load_scenario(path)
    except ScenarioError as exc:
        pytest.fail(f"{block.id}: the scenario does not load:\n{exc}")


def bundled_without_comments() -> dict[str, list[str]]:
    """Bundled scenario name -> the file's lines without its comment lines."""
    found = {}
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
        found[yaml.safe_load(text)["name"]] = lines
    return found


@pytest.mark.parametrize("block", SCENARIOS, ids=[b.id for b in SCENARIOS])
def test_yaml_copies_of_bundled_scenarios_are_current(block: Block) -> None:
    bundled = bundled_without_comments()
    name = yaml.safe_load("\n".join(block.lines))["name"]
    if name not in bundled:
        return
    assert list(block.lines) == bundled[name], f"{block.id}: update the copy of {name!r}"
