"""The options of the commands that run replications (DESIGN §4 run options) and of those
that print the results table: click declarations only, so that ``--help`` imports nothing
else."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("table", "json", "csv")
"""Output formats of ``run``."""

EXECUTOR_NAMES = ("serial", "process", "dask")
"""The names ``--executor`` accepts (DESIGN §4), listed here so that parsing options does not
import the executors; one not available in this version is refused when the run starts."""


def run_options(
    command: F | None = None,
    *,
    formats: Sequence[str] = FORMATS,
    default_format: str = "table",
) -> Any:
    """The options shared by the commands that run replications (DESIGN §4 run options).

    Used bare (``@run_options``), or with the ``--format`` choices of a command whose output
    differs (``@run_options(formats=("csv", "json"), default_format="csv")``).
    """

    def decorate(command: F) -> F:
        for option in reversed(_run_options(formats, default_format)):
            command = option(command)
        return command

    return decorate if command is None else decorate(command)


def precision_options(command: F) -> F:
    """``--precision METRIC=HW`` (repeatable) and ``--max-replications N``."""
    options = [
        click.option(
            "--precision",
            "precision",
            multiple=True,
            metavar="METRIC=HW",
            help="Add replications until the 95% half-width of METRIC is at most HW "
            "(repeatable). compare: of each paired difference to the baseline, HW% "
            "relative to the baseline's mean; run: of each policy's own interval, HW% "
            "relative to its mean.",
        ),
        click.option(
            "--max-replications",
            type=click.IntRange(min=1),
            metavar="N",
            help="With --precision: stop at N replications even if a target is not met "
            "(default 1000).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _run_options(formats: Sequence[str], default_format: str) -> list[Callable[[F], F]]:
    options = [
        click.option(
            "--policy",
            "policies",
            multiple=True,
            metavar="NAME",
            help="Run only this policy (repeatable); default: every policy.",
        ),
        click.option(
            "--replications",
            type=click.IntRange(min=1),
            metavar="N",
            help="Replications per policy (default: the scenario's).",
        ),
        click.option(
            "--seed",
            type=click.IntRange(min=0),
            metavar="S",
            help="Seed of the random streams (default: the scenario's).",
        ),
        click.option(
            "--set",
            "sets",
            multiple=True,
            metavar="KEY=VALUE",
            help="Override a scenario key by dotted path (repeatable), e.g. "
            "products.widget.price=45.",
        ),
        click.option(
            "--executor",
            type=click.Choice(EXECUTOR_NAMES),
            default="process",
            show_default=True,
            help="Where replications run.",
        ),
        click.option(
            "--workers",
            type=click.IntRange(min=1),
            metavar="N",
            help="Worker processes for --executor process, or of the local Dask cluster "
            "(default: one per CPU).",
        ),
        click.option(
            "--scheduler",
            metavar="tcp://HOST:PORT",
            help="With --executor dask: the scheduler of a running Dask cluster (default: "
            "start a local cluster for the run).",
        ),
        click.option(
            "--format",
            "output_format",
            type=click.Choice(list(formats)),
            default=default_format,
            show_default=True,
            help="Output format.",
        ),
        click.option(
            "--out",
            type=click.Path(dir_okay=False, path_type=str),
            metavar="PATH",
            help="Write the output to PATH (atomically) instead of stdout.",
        ),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar or notes on stderr."),
        click.option(
            "--force",
            is_flag=True,
            help="Run even when the size check finds the run absurd for this machine "
            "(over 2 hours or more memory than it has); start more workers than CPUs.",
        ),
    ]
    return options


@dataclass(frozen=True)
class TableOptions:
    """What the table shows: ``--metrics``, ``--all`` and ``--products``."""

    metrics: tuple[str, ...] | None = None
    """The rows to show, in order (None: the short default table)."""
    all_metrics: bool = False
    """Every metric."""
    products: bool = False
    """A table per product."""

    def render(self) -> dict[str, Any]:
        """Keyword arguments of :func:`simulator.reporting.table.render_table`."""
        return {
            "metrics": self.metrics,
            "all_metrics": self.all_metrics,
            "products": self.products,
        }


def _parse_metrics(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    from simulator.reporting.selection import parse_metrics

    try:
        return tuple(parse_metrics(value))
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


def table_options(command: F) -> F:
    """``--metrics``, ``--all`` and ``--products``, passed to the command as one
    :class:`TableOptions` named ``table``. For commands that print the results table."""
    options = [
        click.option(
            "--metrics",
            "table_metrics",
            callback=_parse_metrics,
            metavar="A,B,...",
            help="Table rows: these metrics, in this order (store or supplier metrics).",
        ),
        click.option("--all", "table_all", is_flag=True, help="Table: every metric."),
        click.option("--products", "table_products", is_flag=True, help="Table: one per product."),
    ]

    @functools.wraps(command)
    def wrapper(
        *args: Any,
        table_metrics: tuple[str, ...] | None,
        table_all: bool,
        table_products: bool,
        **kwargs: Any,
    ) -> Any:
        if table_metrics is not None and table_all:
            raise click.UsageError("--metrics and --all cannot be used together")
        kwargs["table"] = TableOptions(table_metrics, table_all, table_products)
        return command(*args, **kwargs)

    decorated: Any = wrapper
    for option in reversed(options):
        decorated = option(decorated)
    return decorated
