"""``backorder-sim validate FILE...``: check scenario files, print every problem."""

from __future__ import annotations

import click

from simulator.cli import EXIT_BAD_INPUT


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=str))
def command(files: tuple[str, ...]) -> None:
    """Check scenario FILEs: every problem on stderr, "ok: FILE" on stdout for good ones.

    Warnings (a price below its unit cost) go to stderr too, but a file with only warnings
    is good: the exit code stays 0.
    """
    from simulator.scenario import ScenarioError, load_scenario
    from simulator.scenario.notes import scenario_warnings

    bad = False
    for path in files:
        warnings: list[str] = []
        try:
            warnings = [str(w) for w in scenario_warnings(load_scenario(path))]
            problems: list[str] = []
        except ScenarioError as exc:
            problems = [str(problem) for problem in exc.problems]
        except OSError as exc:
            problems = [f"{path}: cannot read: {exc.strerror or exc}"]
        for line in warnings:
            click.echo(line, err=True)
        if problems:
            bad = True
            for line in problems:
                click.echo(line, err=True)
        else:
            click.echo(f"ok: {path}")
    if bad:
        raise click.exceptions.Exit(EXIT_BAD_INPUT)
