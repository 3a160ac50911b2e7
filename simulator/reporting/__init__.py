"""Reporting: tables for people, JSON and CSV for programs, and atomic file output."""

from simulator.reporting.files import NotARegularFile, atomic_write, output_target
from simulator.reporting.formats import CSV_COLUMNS, safe_cell, to_csv, to_json
from simulator.reporting.table import build_tables, format_cell, print_tables, render_table

__all__ = [
    "CSV_COLUMNS",
    "NotARegularFile",
    "atomic_write",
    "build_tables",
    "format_cell",
    "output_target",
    "print_tables",
    "render_table",
    "safe_cell",
    "to_csv",
    "to_json",
]
