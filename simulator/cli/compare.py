"""``backorder-sim compare FILE``: run the policies, then paired differences against the
baseline, a ranking by the objective, a sentence per policy and a recommendation."""

from __future__ import annotations

import sys

import click

from simulator.cli.common import emit, fail, load, precision_options, progress_bar, run_options
from simulator.experiment.errors import ExperimentError


@click.command("compare")
@click.argument("file", type=click.Path(path_type=str))
@click.option(
    "--objective",
    metavar="METRIC:max|min",
    help="Rank by this store metric, larger (max) or smaller (min) better "
    "(default: the scenario's objective).",
)
@precision_options
@run_options(formats=("table", "json"))
def command(
    file: str,
    objective: str | None,
    precision: tuple[str, ...],
    max_replications: int | None,
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
    """Compare the policies of FILE: paired differences against the baseline (the first
    policy), a ranking by the objective with simultaneous 95% intervals, a sentence per
    policy and a recommendation."""
    from simulator.api import compare

    loaded = load(file, sets)
    show_progress = not quiet and sys.stderr.isatty()
    try:
        with progress_bar(show_progress) as progress:
            result = compare(
                loaded,
                objective=objective,
                policies=list(policies) or None,
                replications=replications,
                seed=seed,
                executor=executor,
                workers=workers,
                precision=precision,
                max_replications=max_replications,
                progress=progress,
            )
    except ExperimentError as exc:
        fail(f"Error: {exc}")
    emit(result, output_format, out, quiet)
