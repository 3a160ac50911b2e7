"""What the commands share: loading a scenario, checking output paths, progress, writing
output (their options are in :mod:`simulator.cli.options`).

Only click is imported at the top: the scenario layer, the model, the executors, numpy and
rich are imported inside the functions that need them, so ``--help`` and ``validate`` start
fast.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

import simulator.cli as cli
from simulator.cli import COMMANDS, EXIT_BAD_INPUT, EXIT_INTERRUPTED
from simulator.cli.options import TableOptions

if TYPE_CHECKING:
    from simulator.experiment.compare import CompareResult
    from simulator.experiment.result import RunResult
    from simulator.experiment.runner import Progress
    from simulator.scenario import LoadedScenario

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERRUPTED",
    "check_output_path",
    "emit",
    "fail",
    "load",
    "long_run_note",
    "progress_bar",
    "run_size",
    "table_width",
    "text",
    "unused_key_notes",
    "workers_note",
]


def fail(*lines: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print ``lines`` to stderr and leave with ``code``."""
    for line in lines:
        click.echo(line, err=True)
    raise click.exceptions.Exit(code)


def check_output_path(path: str | os.PathLike[str], option: str = "--out") -> None:
    """Exit 1 now, before any simulation, unless a file can be written at ``path``: its
    directory exists and is writable, and ``path`` is not a directory, FIFO, device or
    socket (a symbolic link is followed to its target). ``option`` names
    the option in the message (``--out``, ``--report``, ``--plot``, ``--csv``)."""
    import tempfile

    from simulator.reporting.files import output_target

    shown = os.fspath(path)
    if Path(shown).is_dir():
        fail(f"Error: {option} {shown}: is a directory, not a file")
    try:  # a FIFO, a device or a socket there is refused; a link is followed
        target = output_target(shown)
    except OSError as exc:
        fail(f"Error: {option} {shown}: {exc.strerror or exc}")
    folder = target.parent
    if not folder.exists():
        fail(f"Error: {option} {shown}: no such directory '{folder}'")
    if not folder.is_dir():
        fail(f"Error: {option} {shown}: '{folder}' is not a directory")
    try:  # the real test: root passes os.access on a read-only file system
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".check-", suffix=".tmp"):
            pass
    except OSError as exc:
        fail(f"Error: {option} {shown}: cannot write in '{folder}': {exc.strerror or exc}")


UNUSED_KEYS: dict[str, tuple[str, bool]] = {
    "sweep": ("sweep", True),
    "objective": ("compare", False),
    "optimize": ("optimize", True),
}
"""Scenario keys ``run`` validates but does not use: key -> (the command that uses it,
whether to mention it when that command exists)."""


def unused_key_notes(loaded: LoadedScenario, command: str = "run") -> list[str]:
    """A note for every scenario key that ``command`` reads but does not use, so that none
    is silently ignored: what uses it, or that this version does not yet."""
    notes = []
    for key, (user, always) in UNUSED_KEYS.items():
        if key not in loaded.raw or user == command:
            continue
        origin = loaded.lines.get((key,))
        where = f"{origin[0]}:{origin[1]}" if origin and origin[1] else loaded.source
        if user not in COMMANDS:
            notes.append(
                f"note: {where}: {key}: not used by this version ('{user}' is not "
                f"available yet); {command} ignores it"
            )
        elif always:
            notes.append(
                f"note: {where}: {key}: {command} ignores it; 'backorder-sim {user}' uses it"
            )
    return notes


@contextmanager
def progress_bar(
    show: bool, policies: int = 1, replications: int | None = None
) -> Iterator[Progress | None]:
    """A rich progress bar on stderr, or None when it should not be shown.

    Its total, ``policies × replications``, is known from the start and said in its
    label (as the table heading counts replications per policy); it moves by one
    replication at a time.
    """
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

    if replications is None:
        label = "replications"
    elif policies == 1:
        label = f"1 policy × {replications} replication{'s' if replications != 1 else ''}"
    else:
        label = f"{policies} policies × {replications} replications"
    bar = Bar(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    total = policies * replications if replications is not None else None
    task = bar.add_task("run", total=total)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    with bar:
        yield update


@contextmanager
def start_up() -> Iterator[None]:
    """The garbage collector paused while a command imports its layers and reads its
    scenario, which allocates hundreds of thousands of objects (pydantic builds the
    schema's validators) and frees almost none: collections then only re-walk a growing
    heap. In the command's own process (:data:`simulator.cli.OWN_PROCESS`) what is loaded
    is then frozen out of the collector's sight (``gc.freeze``), so that later collections
    skip it; together about 0.02 s of a short run."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if cli.OWN_PROCESS:
            gc.freeze()
        gc.enable()


def load(path: str, sets: Sequence[str]) -> LoadedScenario:
    """The loaded scenario, or exit 1 with one line per problem (``file:line: key: message``)."""
    with start_up():
        from simulator.scenario import ScenarioError, load_scenario

        try:
            return load_scenario(path, tuple(sets))
        except ScenarioError as exc:
            fail(*(str(problem) for problem in exc.problems))
        except OSError as exc:
            fail(f"{path}: cannot read: {exc.strerror or exc}")


def workers_note(workers: int | None, force: bool, quiet: bool) -> int | None:
    """``--workers`` capped at the CPU count unless ``force`` (as the experiment layer caps
    it), printing a note, unless ``quiet``, when it was."""
    with start_up():  # imports the experiment layer, the model and numpy
        from simulator.experiment.limits import capped_workers

    capped, note = capped_workers(workers, force)
    if note is not None and not quiet:
        click.echo(note, err=True)
    return capped


def run_size(
    loaded: LoadedScenario, policies: Sequence[str], replications: int | None
) -> tuple[int, int]:
    """(policies, replications per policy) a run will do, for its progress bar; exit 1 with
    one line for an unknown policy name."""
    from simulator.experiment.errors import ExperimentError
    from simulator.experiment.runner import select_policies

    try:
        chosen = select_policies(loaded.policies, list(policies) or None)
    except ExperimentError as exc:
        fail(f"Error: {exc}")
    return len(chosen), loaded.scenario.replications if replications is None else replications


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


def table_width() -> int:
    """The width tables are printed at: ``COLUMNS`` when set, else the terminal's when
    stdout is a terminal, else 80."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout.isatty():
        import shutil

        return shutil.get_terminal_size().columns
    return 80


def _render_options(
    result: RunResult | CompareResult, table: TableOptions | None
) -> dict[str, Any]:
    """Keyword arguments for a table renderer: the width and, for a run, the row choice."""
    from simulator.experiment.result import RunResult

    if isinstance(result, RunResult):
        return {"width": table_width(), **(table or TableOptions()).render()}
    return {}


def text(
    result: RunResult | CompareResult, output_format: str, table: TableOptions | None = None
) -> str:
    """The result as text in ``output_format`` (a plain table when ``table``); JSON and
    CSV hold every metric, whatever the table options."""
    import simulator.reporting  # noqa: F401  (registers the renderers)
    from simulator.experiment.rendering import render

    options = _render_options(result, table) if output_format == "table" else {}
    out: str = render(result, output_format, **options)
    return out


def emit(
    result: RunResult | CompareResult,
    output_format: str,
    out: str | None,
    quiet: bool,
    table: TableOptions | None = None,
) -> None:
    """Write the result atomically to ``out``, or print it to stdout; a note on stderr
    when precision targets were given (met, or not met at the cap)."""
    from simulator.experiment.result import RunResult

    precision = (result if isinstance(result, RunResult) else result.run).precision
    if out is not None:
        from simulator.reporting import atomic_write

        try:
            atomic_write(out, text(result, output_format, table))
        except OSError as exc:
            fail(f"Error: cannot write {out}: {exc.strerror or exc}")
        if not quiet:
            click.echo(f"wrote {out}", err=True)
    elif output_format == "table" and sys.stdout.isatty():
        import simulator.reporting  # noqa: F401  (registers the renderers)
        from simulator.experiment.rendering import render

        render(result, "terminal", **_render_options(result, table))
    else:
        click.echo(text(result, output_format, table), nl=False)
    if precision is not None and not quiet and (out is not None or output_format != "table"):
        click.echo(precision.message(), err=True)
