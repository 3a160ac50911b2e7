"""Plain-text tables that fit a width: a label column, then one right-aligned column each.

A table (:class:`Grid`) is sections of rows sharing the same columns. When the columns do
not fit the width, they are dealt into consecutive *blocks*, each repeating the label
column, as pandas wraps a wide frame. Cells are first written ``mean ± half``; when that
needs more blocks than ``mean±half``, the tighter form is used. Column names longer than
their column wrap onto several header lines.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field

GAP = 2
"""Spaces between columns."""
INDENT = 2
"""Rows are indented under their section's title by this many spaces."""
NAME_WIDTH = 12
"""A column is widened up to this for its name; longer names wrap."""
RULE = "─"
"""The character of the line under the column names."""

Line = tuple[str, str]
"""A line of output and its kind: ``title`` (of a table or a section), ``header`` (column
names), ``rule``, ``row``, ``text`` or ``blank``; a terminal styles them by kind."""


@dataclass
class Section:
    """Rows under one heading (``service``, ``money``, ...)."""

    title: str
    rows: list[tuple[str, list[str]]] = field(default_factory=list)
    """(label, one cell per column)."""


@dataclass
class Grid:
    """Sections sharing one set of columns, printed under an optional title."""

    title: str | None
    sections: list[Section]


def _compact(cell: str) -> str:
    return cell.replace(" ± ", "±")


def _widths(
    names: Sequence[str], sections: Sequence[Section], tight: bool, whole_names: bool
) -> list[int]:
    """Column widths: the longest cell, widened for the name (whole, or up to NAME_WIDTH)."""
    widths = []
    for index, name in enumerate(names):
        cells = [row[1][index] for section in sections for row in section.rows]
        longest = max((len(_compact(c) if tight else c) for c in cells), default=0)
        room = len(name) if whole_names else min(len(name), max(NAME_WIDTH, longest))
        widths.append(max(longest, room, 1))
    return widths


def _blocks(widths: Sequence[int], label_width: int, width: int) -> list[list[int]]:
    """Column indexes dealt into blocks that fit ``width`` (at least one column each)."""
    blocks: list[list[int]] = []
    used = label_width
    for index, w in enumerate(widths):
        if blocks and used + GAP + w <= width:
            blocks[-1].append(index)
            used += GAP + w
        else:
            blocks.append([index])
            used = label_width + GAP + w
    return blocks


def label_width(grids: Sequence[Grid]) -> int:
    """The width of the label column: the longest label (indented) or section title."""
    longest = 0
    for grid in grids:
        for section in grid.sections:
            longest = max(longest, len(section.title))
            for label, _ in section.rows:
                longest = max(longest, INDENT + len(label))
    return longest


def render_grid(names: Sequence[str], grid: Grid, labels: int, width: int) -> list[Line]:
    """The lines of one table, its columns in as many blocks as ``width`` needs."""
    # the widest form that fits in one block; else the form that needs the fewest blocks
    tight = False
    spaced = _widths(names, grid.sections, tight=False, whole_names=True)
    blocks = _blocks(spaced, labels, width)
    if len(blocks) > 1:
        spaced = _widths(names, grid.sections, tight=False, whole_names=False)
        blocks = _blocks(spaced, labels, width)
    if len(blocks) > 1:
        narrow = _widths(names, grid.sections, tight=True, whole_names=False)
        fewer = _blocks(narrow, labels, width)
        if len(fewer) < len(blocks):
            spaced, blocks, tight = narrow, fewer, True
    lines: list[Line] = []
    if grid.title:
        lines.append((grid.title, "title"))
    for number, block in enumerate(blocks):
        if number:
            lines.append(("", "blank"))
        wrapped = {
            i: textwrap.wrap(names[i], spaced[i], break_on_hyphens=True) or [""] for i in block
        }
        height = max(len(w) for w in wrapped.values())
        for k in range(height):
            parts = [" " * labels]
            for i in block:
                name_lines = wrapped[i]
                at = k - (height - len(name_lines))  # names sit on the rule
                parts.append(" " * GAP + (name_lines[at] if at >= 0 else "").rjust(spaced[i]))
            lines.append(("".join(parts).rstrip(), "header"))
        total = labels + sum(GAP + spaced[i] for i in block)
        lines.append((RULE * total, "rule"))
        for section in grid.sections:
            lines.append((section.title, "title"))
            for label, cells in section.rows:
                text = (" " * INDENT + label).ljust(labels)
                for i in block:
                    cell = _compact(cells[i]) if tight else cells[i]
                    text += " " * GAP + cell.rjust(spaced[i])
                lines.append((text.rstrip(), "row"))
    return lines


def wrap_text(text: str, width: int) -> list[Line]:
    """A paragraph wrapped to ``width`` as ``text`` lines."""
    return [(line, "text") for line in textwrap.wrap(text, max(width, 20))] or [("", "blank")]
