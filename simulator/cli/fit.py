"""``backorder-sim fit --orders ORDERS.csv``: fit demand and lead times from history."""

from __future__ import annotations

import click

from simulator.cli.common import fail


@click.command("fit")
@click.option(
    "--orders",
    required=True,
    type=click.Path(path_type=str),
    metavar="ORDERS.csv",
    help="Customer orders: time, product, quantity, in_stock (one row per order).",
)
@click.option(
    "--deliveries",
    type=click.Path(path_type=str),
    metavar="DELIVERIES.csv",
    help="Supplier orders: supplier, product, ordered, received, quantity.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=str),
    metavar="FILE.yaml",
    help="Write the scenario fragment (to extends:) to FILE.yaml, atomically.",
)
@click.option(
    "--column",
    "columns",
    multiple=True,
    metavar="NAME=HEADER",
    help='Read column NAME from the header HEADER (repeatable), e.g. time="Order Date".',
)
@click.option(
    "--plot",
    type=click.Path(file_okay=False, path_type=str),
    metavar="DIR",
    help="Write charts (daily demand, each lead-time histogram) as PNG files into DIR.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format of the summary.",
)
def command(
    orders: str,
    deliveries: str | None,
    out: str | None,
    columns: tuple[str, ...],
    plot: str | None,
    output_format: str,
) -> None:
    """Fit demand per product and lead times per supplier from CSV history; print the
    estimates and tests, and write a scenario fragment to extend."""
    import json

    from simulator.api import fit
    from simulator.history import HistoryError, parse_columns

    try:
        mapping = parse_columns(columns, _known_columns())
        result = fit(orders, deliveries, columns=mapping)
    except HistoryError as exc:
        fail(*(str(problem) for problem in exc.problems))
    if out is not None:
        from simulator.reporting.files import atomic_write

        try:
            atomic_write(out, result.fragment_yaml())
        except OSError as exc:
            fail(f"Error: cannot write {out}: {exc.strerror or exc}")
    if plot is not None:
        from simulator.reporting.fit_charts import write_fit_charts

        try:
            written = write_fit_charts(result, plot)
        except ImportError:
            fail("Error: --plot needs matplotlib: pip install 'backorder-sim[report]'")
        except OSError as exc:
            fail(f"Error: cannot write charts to {plot}: {exc.strerror or exc}")
        for path in written:
            click.echo(f"wrote {path}", err=True)
    if output_format == "json":
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        from simulator.reporting.fit_table import render_fit

        click.echo(render_fit(result), nl=False)
        if out is None:
            click.echo("(write the scenario fragment with --out FILE.yaml)")
    if out is not None:
        click.echo(f"wrote {out}", err=True)


def _known_columns() -> list[str]:
    from simulator.history import DELIVERY_COLUMNS, ORDER_COLUMNS

    return list(dict.fromkeys(c.name for c in (*ORDER_COLUMNS, *DELIVERY_COLUMNS)))
