"""The ``backorder-sim`` command line: parse options, call the library API, print.

Exit codes: 0 success, 1 bad input (a bad scenario file, a bad option, a missing file),
130 interrupted. Bad input is reported in one line per problem, never with a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from simulator.experiment.errors import ExperimentError
from simulator.experiment.executors import EXECUTORS, PLANNED
from simulator.experiment.result import RunResult
from simulator.experiment.runner import Progress

if TYPE_CHECKING:
    from simulator.scenario import LoadedScenario

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("table", "json", "csv")
"""Output formats of ``run``."""

EXIT_BAD_INPUT = 1
EXIT_INTERRUPTED = 130


def _version() -> str:
    from simulator import __version__

    return str(__version__)


class _Cli(click.Group):
    """A click group whose usage errors exit 1 (bad input) in one line, and Ctrl-C 130."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            code = super().main(
                args, prog_name or "backorder-sim", complete_var, standalone_mode=False, **extra
            )
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            click.echo(f"Error: {exc.format_message()}{hint}", err=True)
            code = EXIT_BAD_INPUT
        except click.ClickException as exc:
            click.echo(f"Error: {exc.format_message()}", err=True)
            code = EXIT_BAD_INPUT
        except click.Abort:  # Ctrl-C (click turns KeyboardInterrupt into Abort)
            click.echo("Interrupted.", err=True)
            code = EXIT_INTERRUPTED
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


def _fail(*lines: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print ``lines`` to stderr and leave with ``code``."""
    for line in lines:
        click.echo(line, err=True)
    raise click.exceptions.Exit(code)


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=_version(), prog_name="backorder-sim")
def main() -> None:
    """Simulate a store, its customers and its suppliers to compare backorder policies."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=str))
def validate(files: tuple[str, ...]) -> None:
    """Check scenario FILEs: every problem on stderr, "ok: FILE" on stdout for good ones."""
    from simulator.scenario import validate_files

    bad = False
    for path in files:
        try:
            problems = [str(problem) for problem in validate_files([path])]
        except OSError as exc:
            problems = [f"{path}: cannot read: {exc.strerror or exc}"]
        if problems:
            bad = True
            for line in problems:
                click.echo(line, err=True)
        else:
            click.echo(f"ok: {path}")
    if bad:
        raise click.exceptions.Exit(EXIT_BAD_INPUT)


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
    ]
    for option in reversed(options):
        command = option(command)
    return command


@contextmanager
def _progress_bar(show: bool) -> Iterator[Progress | None]:
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


def _load(path: str, sets: Sequence[str]) -> LoadedScenario:
    """The loaded scenario, or exit 1 with one line per problem (``file:line: key: message``)."""
    from simulator.api import load_scenario
    from simulator.scenario import ScenarioError

    try:
        return load_scenario(path, tuple(sets))
    except ScenarioError as exc:
        _fail(*(str(problem) for problem in exc.problems))
    except OSError as exc:
        _fail(f"{path}: cannot read: {exc.strerror or exc}")


def _text(result: RunResult, output_format: str) -> str:
    """The result as text in ``output_format`` (a plain table when ``table``)."""
    from simulator.reporting import render_table, to_csv, to_json

    if output_format == "json":
        return to_json(result)
    if output_format == "csv":
        return to_csv(result)
    return render_table(result)


def _emit(result: RunResult, output_format: str, out: str | None, quiet: bool) -> None:
    """Write the result atomically to ``out``, or print it to stdout."""
    if out is not None:
        from simulator.reporting import atomic_write

        try:
            atomic_write(out, _text(result, output_format))
        except OSError as exc:
            _fail(f"Error: cannot write {out}: {exc.strerror or exc}")
        if not quiet:
            click.echo(f"wrote {out}", err=True)
    elif output_format == "table" and sys.stdout.isatty():
        from simulator.reporting import print_tables

        print_tables(result)
    else:
        click.echo(_text(result, output_format), nl=False)


@main.command("run")
@click.argument("file", type=click.Path(path_type=str))
@run_options
def run_command(
    file: str,
    policies: tuple[str, ...],
    replications: int | None,
    seed: int | None,
    sets: tuple[str, ...],
    executor: str,
    workers: int | None,
    output_format: str,
    out: str | None,
    quiet: bool,
) -> None:
    """Run every policy of FILE (or those named) and print each metric's mean and 95% interval."""
    from simulator.api import run

    loaded = _load(file, sets)
    show_progress = not quiet and sys.stderr.isatty()
    try:
        with _progress_bar(show_progress) as progress:
            result = run(
                loaded,
                policies=list(policies) or None,
                replications=replications,
                seed=seed,
                executor=executor,
                workers=workers,
                progress=progress,
            )
    except ExperimentError as exc:
        _fail(f"Error: {exc}")
    _emit(result, output_format, out, quiet)
