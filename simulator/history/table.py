"""Reading a user's CSV export: the header, the column mapping, rows with their line numbers.

Problems are collected, never raised one at a time: every bad row of a file is reported at
once, each as ``FILE:LINE: column: message`` (a :class:`RowProblem`, in the line format
of scenario files), and :class:`HistoryError` carries them all.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class RowProblem:
    """One problem in a history file, shown as ``FILE:LINE: column: message``."""

    file: str
    """The file name as given (or ``--column ITEM`` for a bad mapping)."""
    line: int | None
    """1-based line of the row (the header's for a missing column); None for the file."""
    path: str
    """The column as named in the file; empty for the file or row as a whole."""
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.path:
            where = f"{where}: {self.path}"
        return f"{where}: {self.message}"


class HistoryError(ValueError):
    """A history file could not be read; ``problems`` holds every problem found."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        self.problems: list[RowProblem] = list(problems)
        """Every problem found (never empty)."""
        super().__init__(self.problems)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


@dataclass(frozen=True)
class Column:
    """A column a history file may have."""

    name: str
    """The name it has in the documentation (``time``, ``product``, ...)."""
    required: bool
    """Whether a file without it is refused."""


@dataclass
class Row:
    """One data row: its first line in the file and its cells by column name."""

    line: int
    cells: dict[str, str]


@dataclass
class Table:
    """A file's rows, the columns it has, and the problems found so far."""

    file: str
    """The file name as shown in messages."""
    headers: dict[str, str]
    """Column name -> the header it has in the file (for messages)."""
    rows: list[Row] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    matched: set[str] = field(default_factory=set)
    """Column names whose mapped header (``--column NAME=HEADER``) the file has."""

    def problem(self, line: int | None, column: str | None, message: str) -> None:
        """Record a problem at ``line`` in ``column`` (named by its header in the file)."""
        shown = self.headers.get(column, column) if column is not None else ""
        self.problems.append(RowProblem(self.file, line, shown or "", message))


def parse_columns(items: Sequence[str], known: Sequence[str]) -> dict[str, str]:
    """``["time=Order Date", ...]`` as {column name: header}; raises HistoryError."""
    mapping: dict[str, str] = {}
    problems: list[RowProblem] = []
    for item in items:
        name, sep, header = item.partition("=")
        name, header = name.strip(), header.strip().strip('"').strip("'")
        if not sep or not name or not header:
            problems.append(
                RowProblem(
                    f"--column {item}", None, "", 'must be NAME=HEADER, e.g. time="Order Date"'
                )
            )
        elif name not in known:
            problems.append(
                RowProblem(
                    f"--column {item}",
                    None,
                    "",
                    f"unknown column '{name}' (one of {', '.join(known)})",
                )
            )
        else:
            mapping[name] = header
    if problems:
        raise HistoryError(problems)
    return mapping


def read_table(
    path: str | os.PathLike[str],
    columns: Sequence[Column],
    mapping: Mapping[str, str] | None = None,
    shown: str | None = None,
) -> Table:
    """The rows of the CSV file at ``path`` with the given columns.

    A column is found by its own name or, if ``mapping`` names it, by the mapped header
    (both case-insensitive, spaces around ignored); an optional column whose mapped header
    is absent is absent (the caller checks that every mapping matched some file). Other
    columns are ignored. The
    delimiter is sniffed among ``, ; TAB |`` (comma if unsure). Raises HistoryError when
    the file cannot be used at all (missing, not a regular file, empty, no header, a
    required column missing); row problems are left in ``Table.problems``.
    """
    mapping = dict(mapping or {})
    shown = shown if shown is not None else os.fspath(path)
    file = Path(path)
    if not file.exists():
        raise HistoryError([RowProblem(shown, None, "", "no such file")])
    if not file.is_file():
        raise HistoryError([RowProblem(shown, None, "", "not a regular file")])
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = text_line(file.read_bytes(), exc.start)
        raise HistoryError(
            [RowProblem(shown, line, "", "not UTF-8 text (save the export as UTF-8 CSV)")]
        ) from None
    except OSError as exc:
        raise HistoryError(
            [RowProblem(shown, None, "", f"cannot read: {exc.strerror or exc}")]
        ) from None
    if not text.strip():
        names = ", ".join(c.name for c in columns)
        raise HistoryError(
            [RowProblem(shown, None, "", f"empty file (expected a header row: {names})")]
        )
    reader = csv.reader(text.splitlines(keepends=True), dialect=_dialect(text))
    lines = _numbered(reader)
    header_line, header = next(lines)
    found = {h.strip().lower(): i for i, h in enumerate(header) if h.strip()}
    index: dict[str, int] = {}
    headers: dict[str, str] = {}
    missing: list[RowProblem] = []
    listed = ", ".join(h.strip() for h in header if h.strip())
    for column in columns:
        wanted = mapping.get(column.name, column.name)
        position = found.get(wanted.strip().lower())
        if position is not None:
            index[column.name] = position
            headers[column.name] = header[position].strip()
        elif column.name in mapping and column.required:
            missing.append(
                RowProblem(
                    shown,
                    header_line,
                    column.name,
                    f"no column '{wanted}' (from --column {column.name}=...); the header has: "
                    f"{listed}",
                )
            )
        elif column.required:
            missing.append(
                RowProblem(
                    shown,
                    header_line,
                    column.name,
                    f"required column missing; the header has: {listed} "
                    f"(map yours with --column {column.name}=HEADER)",
                )
            )
    if missing:
        raise HistoryError(missing)
    table = Table(shown, headers)
    table.matched = {name for name in mapping if name in index and name in headers}
    for line, cells in lines:
        if not any(cell.strip() for cell in cells):
            continue  # blank line
        if len(cells) > len(header):
            table.problem(line, None, f"{len(cells)} cells, but the header has {len(header)}")
            continue
        values = {name: (cells[i] if i < len(cells) else "") for name, i in index.items()}
        table.rows.append(Row(line, values))
    if not table.rows and not table.problems:
        raise HistoryError([RowProblem(shown, header_line, "", "no data rows after the header")])
    return table


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    first = text.splitlines()[0] if text else ""
    try:
        return csv.Sniffer().sniff(first, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def _numbered(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """Rows with the line each starts on (a quoted cell may span lines)."""
    line = 1
    for cells in reader:
        yield line, cells
        line = reader.line_num + 1  # type: ignore[attr-defined]


def text_line(data: bytes, offset: int) -> int:
    """The 1-based line of byte ``offset`` in ``data``."""
    return data.count(b"\n", 0, offset) + 1


def positive_int(text: str) -> int | str:
    """A whole number >= 1, or why ``text`` is not one."""
    value = text.strip()
    try:
        number = float(value)
    except ValueError:
        return f"must be a whole number >= 1, got {text!r}"
    if not number.is_integer() or number < 1:
        return f"must be a whole number >= 1, got {value}"
    return int(number)


TRUE_WORDS = {"true", "yes", "y", "1", "t"}
FALSE_WORDS = {"false", "no", "n", "0", "f"}


def flag(text: str) -> bool | str:
    """A true/false cell (empty means true), or why ``text`` is not one."""
    value = text.strip().lower()
    if not value or value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    return f"must be true or false, got {text!r}"
