"""The quick mass floors (simulator/mass_floor.py) that let validation accept a bounded
Poisson or normal distribution without importing scipy: never above scipy's exact mass
(beyond rounding), so a floor of twice the share needed proves the check passes; and the
check's decision and every refusal's message are what scipy alone gives."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_profiles import examples
from pydantic import TypeAdapter, ValidationError
from scipy import stats

from simulator import distributions
from simulator.distributions import Distribution, parse_distribution
from simulator.mass_floor import normal_floor, poisson_floor

ADAPTER: TypeAdapter[Any] = TypeAdapter(Distribution)
ROOT = Path(__file__).resolve().parents[2]

means = st.floats(-3, 6).map(lambda e: 10.0**e)
bounds = st.one_of(st.none(), st.floats(-50, 1e6, allow_nan=False))


def exact_poisson(mean: float, lo: float, hi: float) -> float:
    """P(lo <= X <= hi) by scipy, X ~ Poisson(mean)."""
    first = max(0, math.ceil(lo)) if lo > -math.inf else 0
    last = math.floor(hi) if hi < math.inf else math.inf
    if last < first:
        return 0.0
    return float(stats.poisson.cdf(last, mean) - stats.poisson.cdf(first - 1, mean))


@settings(max_examples=examples(300), deadline=None)
@given(means, bounds, bounds)
def test_the_poisson_floor_never_exceeds_the_exact_mass(mean: float, lo: Any, hi: Any) -> None:
    lo = -math.inf if lo is None else lo
    hi = math.inf if hi is None else hi
    floor = poisson_floor(mean, lo, hi)
    exact = exact_poisson(mean, lo, hi)
    assert floor <= exact * (1 + 1e-6) + 1e-12


@settings(max_examples=examples(300), deadline=None)
@given(st.floats(-1e6, 1e6), st.floats(-4, 4).map(lambda e: 10.0**e), bounds, bounds)
def test_the_normal_floor_never_exceeds_the_exact_mass(
    mean: float, sd: float, lo: Any, hi: Any
) -> None:
    lo = -math.inf if lo is None else lo
    hi = math.inf if hi is None else hi
    floor = normal_floor(mean, sd, lo, hi)
    exact = max(0.0, float(stats.norm.cdf(hi, mean, sd) - stats.norm.cdf(lo, mean, sd)))
    exact = max(exact, float(stats.norm.sf(lo, mean, sd) - stats.norm.sf(hi, mean, sd)))
    assert floor <= exact + 1e-12


def test_the_floors_are_close_where_they_matter() -> None:
    """A floor that is far below the mass would send every check to scipy again."""
    assert poisson_floor(2.0, 1, math.inf) == pytest.approx(1 - math.exp(-2), rel=1e-9)
    assert poisson_floor(1e5, 0, math.inf) > 0.05  # 81 terms of about 1e-3
    assert normal_floor(5.0, 2.0, 0.0, math.inf) == pytest.approx(
        float(stats.norm.sf(0, 5, 2)), abs=1e-11
    )
    assert poisson_floor(2.0, 5, 4) == 0.0 and normal_floor(0.0, 1.0, 2.0, 1.0) == 0.0
    assert poisson_floor(1e7, 0, math.inf) == 0.0  # too large a mean: no floor


spec_poisson = st.fixed_dictionaries(
    {"dist": st.just("poisson"), "mean": st.floats(0.01, 1e3)},
    optional={"min": st.integers(-3, 60), "max": st.integers(-3, 80)},
)
spec_normal = st.fixed_dictionaries(
    {"dist": st.just("normal"), "mean": st.floats(-50, 50), "sd": st.floats(0.01, 20)},
    optional={"min": st.floats(-100, 100), "max": st.floats(-100, 100)},
)


@st.composite
def near_the_limit(draw: st.DrawFn) -> dict[str, Any]:
    """A distribution bounded z standard deviations above its mean: the mass kept runs
    from a half to far below the 1e-4 needed, through the cases a floor decides."""
    z = draw(st.floats(0, 9))
    if draw(st.booleans()):
        mean = draw(st.floats(0.3, 300))
        return {"dist": "poisson", "mean": mean, "min": math.ceil(mean + z * math.sqrt(mean))}
    mean, sd = draw(st.floats(-50, 50)), draw(st.floats(0.01, 20))
    return {"dist": "normal", "mean": mean, "sd": sd, "min": mean + z * sd}


def checked(spec: dict[str, Any]) -> tuple[Any, ...]:
    """What validation says of `spec`: refused with its message, or accepted with what a
    whole-number use (an order size) says of it."""
    distributions._ACCEPTANCE.clear()
    distributions._ENOUGH.clear()
    try:
        made = ADAPTER.validate_python(parse_distribution(spec))
    except ValidationError as exc:
        return "refused", str(exc)
    return "accepted", made.integer_problem(1), made.time_problem()


@settings(max_examples=examples(300), deadline=None)
@given(st.one_of(spec_poisson, spec_normal, near_the_limit()))
def test_the_bounds_check_decides_as_scipy_alone(spec: dict[str, Any]) -> None:
    """The same acceptance and the same messages with the floors as with scipy alone."""
    fast = checked(spec)
    with (
        mock.patch.object(distributions.Poisson, "_mass_floor", lambda self, lo, hi: 0.0),
        mock.patch.object(distributions.Normal, "_mass_floor", lambda self, lo, hi: 0.0),
    ):
        slow = checked(spec)
    assert fast == slow


def test_validating_a_bounded_poisson_order_size_imports_no_scipy(tmp_path: Path) -> None:
    """The benchmark catalogue's order sizes ({dist: poisson, mean: 2, min: 1}) validate
    without scipy (importing it costs more than validating 100,000 products)."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        f"sys.path.insert(0, {str(ROOT / 'benchmarks')!r})\n"
        "from catalogue_load import write_catalogue\n"
        "from simulator import load_scenario\n"
        f"path = Path({str(tmp_path / 'c.yaml')!r})\n"
        "write_catalogue(path, 20)\n"
        "loaded = load_scenario(path)\n"
        "assert loaded.scenario.products['sku000001'].demand is not None\n"
        "print('scipy' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
