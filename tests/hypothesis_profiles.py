"""Hypothesis profiles for the suite, chosen by ``HYPOTHESIS_PROFILE`` (default by ``CI``).

- ``ci`` (the default when ``CI=true``, as in ``.ci/run``): derandomised, so every run tries
  the same examples and coverage does not drift between runs; no example database.
- ``dev`` (the default elsewhere): random examples, remembered in ``.hypothesis/``.
- ``long``: random, ten times the examples of each test, for a long local hunt
  (``HYPOTHESIS_PROFILE=long pytest tests/property tests/unit/test_distributions.py``).

Tests give their example counts through :func:`examples`, so that ``long`` scales them
(an explicit ``max_examples`` in ``@settings`` wins over any profile).
"""

from __future__ import annotations

import os

from hypothesis import settings

SCALE = {"ci": 1, "dev": 1, "long": 10}
"""How many times its own example count each test runs under each profile."""

settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.register_profile("long", deadline=None)


def profile_name() -> str:
    """The profile asked for: ``HYPOTHESIS_PROFILE``, else ``ci`` when ``CI`` is set."""
    chosen = os.environ.get("HYPOTHESIS_PROFILE")
    if chosen:
        if chosen not in SCALE:
            raise ValueError(f"HYPOTHESIS_PROFILE (={chosen!r}) must be one of {', '.join(SCALE)}")
        return chosen
    ci = os.environ.get("CI", "").strip().lower()
    return "ci" if ci not in ("", "0", "false", "no") else "dev"


PROFILE = profile_name()
"""The profile in use for this test run."""
settings.load_profile(PROFILE)


def examples(count: int) -> int:
    """A test's example count under the current profile (``count`` unless ``long``)."""
    return count * SCALE[PROFILE]
