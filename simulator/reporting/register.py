"""Which reporting function renders which result: registered with the experiment layer's
renderer registry, so results stay plain data and still render themselves in a notebook.

A new rendering (an HTML view for ``_repr_html_``, a data frame) is one more line here.
"""

from __future__ import annotations

import importlib
from typing import Any

from simulator.experiment.compare import CompareResult
from simulator.experiment.rendering import Renderer, register_renderer
from simulator.experiment.result import RunResult


def _lazy(module: str, name: str) -> Renderer:
    """A renderer that imports ``simulator.reporting.<module>`` only when first called, so
    that importing the reporting layer stays cheap (rich, matplotlib load on use)."""

    def renderer(obj: Any, **options: Any) -> Any:
        function = getattr(importlib.import_module(f"simulator.reporting.{module}"), name)
        return function(obj, **options)

    renderer.__name__ = name
    return renderer


def register_all() -> None:
    """Register every renderer of the reporting layer (idempotent)."""
    register_renderer(RunResult, "table", _lazy("table", "render_table"))
    register_renderer(RunResult, "json", _lazy("formats", "to_json"))
    register_renderer(RunResult, "csv", _lazy("formats", "to_csv"))
    register_renderer(RunResult, "terminal", _lazy("table", "print_tables"))
    register_renderer(CompareResult, "terminal", _lazy("comparison", "print_comparison"))
    register_renderer(CompareResult, "json", _lazy("formats", "to_json"))
    register_renderer(CompareResult, "table", _lazy("comparison", "render_comparison"))
