"""``backorder-sim sweep FILE --vary KEY=...``: every policy at every point of a grid."""

from __future__ import annotations

import sys

import click

from simulator.cli.common import fail, load, progress_bar, workers_note
from simulator.cli.options import run_options

SWEEP_FORMATS = ("csv", "json")
"""Output formats of ``sweep``: CSV rows (the default), or the JSON document on stdout."""


@click.command("sweep")
@click.argument("file", type=click.Path(path_type=str))
@click.option(
    "--vary",
    "vary",
    multiple=True,
    metavar="KEY=VALUES",
    help="A key and its values: KEY=V1,V2,... or KEY=START:STOP:STEP (STOP included); "
    "repeatable; replaces that key of the scenario's sweep: block.",
)
@run_options(formats=SWEEP_FORMATS, default_format="csv")
@click.option(
    "--fresh",
    is_flag=True,
    help="Start over: ignore the results already in --out (and replace them).",
)
def command(
    file: str,
    vary: tuple[str, ...],
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
    fresh: bool,
) -> None:
    """Run every policy of FILE at every point of a grid; one row per point and policy."""
    from simulator.api import sweep
    from simulator.experiment.errors import ExperimentError
    from simulator.experiment.grid import parse_vary
    from simulator.reporting.sweep import sweep_csv, sweep_json, sweep_summary
    from simulator.scenario import ScenarioError

    try:
        specs = dict(parse_vary(spec) for spec in vary)
    except ExperimentError as exc:
        fail(f"Error: {exc}")
    loaded = load(file, sets)
    workers = workers_note(workers, force, quiet)
    show_progress = not quiet and sys.stderr.isatty()
    try:
        with progress_bar(show_progress) as progress:
            result = sweep(
                loaded,
                specs,
                policies=list(policies) or None,
                replications=replications,
                seed=seed,
                executor=executor,
                workers=workers,
                scheduler=scheduler,
                progress=progress,
                out=out,
                fresh=fresh,
            )
    except ScenarioError as exc:
        fail(*(str(problem) for problem in exc.problems))
    except ExperimentError as exc:
        fail(f"Error: {exc}")
    except OSError as exc:
        fail(f"Error: cannot write {out}: {exc.strerror or exc}")
    if output_format == "json":
        click.echo(sweep_json(result), nl=False)
    elif out is None:
        click.echo(sweep_csv(result.rows, result.columns), nl=False)
    if out is not None and not quiet:
        reused = len(result.rows) - result.computed
        note = f" ({reused} rows from the previous run)" if reused else ""
        click.echo(f"wrote {out}: {len(result.rows)} rows{note}", err=True)
    if not quiet and sys.stderr.isatty():
        click.echo(sweep_summary(result), err=True, nl=False)
