"""``backorder-sim optimize FILE --vary KEY=RANGE ...``: the best settings under constraints."""

from __future__ import annotations

import sys

import click

from simulator.cli.common import fail, load, progress_bar, workers_note
from simulator.cli.options import run_options


@click.command("optimize")
@click.argument("file", type=click.Path(path_type=str))
@click.option(
    "--vary",
    "vary",
    multiple=True,
    metavar="KEY=RANGE",
    help="A key to search and its values: START:STOP:STEP or V1,V2,... (repeatable; "
    "default: the scenario's optimize.vary).",
)
@click.option(
    "--objective",
    metavar="METRIC:max|min",
    help="What to optimise (default: optimize.objective, else the scenario's objective).",
)
@click.option(
    "--constraint",
    "constraints",
    multiple=True,
    metavar="METRIC>=V",
    help="A service level that must hold with 95% confidence, METRIC>=V or METRIC<=V "
    "(repeatable; default: optimize.constraints).",
)
@click.option(
    "--budget",
    type=click.IntRange(min=1),
    metavar="N",
    help="The most replications to simulate in all (default: optimize.budget, else the "
    "grid at full replications).",
)
@click.option(
    "--indifference",
    type=click.FloatRange(min=0, min_open=True),
    metavar="D",
    help="δ: the smallest objective difference worth telling apart (default: "
    "optimize.indifference, else 1% of the best first-stage objective).",
)
@click.option(
    "--plot",
    type=click.Path(dir_okay=False, path_type=str),
    metavar="PATH.png",
    help="Draw the objective and constraint against the varied key to PATH.png.",
)
@run_options
def command(
    file: str,
    vary: tuple[str, ...],
    objective: str | None,
    constraints: tuple[str, ...],
    budget: int | None,
    indifference: float | None,
    plot: str | None,
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
    """Search the settings of FILE's policies for the best objective subject to the
    constraints, with common random numbers, and say with what confidence the choice is
    best (within δ) and feasible. --replications are the full replications: the most any
    candidate gets."""
    from simulator.api import optimize
    from simulator.experiment.errors import ExperimentError
    from simulator.reporting.files import atomic_write
    from simulator.reporting.optimize_report import optimize_csv, optimize_json, render_optimize
    from simulator.scenario import ScenarioError

    loaded = load(file, sets)
    workers = workers_note(workers, force, quiet)
    show_progress = not quiet and sys.stderr.isatty()
    try:
        with progress_bar(show_progress) as progress:
            result = optimize(
                loaded,
                vary=vary,
                objective=objective,
                constraints=constraints,
                budget=budget,
                indifference=indifference,
                policies=list(policies) or None,
                replications=replications,
                seed=seed,
                executor=executor,
                workers=workers,
                scheduler=scheduler,
                progress=progress,
            )
    except ExperimentError as exc:
        fail(f"Error: {exc}")
    except ScenarioError as exc:
        fail(*(str(problem) for problem in exc.problems))
    if not quiet:
        for note in result.notes:
            click.echo(f"note: {note}", err=True)
    writes = [(out, optimize_csv(result))] if out is not None else []
    for path, content in writes:
        try:
            atomic_write(path, content)
        except OSError as exc:
            fail(f"Error: cannot write {path}: {exc.strerror or exc}")
        if not quiet:
            click.echo(f"wrote {path}", err=True)
    if plot is not None:
        from simulator.reporting.optimize_chart import save_optimize_plot

        try:
            save_optimize_plot(result, plot)
        except OSError as exc:
            fail(f"Error: cannot write {plot}: {exc.strerror or exc}")
        if not quiet:
            click.echo(f"wrote {plot}", err=True)
    if output_format == "json":
        click.echo(optimize_json(result), nl=False)
    elif output_format == "csv":
        click.echo(optimize_csv(result), nl=False)
    else:
        click.echo(render_optimize(result), nl=False)


_HELP = {
    "out": "Also write every evaluated candidate with its estimates to PATH as CSV.",
    "replications": "The most replications any candidate gets (default: the scenario's).",
    "policies": "Search only this policy (repeatable); default: every policy, each on its own.",
}
"""Run options whose meaning differs here."""

for _param in command.params:
    if isinstance(_param, click.Option) and _param.name in _HELP:
        _param.help = _HELP[_param.name]
