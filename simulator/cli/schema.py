"""``backorder-sim schema``: print the JSON Schema of the scenario file, for editors."""

from __future__ import annotations

import click


@click.command("schema")
def command() -> None:
    """Print the JSON Schema of the scenario file (for editor completion and checking)."""
    import json

    from simulator.scenario.editor_schema import scenario_json_schema

    click.echo(json.dumps(scenario_json_schema(), indent=2))
