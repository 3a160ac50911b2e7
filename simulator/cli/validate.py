"""``backorder-sim validate FILE...``: check scenario files, print every problem."""

from __future__ import annotations

import click

from simulator.cli import EXIT_BAD_INPUT


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=str))
def command(files: tuple[str, ...]) -> None:
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
