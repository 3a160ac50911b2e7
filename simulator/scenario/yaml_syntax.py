"""YAML syntax errors in plain words, at the line of the mistake.

PyYAML reports where its parser gave up, in parser terms ("mapping values are not allowed
here", "expected <block end>, but found '<block mapping start>'"), often a line after the
mistake. :func:`syntax_problem` recognises the common mistakes (a tab used for indentation,
a missing ``:``, a ``:`` inside a value, an unclosed quote or bracket, bad indentation) and
says what is wrong, where it is: ``FILE:LINE:COL: YAML syntax: <what>``. Anything else keeps
PyYAML's own words after ``YAML syntax:``.
"""

from __future__ import annotations

import re

import yaml

from simulator.scenario.errors import Problem

PREFIX = "YAML syntax: "
"""What every syntax message starts with."""

_CLOSERS = {"]": "[", "}": "{"}


def syntax_problem(exc: yaml.MarkedYAMLError, text: str, shown: str) -> Problem:
    """The Problem for a YAML syntax error in ``text`` (the file ``shown``)."""
    lines = text.splitlines()
    found = _explain(exc, lines)
    if found is None:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "not valid YAML"
        if exc.context and exc.problem and exc.context_mark is not None:
            what += f" ({exc.context} at line {exc.context_mark.line + 1})"
        if mark is None:  # pragma: no cover - PyYAML marks every error we know
            return Problem(shown, None, "", PREFIX + what)
        return Problem(shown, mark.line + 1, "", PREFIX + what, column=mark.column + 1)
    line, column, what = found
    return Problem(shown, line + 1, "", PREFIX + what, column=column + 1)


def _explain(exc: yaml.MarkedYAMLError, lines: list[str]) -> tuple[int, int, str] | None:
    """(0-based line, 0-based column, plain words) for a mistake we recognise, else None."""
    problem = exc.problem or ""
    context = exc.context or ""
    mark, start = exc.problem_mark, exc.context_mark
    if mark is None:
        return None
    row, col = mark.line, mark.column
    here = lines[row] if row < len(lines) else ""
    if "found character '\\t'" in problem:
        if here[:col].strip() == "":
            return row, col, "a tab used for indentation (indent with spaces)"
        return row, col, "a tab where YAML allows none (use spaces)"
    reserved = re.match(r"found character '(.)' that cannot start any token", problem)
    if reserved:
        char = reserved.group(1)
        return row, col, f"a value cannot start with '{char}' (put the value in quotes)"
    if "could not find expected ':'" in problem and start is not None:
        return start.line, _key_end(lines, start.line), _missing_colon(lines, start.line)
    if "mapping values are not allowed here" in problem:
        return _misplaced_colon(lines, row, col)
    if "while scanning a quoted scalar" in context and start is not None:
        quote = _char(lines, start.line, start.column) or '"'
        return start.line, start.column, f"an unclosed quote ({quote} opened here, never closed)"
    flow = re.match(r"expected ',' or '([\]}])', but got", problem)
    if flow and start is not None:
        opener = _CLOSERS[flow.group(1)]
        return (
            start.line,
            start.column,
            f"an unclosed bracket ('{opener}' opened here, never closed), or a missing ','",
        )
    stray = re.match(r"expected <block end>, but found '([\]}])'", problem)
    if stray:
        char = stray.group(1)
        return row, col, f"a '{char}' that closes nothing (no '{_CLOSERS[char]}' before it)"
    if "expected <block end>" in problem or "did not find expected key" in problem:
        return row, col, _bad_indentation(lines, row, context)
    if "did not find expected '-' indicator" in problem:
        return row, col, "bad indentation: a line among list items that is not a '- ' item"
    alias = re.match(r"found undefined alias '([^']*)'", problem)
    if alias:
        name = alias.group(1)
        return row, col, f"an alias '*{name}' that no anchor '&{name}' defines"
    if "expected alphabetic or numeric character" in problem and "alias" in context:
        return row, col, "'*' starts an alias here (put the value in quotes)"
    return None


def _char(lines: list[str], row: int, col: int) -> str:
    line = lines[row] if row < len(lines) else ""
    return line[col] if col < len(line) else ""


def _key_end(lines: list[str], row: int) -> int:
    """The column just after the first word of a line: where its ':' belongs."""
    line = lines[row] if row < len(lines) else ""
    indent = len(line) - len(line.lstrip())
    return indent + len(line.strip().split(" ")[0])


def _missing_colon(lines: list[str], row: int) -> str:
    word = (lines[row] if row < len(lines) else "").strip().split(" ")[0]
    return f"a missing ':' after '{word}' (write 'key: value')" if word else "a missing ':'"


def _has_colon(line: str) -> bool:
    """Whether a line holds a ``key:`` outside quotes (roughly: enough to point well)."""
    bare = re.sub(r"'[^']*'|\"[^\"]*\"", "", line.split(" #", 1)[0])
    return bool(re.search(r":(\s|$)", bare))


def _misplaced_colon(lines: list[str], row: int, col: int) -> tuple[int, int, str]:
    """PyYAML's "mapping values are not allowed here": a ':' in a value, a key above that
    lacks its ':', or a line indented under a key that already has a value."""
    here = lines[row] if row < len(lines) else ""
    if _has_colon(here[:col]):
        return row, col, "a ':' inside a value (put the value in quotes)"
    above = row - 1
    while above >= 0 and (not lines[above].strip() or lines[above].lstrip().startswith("#")):
        above -= 1
    if above >= 0:
        previous = lines[above]
        if not _has_colon(previous) and not previous.lstrip().startswith("- "):
            return above, _key_end(lines, above), _missing_colon(lines, above)
        key = previous.strip().lstrip("- ").split(":", 1)[0]
        indent = len(here) - len(here.lstrip())
        return (
            row,
            indent,
            f"bad indentation: indented under '{key}' (line {above + 1}), which already has "
            "a value",
        )
    return row, col, "a ':' where YAML does not expect one"


def _bad_indentation(lines: list[str], row: int, context: str) -> str:
    here = lines[row] if row < len(lines) else ""
    if "block collection" in context and not here.lstrip().startswith("-"):
        return "bad indentation: a key among list items (indent it, or start an item with '- ')"
    if "block mapping" in context and here.lstrip().startswith("-"):
        return "bad indentation: a list item among keys (a list goes under a key of its own)"
    return "bad indentation: this line lines up with no key above it"
