"""Numbers for people: a metric's mean and 95% half-width in a narrow, readable cell.

Every cell of a row shares one format, chosen from the largest mean of the row: rates and
shares 3 decimals (``0.912 ± 0.004``), days 2, counts and unit averages 1 (none from 1,000
up, in thousands from 100,000 up), money none from 100 up (else 2) and in thousands
(``152.3k ± 1.2k``) or millions (``12.35M``) from 10,000 up, so that a money column is
no wider than a rate column.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.metrics.record import MONEY_METRICS, RATE_METRICS, is_money, is_rate
from simulator.metrics.summary import Summary

__all__ = [
    "MONEY_METRICS",
    "RATE_METRICS",
    "UNDEFINED",
    "Style",
    "decimals",
    "format_cell",
    "format_number",
    "is_money",
    "is_rate",
    "style",
    "styled",
]

UNDEFINED = "n/a"
"""What a cell shows when the metric was undefined in every replication."""


@dataclass(frozen=True)
class Style:
    """How the numbers of one row are written: a unit to divide by, its suffix, decimals."""

    places: int
    """Decimals after the point."""
    divisor: float = 1.0
    """Numbers are shown divided by this (1000 for ``k``)."""
    suffix: str = ""
    """Written after each number (``k``, ``M`` or nothing)."""


def decimals(metric: str, value: float) -> int:
    """How many decimals a metric is shown with, for values of the size of ``value``
    (before any k/M scaling): rates 3, money 0 from 100 up (else 2), days 2, others 1
    (0 from 1,000 up)."""
    if is_rate(metric):
        return 3
    if is_money(metric):
        return 0 if abs(value) >= 100 else 2
    if metric.endswith("_days"):
        return 2
    return 0 if abs(value) >= 1000 else 1


def style(metric: str, largest: float) -> Style:
    """The style of a row whose largest absolute mean is ``largest``."""
    size = abs(largest)
    if is_money(metric):
        if size >= 10_000_000:
            return Style(2, 1_000_000.0, "M")
        if size >= 10_000:
            return Style(1, 1_000.0, "k")
    elif not is_rate(metric) and not metric.endswith("_days") and size >= 100_000:
        return Style(1, 1_000.0, "k")
    return Style(decimals(metric, size))


def format_number(metric: str, value: float, places: int | None = None) -> str:
    """``value`` with thousands separators and the metric's decimals (or ``places``)."""
    digits = decimals(metric, value) if places is None else places
    return _fixed(value, digits)


def _fixed(value: float, digits: int) -> str:
    text = f"{value:,.{digits}f}"
    # Avoid "-0.000" for values that round to zero.
    return text[1:] if text.startswith("-") and float(text.replace(",", "")) == 0 else text


def styled(value: float, how: Style) -> str:
    """``value`` written in the row style ``how`` (an exact 0 as ``0``, without a unit)."""
    if value == 0 and how.suffix:
        return "0"
    return _fixed(value / how.divisor, how.places) + how.suffix


def format_cell(
    metric: str,
    summary: Summary,
    replications: int | None = None,
    places: int | None = None,
    how: Style | None = None,
) -> str:
    """A table cell: ``mean ± half-width``; the mean alone when n = 1; ``n/a`` when n = 0.

    When the metric was defined in fewer than ``replications`` replications, ``(n=K)``
    follows, so a reader knows the interval rests on fewer runs. ``how`` is the row's
    style (see :func:`style`); else ``places`` decimals, else the metric's own.
    """
    if summary.mean is None:
        return UNDEFINED
    if how is None:
        how = Style(decimals(metric, summary.mean) if places is None else places)
    text = styled(summary.mean, how)
    half = summary.half_width
    if half is not None:
        text += f" ± {styled(half, how)}"
    if replications is not None and summary.n < replications:
        text += f" (n={summary.n})"
    return text
