"""``backorder-sim run FILE``: run the policies, print each metric's mean and 95% interval."""

from __future__ import annotations

import sys

import click

from simulator.cli.common import (
    check_out,
    emit,
    fail,
    load,
    long_run_note,
    progress_bar,
    run_options,
    workers_note,
)
from simulator.experiment.errors import ExperimentError


@click.command("run")
@click.argument("file", type=click.Path(path_type=str))
@run_options
def command(
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
    force: bool,
) -> None:
    """Run every policy of FILE (or those named) and print each metric's mean and 95% interval."""
    from simulator.api import run

    check_out(out)
    loaded = load(file, sets)
    workers_note(workers, force, quiet)
    show_progress = not quiet and sys.stderr.isatty()
    if show_progress:
        long_run_note(loaded, policies, replications, executor, workers, force)
    try:
        with progress_bar(show_progress) as progress:
            result = run(
                loaded,
                policies=list(policies) or None,
                replications=replications,
                seed=seed,
                executor=executor,
                workers=workers,
                progress=progress,
                force=force,
            )
    except ExperimentError as exc:
        fail(f"Error: {exc}")
    emit(result, output_format, out, quiet)
