"""The error an experiment raises for bad input (an unknown policy or executor, a bad count)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ExperimentError(ValueError):
    """A run was asked for something it cannot do; the message is one line for the user."""


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for the closest known word, or ``""`` when none is close."""
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
