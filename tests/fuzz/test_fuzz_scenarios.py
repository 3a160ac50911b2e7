"""Fuzzing the loader and the model with Hypothesis (issue 14).

Random mutations of every bundled scenario (keys deleted, types changed, numbers negative,
zero, tiny, huge, NaN, infinite, text, lists where mappings belong, control characters,
deep nesting), random YAML documents and random bytes: loading either refuses with one
``FILE:LINE: key: message`` line per problem, or accepts, and every accepted file runs to
completion, for a short horizon, within a time bound (an alarm turns a hang into a
failure). Derandomised: the same examples on every run.
"""

from __future__ import annotations

import copy
import math
import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from simulator.experiment.errors import ExperimentError
from simulator.experiment.runner import run_experiment
from simulator.scenario import ScenarioError, load_scenario
from simulator.scenario.checks import check_rules

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted((ROOT / "scenarios").glob("*.yaml"))
DOCUMENTS = {path.name: yaml.safe_load(path.read_text()) for path in BUNDLED}

SECONDS = 20
"""A load, or a run of an accepted file, that takes longer than this is a hang."""

FUZZ = settings(
    derandomize=True,
    deadline=None,
    max_examples=120,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="needs SIGALRM")

LINE = re.compile(r"^[^\n:]+(:\d+(:\d+)?)?: \S.*$")
"""``FILE:LINE: key: message`` (line and column optional, as for a missing file)."""


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    def hang(signum: int, frame: object) -> None:
        raise TimeoutError(f"no answer within {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def check_file(path: Path) -> str:
    """Load `path`; if it is accepted, run it briefly. 'refused', 'ran' or 'too large'."""
    with time_limit(SECONDS):
        try:
            loaded = load_scenario(path)
        except ScenarioError as exc:
            lines = [str(problem) for problem in exc.problems]
            assert lines
            for line in lines:
                assert LINE.match(line), line
                assert line.startswith(str(path)) or line.startswith("--set"), line
                assert len(line) < 600, line
            return "refused"
        # the loader skips the plain-data rules for data the schema accepts: they must agree
        assert check_rules(loaded.raw) == []
        try:
            short = loaded.with_sets(["horizon_days=20", "warmup_days=0"])
        except ScenarioError:
            short = loaded  # the short horizon breaks a rule of this file: run it as it is
        try:
            result = run_experiment(short, replications=2, executor="serial")
        except ExperimentError as exc:  # the size check, or the watchdog
            assert "\n" not in str(exc)
            return "too large"
        for policy in result.policies.values():
            for summary in policy.metrics.values():
                assert summary.mean is None or math.isfinite(summary.mean)
        return "ran"


# -- mutations of the bundled scenarios -----------------------------------------------------

NASTY = [
    -1,
    0,
    -0.0,
    5e-324,
    1e-300,
    1e308,
    10**400,
    -(10**30),
    math.nan,
    math.inf,
    -math.inf,
    "ten",
    "",
    "=cmd|' /C calc'!A0",
    "a\x01b",
    True,
    None,
    [],
    [1, 2],
    {},
    {"dist": "normal", "mean": 0, "sd": 1e-300},
    {"dist": "exponential", "mean": 1, "min": 1000},
    {"dist": "uniform", "low": 1, "high": 1},
    {"every_days": 0, "duration_days": 0},
    [{"start_day": 0, "end_day": 1, "multiplier": 0, "repeat_every_days": 1}],
]


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key path and list index in a document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*prefix, index)
            yield from paths(value, (*prefix, index))


def nested(depth: int) -> Any:
    value: Any = 1
    for level in range(depth):
        value = {"k": value} if level % 2 else [value]
    return value


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    """(bundled scenario name, YAML text of a mutated copy)."""
    name = draw(st.sampled_from(sorted(DOCUMENTS)))
    data = copy.deepcopy(DOCUMENTS[name])
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(list(paths(data))))
        parent = data
        for key in where[:-1]:
            parent = parent[key]
        key = where[-1]
        action = draw(
            st.sampled_from(["delete", "replace", "replace", "scale", "scale", "nest", "wrap"])
        )
        if action == "delete" and isinstance(parent, dict):
            del parent[key]
        elif action == "scale" and isinstance(parent[key], int | float):
            factor = draw(st.sampled_from([-1, 0, 1e-320, 1e300, 1e9, 1 + 1e-15, 0.5, 2, 10]))
            try:
                parent[key] = parent[key] * factor
            except OverflowError:  # a huge integer put there by an earlier mutation
                parent[key] = float("inf")
        elif action == "nest":
            parent[key] = nested(draw(st.sampled_from([5, 70, 400])))
        elif action == "wrap":  # a list where a mapping belongs, or the reverse
            value = parent[key]
            parent[key] = list(value.values()) if isinstance(value, dict) else {"x": value}
        else:
            parent[key] = copy.deepcopy(draw(st.sampled_from(NASTY)))
        if not isinstance(data, dict) or not data:
            break
    text = yaml.safe_dump(data, sort_keys=False, width=10_000)
    if draw(st.integers(0, 9)) == 0:  # a raw control character somewhere
        at = draw(st.integers(0, len(text)))
        text = (
            text[:at] + draw(st.sampled_from(["\x00", "\x01", "\x1b", "\x7f", "\x85"])) + text[at:]
        )
    return name, text


def _refused_clearly_or_run(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[str, str]
) -> None:
    """Write the fuzzed file ``case`` (name, text) and check it: refused in clear lines, or
    run to completion (see :func:`check_file`)."""
    name, text = case
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_text(text, encoding="utf-8")
    outcome = check_file(path)
    event(outcome)
    assert outcome in {"refused", "ran", "too large"}


@settings(FUZZ, max_examples=250)
@given(mutated())
def test_mutated_bundled_scenarios_are_refused_clearly_or_run(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[str, str]
) -> None:
    _refused_clearly_or_run(tmp_path_factory, case)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_every_bundled_scenario_is_fuzzed_and_runs_unmutated(path: Path) -> None:
    assert check_file(path) == "ran"


# -- random documents ------------------------------------------------------------------------

KEYS = [
    "name", "horizon_days", "warmup_days", "replications", "seed", "products", "suppliers",
    "policies", "customers", "demand", "rate_per_day", "price", "replenishment", "policy",
    "level", "lead_time_days", "dist", "mean", "sd", "min", "max", "backorder", "allow",
    "extends", "sourcing", "seasonality", "disruptions", "every_days", "duration_days",
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["base_stock", "rQ", "exponential", "poisson", "fifo", "w", "a"]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=5)
    ),
    max_leaves=30,
)


@FUZZ
@given(st.dictionaries(st.sampled_from(KEYS), values, max_size=8))
def test_random_documents_are_refused_clearly_or_run(
    tmp_path_factory: pytest.TempPathFactory, document: dict[str, Any]
) -> None:
    document.pop("extends", None)  # extends: is fuzzed below, against chosen files only
    path = tmp_path_factory.mktemp("fuzz") / "random.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    outcome = check_file(path)
    event(outcome)
    assert outcome in {"refused", "ran", "too large"}


@FUZZ
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8", "replace")))
def test_random_bytes_are_refused_clearly(
    tmp_path_factory: pytest.TempPathFactory, raw: bytes
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "bytes.yaml"
    path.write_bytes(raw)
    outcome = check_file(path)
    event(outcome)
    assert outcome in {"refused", "ran", "too large"}


@st.composite
def perturbed(draw: st.DrawFn) -> tuple[str, str]:
    """A bundled scenario with some of its numbers scaled within sane ranges, and a few
    switches flipped: mostly files that validate, to run."""
    name = draw(st.sampled_from(sorted(DOCUMENTS)))
    data = copy.deepcopy(DOCUMENTS[name])
    for where in paths(data):
        parent = data
        for key in where[:-1]:
            parent = parent[key]
        value = parent[where[-1]]
        if isinstance(value, bool):
            if draw(st.integers(0, 4)) == 0:
                parent[where[-1]] = not value
        elif isinstance(value, int | float) and draw(st.booleans()):
            factor = draw(st.sampled_from([0, 0.1, 0.5, 2, 3, 10]))
            scaled = value * factor
            parent[where[-1]] = round(scaled) if isinstance(value, int) else scaled
    return name, yaml.safe_dump(data, sort_keys=False, width=10_000)


@settings(FUZZ, max_examples=200)
@given(perturbed())
def test_perturbed_bundled_scenarios_are_refused_clearly_or_run(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[str, str]
) -> None:
    _refused_clearly_or_run(tmp_path_factory, case)


FAULTS = [math.nan, math.inf, -math.inf, -1, 0, 5e-324, 1e308, 10**400, "x", None]
"""Each written in turn in place of every number of every bundled scenario."""


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_number_of_every_bundled_scenario_replaced_by_every_fault(
    tmp_path: Path, name: str
) -> None:
    """One fault at a time, systematically: a number the model cannot run never validates
    (or the run would end in a traceback or a hang, which fails here)."""
    document = DOCUMENTS[name]
    numbers = [
        where
        for where in paths(document)
        if isinstance(_at(document, where), int | float)
        and not isinstance(_at(document, where), bool)
    ]
    # every key once: the same key of another product or supplier (a catalogue has 56 of
    # each) goes through the same field type and would only repeat the check
    numbers = list({_generic(where): where for where in reversed(numbers)}.values())[::-1]
    assert numbers
    outcomes: dict[str, int] = {}
    for where in numbers:
        for fault in FAULTS:
            data = copy.deepcopy(document)
            parent = _at(data, where[:-1])
            parent[where[-1]] = fault
            path = tmp_path / f"{len(outcomes)}-{name}"
            path.write_text(yaml.safe_dump(data, sort_keys=False, width=10_000))
            outcome = check_file(path)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    assert outcomes.get("refused", 0) > 0


def _generic(where: tuple[Any, ...]) -> tuple[Any, ...]:
    """A number's key path with product and supplier ids left out."""
    return tuple(
        "*" if i > 0 and where[i - 1] in ("products", "suppliers") else key
        for i, key in enumerate(where)
    )


def _at(node: Any, where: tuple[Any, ...]) -> Any:
    for key in where:
        node = node[key]
    return node
