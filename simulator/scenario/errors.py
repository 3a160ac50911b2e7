"""Problems found in a scenario, the exception that carries them, and message helpers.

Every problem is one line, ``file:line: key.path: message``. The parts:

- ``file`` is the file name as the user gave it (parents named by ``extends:`` are shown
  relative to the child's name), ``<dict>`` for a scenario given as a Python mapping, or
  ``--set`` for a value that came from a ``--set KEY=VALUE`` item (``--vary`` for one set
  by a grid point);
- ``line`` is the 1-based line of the key or list item, absent when unknown (a missing
  file, a mapping input, a ``--set`` value);
- ``path`` is the dotted key path (``products.widget.demand.rate_per_day``, list items as
  ``policies[2]``), empty for the file as a whole.

``--set`` problems read like the command line: ``--set KEY: message``, where KEY is the key
as the user typed it (a policy addressed by name stays addressed by name).
"""

from __future__ import annotations

import datetime
import difflib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

SET_FILE = "--set"
"""The ``file`` of problems in values that came from ``--set`` items."""

VARY_FILE = "--vary"
"""The ``file`` of problems in values that came from a grid point (``--vary`` settings)."""

DICT_FILE = "<dict>"
"""The ``file`` of problems in a scenario given as a Python mapping."""


@dataclass(frozen=True)
class Problem:
    """One problem in a scenario: where it is and what is wrong, as one line of text."""

    file: str
    """The file name as given by the user, ``<dict>`` or ``--set``."""
    line: int | None
    """1-based line of the offending key or item; None when there is no line to show."""
    path: str
    """Dotted key path (``products.widget.price``, ``policies[2].name``); may be empty."""
    message: str
    """What is wrong, in a few words, with the bad value when there is one."""
    column: int | None = None
    """1-based column, for a mistake in the YAML syntax itself (``file:line:col:``)."""

    def __str__(self) -> str:
        if self.file in (SET_FILE, VARY_FILE):
            where = f"{self.file} {self.path}" if self.path else self.file
            return f"{where}: {self.message}"
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.line is not None and self.column is not None:
            where += f":{self.column}"
        if self.path:
            where = f"{where}: {self.path}"
        return f"{where}: {self.message}"


class ScenarioError(Exception):
    """A scenario could not be loaded; ``problems`` holds every problem found, in file order."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        """Every problem found (never empty)."""
        super().__init__(self.problems)  # so that the error survives pickling

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The closest of `choices` to `word` (case-insensitive), or None if none is close.

    Close means a difflib ratio of at least 0.6, or else being the only choice that starts
    with `word` (``expo`` -> ``exponential``).
    """
    options = [c for c in choices if isinstance(c, str)]
    by_lower = {c.lower(): c for c in reversed(options)}
    lowered = word.lower()
    found = difflib.get_close_matches(lowered, list(by_lower), n=1, cutoff=0.6)
    if found:
        return by_lower[found[0]]
    starting = [c for c in by_lower if len(lowered) >= 2 and c.startswith(lowered)]
    return by_lower[starting[0]] if len(starting) == 1 else None


def hint(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    best = did_you_mean(word, choices)
    return f" (did you mean '{best}'?)" if best is not None else ""


def show_value(value: Any, limit: int = 60) -> str:
    """A value as the user wrote it in YAML: strings in double quotes, ``true``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, dict):
        return "a mapping"
    elif isinstance(value, list | tuple):
        return "a list"
    elif isinstance(value, datetime.date):
        return f"the date {value.isoformat()}"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + '..."'
