"""``backorder-sim trace FILE --policy NAME``: one replication told as dated events."""

from __future__ import annotations

import click

from simulator.cli.common import fail, load


@click.command("trace")
@click.argument("file", type=click.Path(path_type=str))
@click.option("--policy", required=True, metavar="NAME", help="The policy to trace.")
@click.option(
    "--replication",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    metavar="R",
    help="Which replication (1 is the first replication of run).",
)
@click.option(
    "--days",
    type=click.FloatRange(min=0, min_open=True),
    metavar="N",
    help="Stop the run after N days (default: the scenario's horizon).",
)
@click.option("--product", metavar="ID", help="Tell only this product's events.")
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    metavar="S",
    help="Seed of the random streams (default: the scenario's).",
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a scenario key by dotted path (repeatable).",
)
@click.option(
    "--plot",
    type=click.Path(dir_okay=False, path_type=str),
    metavar="PATH.png",
    help="Draw on hand, backlog and on order over time, events marked, to PATH.png.",
)
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, path_type=str),
    metavar="PATH",
    help="Write one row per event to PATH (CSV).",
)
@click.option("--quiet", "-q", is_flag=True, help="Do not print the story (only write files).")
def command(
    file: str,
    policy: str,
    replication: int,
    days: float | None,
    product: str | None,
    seed: int | None,
    sets: tuple[str, ...],
    plot: str | None,
    csv_path: str | None,
    quiet: bool,
) -> None:
    """Tell one replication of one policy of FILE as dated events, for teaching."""
    from simulator.experiment.errors import ExperimentError
    from simulator.experiment.trace import trace_replication
    from simulator.reporting.files import atomic_write
    from simulator.reporting.narrative import narrative, to_csv

    if plot is not None and not plot.lower().endswith(".png"):
        fail(f"Error: --plot: {plot!r} must end in .png")
    loaded = load(file, sets)
    try:
        trace = trace_replication(
            loaded, policy, replication=replication, days=days, product=product, seed=seed
        )
    except ExperimentError as exc:
        fail(f"Error: {exc}")
    outputs: list[tuple[str, str | bytes]] = []
    if csv_path is not None:
        outputs.append((csv_path, to_csv(trace)))
    if plot is not None:
        from simulator.reporting.charts import png_bytes, trace_chart

        outputs.append((plot, png_bytes(trace_chart(trace))))
    for path, content in outputs:
        try:
            atomic_write(path, content)
        except OSError as exc:
            fail(f"Error: cannot write {path}: {exc.strerror or exc}")
        if not quiet:
            click.echo(f"wrote {path}", err=True)
    if not quiet:
        click.echo(narrative(trace), nl=False)
