"""The results as tables for people: policies as columns, metrics as rows, ``mean ± half-width``."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from simulator.experiment.result import RunResult
from simulator.metrics.summary import EMPTY, Summary

MONEY_METRICS: frozenset[str] = frozenset(
    {
        "revenue",
        "retained_revenue",
        "lost_revenue",
        "purchase_cost",
        "ordering_cost",
        "holding_cost",
        "backlog_penalty_cost",
        "lost_sale_penalty_cost",
        "profit",
        "spend",
        "revenue_lost_to_goodwill",
    }
)
"""Metrics in currency units: printed with thousands separators."""

RATE_METRICS: frozenset[str] = frozenset({"mean_goodwill"})
"""Fractions in [0, 1] besides the ``*_rate`` and ``*_share`` metrics."""

UNDEFINED = "n/a"
"""What a cell shows when the metric was undefined in every replication."""


def decimals(metric: str, value: float) -> int:
    """How many decimals a metric is shown with, for values of the size of ``value``.

    Rates and shares: 3 (``0.912``); money: none from 100 up (``152,340``), else 2; days: 2;
    counts and unit averages: 1.
    """
    if metric.endswith(("_rate", "_share")) or metric in RATE_METRICS:
        return 3
    if metric in MONEY_METRICS or metric.endswith(("_cost", "_revenue")):
        return 0 if abs(value) >= 100 else 2
    if metric.endswith("_days"):
        return 2
    return 1


def format_number(metric: str, value: float, places: int | None = None) -> str:
    """``value`` with thousands separators and the metric's decimals (or ``places``)."""
    digits = decimals(metric, value) if places is None else places
    text = f"{value:,.{digits}f}"
    # Avoid "-0.000" for values that round to zero.
    return text[1:] if text.startswith("-") and float(text.replace(",", "")) == 0 else text


def format_cell(
    metric: str,
    summary: Summary,
    replications: int | None = None,
    places: int | None = None,
) -> str:
    """A table cell: ``mean ± half-width``; the mean alone when n = 1; ``n/a`` when n = 0.

    When the metric was defined in fewer than ``replications`` replications, ``(n=K)``
    follows, so a reader knows the interval rests on fewer runs. ``places`` overrides the
    metric's decimals (tables use one count of decimals per row).
    """
    if summary.mean is None:
        return UNDEFINED
    if places is None:
        places = decimals(metric, summary.mean)
    text = format_number(metric, summary.mean, places)
    half = summary.half_width
    if half is not None:
        text += f" ± {format_number(metric, half, places)}"
    if replications is not None and summary.n < replications:
        text += f" (n={summary.n})"
    return text


def _table(
    title: str,
    columns: list[str],
    rows: list[tuple[str, list[str]]],
) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False)
    table.add_column("metric", justify="left", no_wrap=True)
    for column in columns:
        table.add_column(column, justify="right", no_wrap=True)
    for label, cells in rows:
        table.add_row(label, *cells)
    return table


def _rows(
    columns: Mapping[str, Mapping[str, Summary]], replications: int
) -> list[tuple[str, list[str]]]:
    """One row per metric (first-seen order) with one cell per column."""
    names: dict[str, None] = {}
    for summaries in columns.values():
        names.update(dict.fromkeys(summaries))
    rows: list[tuple[str, list[str]]] = []
    for metric in names:
        cells = [summaries.get(metric, EMPTY) for summaries in columns.values()]
        largest = max((abs(c.mean) for c in cells if c.mean is not None), default=0.0)
        places = decimals(metric, largest)
        rows.append((metric, [format_cell(metric, c, replications, places) for c in cells]))
    return rows


def build_tables(result: RunResult) -> list[RenderableType]:
    """The renderables of a result: a heading, the store table, product and supplier tables.

    Per-product tables appear only when there is more than one product (with one product
    they repeat the store table). Suppliers share one table, rows named ``supplier: metric``.
    """
    policies = list(result.policies.values())
    names = [policy.name for policy in policies]
    r = result.replications
    heading = Text(
        f"{result.scenario}: {r} replication{'s' if r != 1 else ''}, seed {result.seed}, "
        f"window {result.window_days:g} days; mean ± 95% half-width"
    )
    parts: list[RenderableType] = [
        heading,
        Text(),
        _table("Store", names, _rows({p.name: p.metrics for p in policies}, r)),
    ]
    product_ids = list(dict.fromkeys(pid for p in policies for pid in p.products))
    if len(product_ids) > 1:
        for pid in product_ids:
            columns = {p.name: p.products.get(pid, {}) for p in policies}
            parts += [Text(), _table(f"Product {pid}", names, _rows(columns, r))]
    supplier_ids = list(dict.fromkeys(sid for p in policies for sid in p.suppliers))
    supplier_rows: list[tuple[str, list[str]]] = []
    for sid in supplier_ids:
        columns = {p.name: p.suppliers.get(sid, {}) for p in policies}
        supplier_rows.extend((f"{sid}: {metric}", cells) for metric, cells in _rows(columns, r))
    if supplier_rows:
        parts += [Text(), _table("Suppliers", names, supplier_rows)]
    return parts


def natural_width(renderables: Sequence[RenderableType]) -> int:
    """The width the tables need so that no cell is wrapped or cut."""
    console = Console(width=10_000, color_system=None, force_terminal=False, file=io.StringIO())
    return console.measure(Group(*renderables)).maximum


def print_tables(result: RunResult) -> None:
    """Print the tables to the terminal (stdout), in colour where it has any.

    Never narrower than the tables need: on a narrow terminal, long lines wrap rather than
    numbers being cut.
    """
    parts = build_tables(result)
    terminal_width = Console().width
    console = Console(highlight=False, width=max(terminal_width, natural_width(parts)))
    console.print(*parts)


def render_table(result: RunResult, *, width: int | None = None) -> str:
    """The tables as plain text (no colour); ``width`` None means as wide as they need."""
    parts = build_tables(result)
    group = Group(*parts)
    if width is None:
        width = natural_width(parts)
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        color_system=None,
        force_terminal=False,
        force_jupyter=False,
        highlight=False,
        emoji=False,
        markup=False,
    )
    console.print(group)
    lines = [line.rstrip() for line in buffer.getvalue().splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"
