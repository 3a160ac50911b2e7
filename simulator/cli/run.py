"""``backorder-sim run FILE``: run the policies, print each metric's mean and 95% interval."""

from __future__ import annotations

import sys

import click

from simulator.cli.common import (
    check_output_path,
    emit,
    fail,
    load,
    long_run_note,
    progress_bar,
    run_size,
    unused_key_notes,
    workers_note,
)
from simulator.cli.options import TableOptions, precision_options, run_options, table_options


@click.command("run")
@click.argument("file", type=click.Path(path_type=str))
@precision_options
@run_options
@table_options
def command(
    file: str,
    precision: tuple[str, ...],
    max_replications: int | None,
    policies: tuple[str, ...],
    replications: int | None,
    seed: int | None,
    sets: tuple[str, ...],
    executor: str,
    workers: int | None,
    scheduler: str | None,
    output_format: str,
    out: str | None,
    quiet: bool,
    table: TableOptions,
    force: bool,
) -> None:
    """Run every policy of FILE (or those named) and print each metric's mean and 95% interval.

    The table shows the metrics a planner reads first; --metrics picks rows, --all shows
    every metric, --products adds a table per product. JSON and CSV hold every metric.
    """
    if out is not None:
        check_output_path(out, "--out")  # before anything is simulated
    loaded = load(file, sets)
    workers_note(workers, force, quiet)
    from simulator.api import run
    from simulator.experiment.errors import ExperimentError

    if not quiet:
        for note in unused_key_notes(loaded, "run"):
            click.echo(note, err=True)
    size = run_size(loaded, policies, replications)
    show_progress = not quiet and sys.stderr.isatty()
    if show_progress:
        long_run_note(loaded, policies, replications, executor, workers, force)
    try:
        with progress_bar(show_progress, *size) as progress:
            result = run(
                loaded,
                policies=list(policies) or None,
                replications=replications,
                seed=seed,
                executor=executor,
                workers=workers,
                precision=precision,
                max_replications=max_replications,
                scheduler=scheduler,
                progress=progress,
                force=force,
            )
    except ExperimentError as exc:
        fail(f"Error: {exc}")
    emit(result, output_format, out, quiet, table)
