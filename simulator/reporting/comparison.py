"""A comparison for people: the run's tables, then the paired differences against the
baseline, the ranking, a sentence per policy and the recommendation (last, so that it is
what a terminal shows when the command ends).

Everything except the run's own tables fits 80 columns: the differences table is split
into blocks of as many policies as fit.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import replace

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from simulator.experiment.compare import CompareResult
from simulator.experiment.wording import contains_zero
from simulator.metrics.summary import Summary
from simulator.reporting.table import build_tables, decimals, format_number, natural_width

WIDTH = 80
"""The width the comparison sections fit."""

MARK = "*"
"""Marks a difference whose 95% interval excludes 0."""

RELATIVE_ROWS: tuple[str, ...] = ("revenue", "profit")
"""Money metrics also shown as a percentage of the baseline."""


def _wrap(text: str, indent: str = "") -> Text:
    return Text(
        textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=" " * len(indent))
    )


def _cell(metric: str, s: Summary, places: int, *, percent: bool = False) -> str:
    """``+10,299 ± 859 *``: a difference, its half-width and the mark when significant."""
    if s.mean is None:
        return "n/a"

    def num(x: float, signed: bool) -> str:
        if percent:
            text = f"{100.0 * x:{'+' if signed else ''},.{places}f}%"
        else:
            text = format_number(metric, x, places)
            if signed and not text.startswith("-") and x != 0:
                text = "+" + text
        return text

    text = num(s.mean, True)
    half = s.half_width
    if half is not None:
        text += f" ± {num(half, False)}"
    return text + (" " if contains_zero(s) else f" {MARK}")


def _rows(result: CompareResult, names: Sequence[str]) -> list[tuple[str, list[str]]]:
    """One row per store metric defined for some policy, the objective first; money rows
    of :data:`RELATIVE_ROWS` followed by their percentage of the baseline."""
    metrics = list(next(iter(result.differences.values()), {}))
    objective = result.objective.metric
    if objective in metrics:
        metrics.remove(objective)
        metrics.insert(0, objective)
    rows: list[tuple[str, list[str]]] = []
    for metric in metrics:
        cells = [result.differences[name][metric] for name in names]
        if all(c.mean is None for c in cells):
            continue
        largest = max(abs(x) for c in cells for x in (c.mean, c.half_width) if x is not None)
        places = decimals(metric, largest)
        rows.append((metric, [_cell(metric, c, places) for c in cells]))
        if metric in RELATIVE_ROWS:
            rel = [result.relative_differences[name].get(metric) for name in names]
            if any(r is not None and r.mean is not None for r in rel):
                rows.append(
                    (
                        f"{metric}, % of baseline",
                        ["n/a" if r is None else _cell(metric, r, 1, percent=True) for r in rel],
                    )
                )
    return rows


def _difference_table(names: Sequence[str], rows: list[tuple[str, list[str]]]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("metric", justify="left", no_wrap=True)
    for name in names:
        table.add_column(name, justify="right", no_wrap=True)
    for label, cells in rows:
        table.add_row(label, *cells)
    return table


def difference_tables(result: CompareResult) -> list[Table]:
    """The differences table, split into blocks of policies that each fit :data:`WIDTH`."""
    names = list(result.differences)
    tables: list[Table] = []
    start = 0
    while start < len(names):
        size = len(names) - start
        while size > 1:
            chunk = names[start : start + size]
            if natural_width([_difference_table(chunk, _rows(result, chunk))]) <= WIDTH:
                break
            size -= 1
        chunk = names[start : start + size]
        tables.append(_difference_table(chunk, _rows(result, chunk)))
        start += size
    return tables


def ranking_table(result: CompareResult) -> Table:
    """The ranking: place, policy, mean objective, the gap to the best other policy with
    its simultaneous interval, and the verdict."""
    metric = result.objective.metric
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for header, justify in (
        ("#", "right"),
        ("policy", "left"),
        ("mean", "right"),
        ("vs best other", "right"),
        ("95% simultaneous CI", "right"),
        ("verdict", "left"),
    ):
        table.add_column(header, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    values = [
        abs(x)
        for e in result.ranking
        for x in (e.mean, e.vs_best_low, e.vs_best_high)
        if x is not None
    ]
    places = decimals(metric, max(values, default=0.0))

    def num(x: float | None, signed: bool = False) -> str:
        if x is None:
            return "n/a"
        text = format_number(metric, x, places)
        if not any(ch in "123456789" for ch in text):
            return text.lstrip("-")
        return "+" + text if signed and x > 0 and not text.startswith("-") else text

    for place, e in enumerate(result.ranking, start=1):
        ci = (
            "n/a"
            if e.vs_best_low is None or e.vs_best_high is None
            else f"{num(e.vs_best_low, True)} to {num(e.vs_best_high, True)}"
        )
        table.add_row(str(place), e.policy, num(e.mean), num(e.vs_best_mean, True), ci, e.status)
    return table


def build_comparison(result: CompareResult, *, run_tables: bool = True) -> list[RenderableType]:
    """The renderables of a comparison (see the module docstring)."""
    run = result.run
    goal = "higher" if result.objective.goal == "max" else "lower"
    metric = result.objective.metric
    k = sum(entry.mean is not None for entry in result.ranking)
    together = "both policies" if k == 2 else f"all {k} policies"
    parts: list[RenderableType] = []
    if run_tables:
        # the precision outcome is told once, above the recommendation
        parts += [*build_tables(replace(run, precision=None)), Text()]
    if result.differences:
        parts += [
            _wrap(
                f"Differences against the baseline, {result.baseline}: policy minus baseline, "
                f"replication by replication (the same customers), mean ± 95% half-width. "
                f"{MARK} marks a difference whose interval excludes 0; the others are not "
                f"significant."
            ),
            Text(),
        ]
        for table in difference_tables(result):
            parts += [table, Text()]
    explain = (
        f"Ranking by {metric} ({goal} is better). With one policy there is nothing to rank."
        if k == 1
        else f"Ranking by {metric} ({goal} is better). 'vs best other' is how far the "
        f"policy is ahead of the best of the others on {metric} (negative: behind); "
        f"the intervals hold for {together} at once with 95% confidence. 'worse': "
        f"the interval is below 0, so the policy is not the best."
    )
    parts += [
        _wrap(explain),
        Text(),
        ranking_table(result),
        Text(),
        Text("In words"),
        Text(),
    ]
    for sentence in result.sentences.values():
        parts.append(_wrap(sentence, "- "))
    parts += [Text()]
    if run.precision is not None:
        note = run.precision.message()
        parts += [_wrap(note[0].upper() + note[1:] + "."), Text()]
    parts += [Text("Recommendation"), Text(), _wrap(result.recommendation)]
    return parts


def _console(file: io.StringIO | None, width: int, plain: bool) -> Console:
    if plain:
        return Console(
            file=file,
            width=width,
            color_system=None,
            force_terminal=False,
            force_jupyter=False,
            highlight=False,
            emoji=False,
            markup=False,
        )
    return Console(highlight=False, width=width)


def render_comparison(
    result: CompareResult, *, width: int | None = None, run_tables: bool = True
) -> str:
    """The comparison as plain text; ``width`` None means as wide as the tables need."""
    parts = build_comparison(result, run_tables=run_tables)
    if width is None:
        width = max(WIDTH, natural_width(parts))
    buffer = io.StringIO()
    _console(buffer, width, plain=True).print(Group(*parts))
    lines = [line.rstrip() for line in buffer.getvalue().splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def print_comparison(result: CompareResult) -> None:
    """Print the comparison to the terminal (stdout), never narrower than its tables."""
    parts = build_comparison(result)
    width = max(Console().width, natural_width(parts))
    _console(None, width, plain=False).print(*parts)
