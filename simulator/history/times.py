"""Times in history files: an ISO date, an ISO date-time, or a number of days."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Stamp:
    """One parsed time: a calendar moment, or a plain number of days."""

    moment: dt.datetime | None
    """The date-time (midnight for a date), naive UTC; None for a number of days."""
    days: float | None
    """The number of days, for a numeric time; None for a date."""
    date_only: bool
    """Written as a date without a time of day (the moment is that day's midnight)."""

    @property
    def kind(self) -> str:
        """``"number"`` or ``"date"``: files may not mix the two."""
        return "number" if self.moment is None else "date"


def parse_time(text: str) -> Stamp | str:
    """The Stamp of ``text``, or why it is not a time (a message naming the value)."""
    value = text.strip()
    if not value:
        return "missing value"
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None:
        if not math.isfinite(number):
            return f"must be a finite number of days, got {text!r}"
        return Stamp(None, number, False)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return f"not an ISO date (YYYY-MM-DD), date-time or number of days, got {text!r}"
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    date_only = len(value) <= 10 and "T" not in value and ":" not in value
    return Stamp(moment, None, date_only)


def days_between(origin: dt.datetime, moment: dt.datetime) -> float:
    """Days from ``origin`` to ``moment`` (fractional)."""
    return (moment - origin).total_seconds() / 86400.0


def midnight(moment: dt.datetime) -> dt.datetime:
    """The start of ``moment``'s day."""
    return dt.datetime(moment.year, moment.month, moment.day)
