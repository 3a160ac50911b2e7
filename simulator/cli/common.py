"""What the commands share: the run options, loading a scenario, progress, writing output."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from simulator.cli import EXIT_BAD_INPUT, EXIT_INTERRUPTED
from simulator.experiment.executors import EXECUTORS, PLANNED
from simulator.experiment.result import RunResult
from simulator.experiment.runner import Progress

if TYPE_CHECKING:
    from simulator.scenario import LoadedScenario

F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERRUPTED",
    "FORMATS",
    "check_out",
    "emit",
    "fail",
    "load",
    "long_run_note",
    "progress_bar",
    "run_options",
    "text",
    "workers_note",
]

FORMATS = ("table", "json", "csv")
"""Output formats of ``run``."""


def fail(*lines: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print ``lines`` to stderr and leave with ``code``."""
    for line in lines:
        click.echo(line, err=True)
    raise click.exceptions.Exit(code)


def run_options(command: F) -> F:
    """The options shared by the commands that run replications (DESIGN §4 run options)."""
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
            type=click.Choice([*EXECUTORS, *PLANNED]),
            default="process",
            show_default=True,
            help="Where replications run.",
        ),
        click.option(
            "--workers",
            type=click.IntRange(min=1),
            metavar="N",
            help="Worker processes for --executor process (default: one per CPU).",
        ),
        click.option(
            "--format",
            "output_format",
            type=click.Choice(FORMATS),
            default="table",
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
    for option in reversed(options):
        command = option(command)
    return command


@contextmanager
def progress_bar(show: bool) -> Iterator[Progress | None]:
    """A rich progress bar on stderr, or None when it should not be shown."""
    if not show:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.progress import Progress as Bar

    bar = Bar(
        TextColumn("replications"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task("run", total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    with bar:
        yield update


def load(path: str, sets: Sequence[str]) -> LoadedScenario:
    """The loaded scenario, or exit 1 with one line per problem (``file:line: key: message``)."""
    from simulator.api import load_scenario
    from simulator.scenario import ScenarioError

    try:
        return load_scenario(path, tuple(sets))
    except ScenarioError as exc:
        fail(*(str(problem) for problem in exc.problems))
    except OSError as exc:
        fail(f"{path}: cannot read: {exc.strerror or exc}")


def workers_note(workers: int | None, force: bool, quiet: bool) -> None:
    """Print, unless ``quiet``, that ``--workers`` is capped at the CPU count (it is, in the
    experiment layer, unless ``force``)."""
    from simulator.experiment.limits import capped_workers

    _, note = capped_workers(workers, force)
    if note is not None and not quiet:
        click.echo(note, err=True)


def long_run_note(
    loaded: LoadedScenario,
    policies: Sequence[str],
    replications: int | None,
    executor: str,
    workers: int | None,
    force: bool,
) -> None:
    """On stderr, before the progress bar of a run estimated to take over a minute, the
    size check's estimate (``estimate: about 3e+08 events (...), 12 min on 2 workers``)."""
    from simulator.experiment.limits import LONG_RUN_SECONDS, capped_workers, estimate_run

    capped, _ = capped_workers(workers, force)
    found = estimate_run(
        loaded,
        policies=list(policies) or None,
        replications=replications,
        executor=executor,
        workers=capped,
    )
    if found.seconds > LONG_RUN_SECONDS:
        click.echo(f"estimate: {found.describe()}", err=True)


def check_out(out: str | None) -> None:
    """Exit 1 at once, before any work, when ``--out`` names something that is not a
    regular file (a FIFO, a device, a directory)."""
    if out is None:
        return
    from simulator.reporting import output_target

    try:
        output_target(out)
    except OSError as exc:
        fail(f"Error: cannot write {out}: {exc.strerror or exc}")


def text(result: RunResult, output_format: str) -> str:
    """The result as text in ``output_format`` (a plain table when ``table``)."""
    from simulator.reporting import render_table, to_csv, to_json

    if output_format == "json":
        return to_json(result)
    if output_format == "csv":
        return to_csv(result)
    return render_table(result)


def emit(result: RunResult, output_format: str, out: str | None, quiet: bool) -> None:
    """Write the result atomically to ``out``, or print it to stdout."""
    if out is not None:
        from simulator.reporting import atomic_write

        try:
            atomic_write(out, text(result, output_format))
        except OSError as exc:
            fail(f"Error: cannot write {out}: {exc.strerror or exc}")
        if not quiet:
            click.echo(f"wrote {out}", err=True)
    elif output_format == "table" and sys.stdout.isatty():
        from simulator.reporting import print_tables

        print_tables(result)
    else:
        click.echo(text(result, output_format), nl=False)
