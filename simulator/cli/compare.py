"""``backorder-sim compare FILE``: run the policies, then paired differences against the
baseline, a ranking by the objective, a sentence per policy and a recommendation."""

from __future__ import annotations

import sys
from typing import Any

import click

from simulator.cli.common import (
    check_output_path,
    emit,
    fail,
    load,
    progress_bar,
    run_size,
    workers_note,
)
from simulator.cli.options import precision_options, run_options


@click.command("compare")
@click.argument("file", type=click.Path(path_type=str))
@click.option(
    "--objective",
    metavar="METRIC:max|min",
    help="Rank by this store metric, larger (max) or smaller (min) better "
    "(default: the scenario's objective).",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=str),
    metavar="PATH.html|PATH.md",
    help="Also write a report with charts: one self-contained HTML file, or Markdown with "
    "its PNG charts beside it.",
)
@precision_options
@run_options(formats=("table", "json"))
def command(
    file: str,
    objective: str | None,
    report: str | None,
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
    force: bool,
) -> None:
    """Compare the policies of FILE: paired differences against the baseline (the first
    policy), a ranking by the objective with simultaneous 95% intervals, a sentence per
    policy and a recommendation."""
    if out is not None:
        check_output_path(out, "--out")  # before anything is simulated
    if report is not None:
        if not report.lower().endswith((".html", ".htm", ".md")):
            fail(f"Error: --report: {report!r} must end in .html or .md")
        check_output_path(report, "--report")
    loaded = load(file, sets)
    workers_note(workers, force, quiet)
    from simulator.api import compare
    from simulator.experiment.errors import ExperimentError

    size = run_size(loaded, policies, replications)
    show_progress = not quiet and sys.stderr.isatty()
    try:
        with progress_bar(show_progress, *size) as progress:
            result = compare(
                loaded,
                objective=objective,
                policies=list(policies) or None,
                replications=replications,
                seed=seed,
                executor=executor,
                workers=workers,
                scheduler=scheduler,
                precision=precision,
                max_replications=max_replications,
                progress=progress,
                force=force,
            )
    except ExperimentError as exc:
        fail(f"Error: {exc}")
    if report is not None:
        write_report(result, loaded, report, quiet)
    emit(result, output_format, out, quiet)


def write_report(result: Any, loaded: Any, path: str, quiet: bool) -> None:
    """Write the report (and say so on stderr), or exit 1 with one line."""
    try:
        from simulator.reporting.report import write_report as write
    except ImportError as exc:  # matplotlib is the `report` extra
        fail(f"Error: --report needs matplotlib ({exc}); pip install 'backorder-sim[report]'")
    try:
        written = write(result, loaded, path)
    except OSError as exc:
        fail(f"Error: cannot write {path}: {exc.strerror or exc}")
    if not quiet:
        for file in written:
            click.echo(f"wrote {file}", err=True)
