"""The results as tables for people: policies as columns, metrics as rows, ``mean ± half-width``.

The default table is short: the metrics a planner reads first, under the headings
service, waiting, stock and money (see :data:`~simulator.reporting.selection.SHORT`),
without the rows that cannot say anything in this run: a metric undefined for every
policy (waits when nothing was backordered, ETA rows when no policy quotes), ``backup_share``
with a single supplier, a cost that is 0 everywhere (not set), a supplier's
``disrupted_days`` without disruptions. ``metrics`` picks the rows instead, ``all_metrics``
shows every metric. With more than one product, a row per product follows (its fill rate),
or with ``products`` a table per product. The table fits ``width`` columns (80 by
default): policies that do not fit go to further blocks of columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from simulator.metrics.record import SUPPLIER_METRICS
from simulator.metrics.summary import EMPTY, Summary
from simulator.reporting.layout import Grid, Line, Section, label_width, render_grid, wrap_text
from simulator.reporting.numbers import (
    MONEY_METRICS,
    RATE_METRICS,
    UNDEFINED,
    decimals,
    format_cell,
    format_number,
    style,
)
from simulator.reporting.selection import COSTS, GROUPS, SHORT, grouped

if TYPE_CHECKING:
    from rich.console import RenderableType

    from simulator.experiment.result import RunResult

__all__ = [
    "DEFAULT_WIDTH",
    "MONEY_METRICS",
    "RATE_METRICS",
    "UNDEFINED",
    "build_tables",
    "decimals",
    "format_cell",
    "format_number",
    "natural_width",
    "print_tables",
    "render_table",
    "table_lines",
]

DEFAULT_WIDTH = 80
"""The width of a table when none is given (piped output, files, notebooks)."""

PRODUCT_ROWS_LIMIT = 12
"""With more products than this, the default table says how many instead of a row each."""

HINT = "(--all: every metric; --metrics a,b: chosen rows; --products: per product)"
"""The last line of the default table, for a reader who wants more."""


def _row(metric: str, summaries: Sequence[Summary], replications: int) -> list[str]:
    largest = max((abs(s.mean) for s in summaries if s.mean is not None), default=0.0)
    how = style(metric, largest)
    return [format_cell(metric, s, replications, how=how) for s in summaries]


def _says_nothing(metric: str, summaries: Sequence[Summary], suppliers: int) -> bool:
    """Whether a default row cannot say anything in this run."""
    if all(s.mean is None for s in summaries):
        return True
    if metric == "backup_share" and suppliers <= 1:
        return True
    if metric in COSTS or metric == "disrupted_days":
        return all(s.mean in (None, 0.0) and not s.sd for s in summaries)
    return False


def _store_sections(
    columns: Sequence[Mapping[str, Summary]],
    replications: int,
    chosen: Sequence[str] | None,
    all_metrics: bool,
    suppliers: int,
) -> list[Section]:
    if all_metrics:
        names = list(dict.fromkeys(m for c in columns for m in c))
        order = {m: i for i, m in enumerate(m for g in GROUPS.values() for m in g)}
        names.sort(key=lambda m: order.get(m, len(order)))
        groups = grouped(names)
    elif chosen is not None:
        groups = grouped([m for m in chosen if m not in SUPPLIER_METRICS])
    else:
        groups = {g: list(names) for g, names in SHORT.items()}
    sections = []
    for title, names in groups.items():
        section = Section(title)
        for metric in names:
            summaries = [c.get(metric, EMPTY) for c in columns]
            if chosen is None and not all_metrics and _says_nothing(metric, summaries, suppliers):
                continue
            section.rows.append((metric, _row(metric, summaries, replications)))
        if section.rows:
            sections.append(section)
    return sections


def _supplier_sections(
    result: RunResult, chosen: Sequence[str] | None, all_metrics: bool
) -> list[Section]:
    policies = list(result.policies.values())
    ids = list(dict.fromkeys(sid for p in policies for sid in p.suppliers))
    r = result.replications

    def cells(sid: str, metric: str) -> list[Summary]:
        return [p.suppliers.get(sid, {}).get(metric, EMPTY) for p in policies]

    if all_metrics:
        return [
            Section(f"supplier {sid}", [(m, _row(m, cells(sid, m), r)) for m in SUPPLIER_METRICS])
            for sid in ids
        ]
    if chosen is not None:
        wanted = [m for m in chosen if m in SUPPLIER_METRICS]
    else:
        wanted = ["units", "mean_lead_time_days"] if len(ids) > 1 else []
        wanted.append("disrupted_days")
    section = Section("suppliers")
    for sid in ids:
        for metric in wanted:
            summaries = cells(sid, metric)
            if chosen is None and _says_nothing(metric, summaries, len(ids)):
                continue
            section.rows.append((f"{sid} {metric}", _row(metric, summaries, r)))
    return [section] if section.rows else []


def _grids(
    result: RunResult,
    metrics: Sequence[str] | None,
    all_metrics: bool,
    products: bool,
) -> tuple[list[Grid], list[str]]:
    """The tables to print and the lines of text after them."""
    policies = list(result.policies.values())
    r = result.replications
    suppliers = len({sid for p in policies for sid in p.suppliers})
    store = _store_sections([p.metrics for p in policies], r, metrics, all_metrics, suppliers)
    store += _supplier_sections(result, metrics, all_metrics)
    grids = [Grid(None, store)]
    notes: list[str] = []
    product_ids = list(dict.fromkeys(pid for p in policies for pid in p.products))
    if len(product_ids) > 1:
        if products:
            for pid in product_ids:
                columns = [p.products.get(pid, {}) for p in policies]
                sections = _store_sections(columns, r, metrics, all_metrics, suppliers)
                grids.append(Grid(f"product {pid}", sections))
        elif len(product_ids) <= PRODUCT_ROWS_LIMIT:
            first = [m for m in metrics or () if m not in SUPPLIER_METRICS]
            metric = first[0] if first else "fill_rate"
            rows = [
                (
                    pid,
                    _row(metric, [p.products.get(pid, {}).get(metric, EMPTY) for p in policies], r),
                )
                for pid in product_ids
            ]
            grids[0].sections.append(Section(f"products: {metric}", rows))
        else:
            notes.append(f"{len(product_ids)} products: --products shows a table for each.")
    if metrics is None and not all_metrics:
        notes.append(HINT)
    return grids, notes


def table_lines(
    result: RunResult,
    *,
    width: int | None = None,
    metrics: Sequence[str] | None = None,
    all_metrics: bool = False,
    products: bool = False,
) -> list[Line]:
    """The table as lines of text, each with its kind (see :data:`~.layout.Line`)."""
    width = DEFAULT_WIDTH if width is None else width
    r = result.replications
    names = list(result.policies)
    heading = (
        f"{result.scenario}: {r} replication{'s' if r != 1 else ''} per policy, "
        f"seed {result.seed}, window {result.window_days:g} days; mean ± 95% half-width"
    )
    grids, notes = _grids(result, metrics, all_metrics, products)
    labels = label_width(grids)
    lines: list[Line] = [*wrap_text(heading, width)]
    for grid in grids:
        lines.append(("", "blank"))
        lines += render_grid(names, grid, labels, width)
    if result.precision is not None:
        notes = [*notes, result.precision.message()]
    if notes:
        lines.append(("", "blank"))
        for note in notes:
            lines += wrap_text(note, width)
    return lines


def render_table(
    result: RunResult,
    *,
    width: int | None = None,
    metrics: Sequence[str] | None = None,
    all_metrics: bool = False,
    products: bool = False,
) -> str:
    """The tables as plain text, no line wider than ``width`` (default 80) where the label
    and one column fit. ``metrics`` picks the rows (store or supplier metric names, in
    that order), ``all_metrics`` shows every metric, ``products`` adds a table per
    product."""
    lines = table_lines(
        result, width=width, metrics=metrics, all_metrics=all_metrics, products=products
    )
    return "\n".join(text for text, _ in lines) + "\n"


_STYLES = {"title": "bold", "header": "bold", "rule": "dim", "text": "dim"}


def build_tables(result: RunResult, **options: Any) -> list[RenderableType]:
    """The tables as rich renderables (one styled line each); options as :func:`render_table`."""
    from rich.text import Text

    return [
        Text(text, style=_STYLES.get(kind, ""), no_wrap=True, overflow="ignore")
        for text, kind in table_lines(result, **options)
    ]


def natural_width(renderables: Sequence[RenderableType]) -> int:
    """The width rich renderables need so that no cell is wrapped or cut."""
    import io

    from rich.console import Console, Group

    console = Console(width=10_000, color_system=None, force_terminal=False, file=io.StringIO())
    return console.measure(Group(*renderables)).maximum


def print_tables(result: RunResult, **options: Any) -> None:
    """Print the tables to the terminal (stdout), styled where it can show styles, as wide
    as the terminal unless ``width`` is given; options as :func:`render_table`."""
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=True)
    options.setdefault("width", console.width)
    for line in build_tables(result, **options):
        console.print(line)
