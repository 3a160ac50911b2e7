"""Which reporting function renders which result: registered with the experiment layer's
renderer registry, so results stay plain data and still render themselves in a notebook.

Each renderer imports its module when first called, so registering costs nothing at
start-up (a run does not pay for rich). A new rendering (an HTML view for
``_repr_html_``, a data frame for ``to_frame()``) is one more line in :data:`RENDERERS`.
"""

from __future__ import annotations

import importlib
from typing import Any

from simulator.experiment.rendering import Renderer, register_renderer

RunResult = "simulator.experiment.result.RunResult"
CompareResult = "simulator.experiment.compare.CompareResult"
TraceResult = "simulator.experiment.trace.TraceResult"
"""The result classes, by name: registering imports none of them (a run needs no other)."""

RENDERERS: list[tuple[str, str, str]] = [
    (RunResult, "table", "simulator.reporting.table:render_table"),
    (RunResult, "terminal", "simulator.reporting.table:print_tables"),
    (RunResult, "json", "simulator.reporting.formats:to_json"),
    (RunResult, "csv", "simulator.reporting.formats:to_csv"),
    (CompareResult, "table", "simulator.reporting.comparison:render_comparison"),
    (CompareResult, "terminal", "simulator.reporting.comparison:print_comparison"),
    (CompareResult, "json", "simulator.reporting.formats:to_json"),
    (RunResult, "html", "simulator.reporting.notebook:run_html"),
    (RunResult, "frame", "simulator.reporting.notebook:run_frame"),
    (CompareResult, "html", "simulator.reporting.notebook:compare_html"),
    (CompareResult, "frame", "simulator.reporting.notebook:compare_frame"),
    (TraceResult, "html", "simulator.reporting.notebook:trace_html"),
    (TraceResult, "frame", "simulator.reporting.notebook:trace_frame"),
]
"""(result class's dotted name, kind, ``module:function``) for every renderer of this
layer."""


def _lazy(target: str) -> Renderer:
    """A renderer that imports ``module:function`` when first called."""
    module, _, name = target.partition(":")

    def renderer(result: Any, **options: Any) -> Any:
        return getattr(importlib.import_module(module), name)(result, **options)

    renderer.__qualname__ = renderer.__name__ = name
    return renderer


def register_all() -> None:
    """Register every renderer of the reporting layer (idempotent)."""
    for cls, kind, target in RENDERERS:
        register_renderer(cls, kind, _lazy(target))
