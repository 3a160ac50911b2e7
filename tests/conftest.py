"""Suite-wide setup: the Hypothesis profile (see ``hypothesis_profiles.py``).

This file sits in ``tests/``, so pytest puts ``tests/`` on ``sys.path`` before any test
module is imported: tests import ``hypothesis_profiles`` from there, and its profile is
loaded before their ``@settings`` decorators run.
"""

from __future__ import annotations

import hypothesis_profiles


def pytest_report_header() -> str:
    """Say which Hypothesis profile this run uses (first lines of the pytest output)."""
    profile = hypothesis_profiles.PROFILE
    return f"hypothesis profile: {profile} (HYPOTHESIS_PROFILE=ci|dev|long)"
