"""Which reporting function renders which result: registered with the experiment layer's
renderer registry, so results stay plain data and still render themselves in a notebook.

A new rendering (an HTML view for ``_repr_html_``, a data frame) is one more line here.
"""

from __future__ import annotations

from simulator.experiment.compare import CompareResult
from simulator.experiment.rendering import register_renderer
from simulator.experiment.result import RunResult


def register_all() -> None:
    """Register every renderer of the reporting layer (idempotent)."""
    from simulator.reporting.comparison import print_comparison, render_comparison
    from simulator.reporting.formats import to_csv, to_json
    from simulator.reporting.table import print_tables, render_table

    register_renderer(RunResult, "table", render_table)
    register_renderer(RunResult, "json", to_json)
    register_renderer(RunResult, "csv", to_csv)
    register_renderer(RunResult, "terminal", print_tables)
    register_renderer(CompareResult, "terminal", print_comparison)
    register_renderer(CompareResult, "json", to_json)
    register_renderer(CompareResult, "table", render_comparison)
