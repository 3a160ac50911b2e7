"""``backorder-sim run FILE``: run the policies, print each metric's mean and 95% interval."""

from __future__ import annotations

import sys

import click

from simulator.cli.common import (
    TableOptions,
    check_output_path,
    emit,
    fail,
    load,
    precision_options,
    progress_bar,
    run_options,
    table_options,
    unused_key_notes,
)


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
) -> None:
    """Run every policy of FILE (or those named) and print each metric's mean and 95% interval.

    The table shows the metrics a planner reads first; --metrics picks rows, --all shows
    every metric, --products adds a table per product. JSON and CSV hold every metric.
    """
    if out is not None:
        check_output_path(out, "--out")  # before anything is simulated
    loaded = load(file, sets)
    from simulator.api import run
    from simulator.experiment.errors import ExperimentError
    from simulator.experiment.runner import select_policies

    if not quiet:
        for note in unused_key_notes(loaded, "run"):
            click.echo(note, err=True)
    try:
        chosen = select_policies(loaded.policies, list(policies) or None)
    except ExperimentError as exc:
        fail(f"Error: {exc}")
    count = replications if replications is not None else loaded.scenario.replications
    show_progress = not quiet and sys.stderr.isatty()
    try:
        with progress_bar(show_progress, len(chosen), count) as progress:
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
            )
    except ExperimentError as exc:
        fail(f"Error: {exc}")
    emit(result, output_format, out, quiet, table)
