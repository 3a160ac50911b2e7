"""Reporting: tables for people, JSON and CSV for programs, and atomic file output.

Importing this package registers its renderers with :mod:`simulator.experiment.rendering`,
so that results offer ``table()``, ``to_json()`` and ``to_csv()``.
"""

from simulator.reporting.files import atomic_write
from simulator.reporting.formats import CSV_COLUMNS, to_csv, to_json
from simulator.reporting.register import register_all
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

register_all()
