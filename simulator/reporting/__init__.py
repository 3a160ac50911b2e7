"""Reporting: tables for people, JSON and CSV for programs, and atomic file output.

Importing this package registers its renderers with :mod:`simulator.experiment.rendering`,
so that results offer ``table()``, ``to_json()`` and ``to_csv()``. It stays light: the
modules that draw tables (and import rich) load when first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from simulator.reporting.register import register_all

if TYPE_CHECKING:
    from simulator.reporting.files import atomic_write
    from simulator.reporting.formats import CSV_COLUMNS, to_csv, to_json
    from simulator.reporting.table import build_tables, format_cell, print_tables, render_table

__all__ = [
    "CSV_COLUMNS",
    "atomic_write",
    "build_tables",
    "format_cell",
    "print_tables",
    "render_table",
    "to_csv",
    "to_json",
]

_LAZY: dict[str, str] = {
    "atomic_write": "simulator.reporting.files",
    "CSV_COLUMNS": "simulator.reporting.formats",
    "to_csv": "simulator.reporting.formats",
    "to_json": "simulator.reporting.formats",
    "build_tables": "simulator.reporting.table",
    "format_cell": "simulator.reporting.table",
    "print_tables": "simulator.reporting.table",
    "render_table": "simulator.reporting.table",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'simulator.reporting' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


register_all()
