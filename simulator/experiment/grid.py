"""Grids of settings: ``--vary`` specs, every combination of them, and a scenario at a point.

A spec is ``KEY=V1,V2,...`` (values read as YAML scalars, or one YAML flow list
``KEY=[a, b]``) or ``KEY=START:STOP:STEP`` (STOP included when the steps reach it). Ranges
are computed in decimal arithmetic and each value rounded to the nearest float once, so
``0.1:0.3:0.1`` gives exactly ``[0.1, 0.2, 0.3]`` (never ``0.30000000000000004`` nor a
missing last point); whole-number ranges stay ``int``.

A point is a mapping from dotted keys to values; :func:`apply_settings` sets them exactly as
``--set`` does (policies addressed by name) and validates the result again.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from simulator.experiment.errors import ExperimentError
from simulator.scenario.errors import SET_FILE, VARY_FILE, ScenarioError
from simulator.scenario.loader import LoadedScenario
from simulator.scenario.yaml_lines import parse_yaml

MAX_POINTS = 1_000_000
"""A range or grid with more points than this is refused (a typo, not a plan)."""


def parse_vary(spec: str) -> tuple[str, list[Any]]:
    """The key and values of one ``--vary`` spec; ExperimentError (one line) if it is bad."""
    if not isinstance(spec, str) or "=" not in spec:
        raise ExperimentError(
            f"--vary {spec!r}: expected KEY=V1,V2,... or KEY=START:STOP:STEP (no '=' found)"
        )
    key, text = spec.split("=", 1)
    key = key.strip()
    if not key or any(not part.strip() for part in key.split(".")):
        raise ExperimentError(f"--vary {spec!r}: malformed key {key!r}")
    text = text.strip()
    if not text:
        raise ExperimentError(f"--vary {key}: no values given")
    parts = text.split(",")
    ranged = _range(key, text) if len(parts) == 1 else None
    if text.startswith("["):
        values = _flow_list(key, text)
    elif ranged is not None:
        values = ranged
    else:
        values = [_scalar(key, part) for part in parts]
    _check_distinct(key, values)
    return key, values


def grid_points(vary: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the values of `vary`, the first key varying slowest.

    An empty mapping is one point with no settings. A key with no values is refused.
    """
    keys = list(vary)
    for key in keys:
        values = vary[key]
        if isinstance(values, str | bytes) or not isinstance(values, Sequence):
            raise ExperimentError(f"--vary {key}: values must be a list, got {values!r}")
        if len(values) == 0:
            raise ExperimentError(f"--vary {key}: no values given")
    size = math.prod(len(vary[key]) for key in keys)
    if size > MAX_POINTS:
        raise ExperimentError(f"the grid has {size} points, more than {MAX_POINTS}")
    return [
        dict(zip(keys, combo, strict=True))
        for combo in itertools.product(*(list(vary[key]) for key in keys))
    ]


def apply_settings(loaded: LoadedScenario, settings: Mapping[str, Any]) -> LoadedScenario:
    """`loaded` with each dotted key of `settings` set to its value, as ``--set`` does.

    Policies are addressed by name (``policies.honest-eta.backorder.max_backlog_units``);
    the result is validated again. A bad key or value raises ScenarioError whose problems
    read ``--vary KEY: message``; a value that cannot be written as YAML raises
    ExperimentError.
    """
    if not settings:
        return loaded
    items = [f"{key}={_yaml_text(key, value)}" for key, value in settings.items()]
    try:
        return loaded.with_sets(items)
    except ScenarioError as exc:
        problems = [
            dataclasses.replace(p, file=VARY_FILE) if p.file == SET_FILE else p
            for p in exc.problems
        ]
        raise ScenarioError(problems) from None


# -- values -----------------------------------------------------------------------------------


def _scalar(key: str, text: str) -> Any:
    text = text.strip()
    if not text:
        raise ExperimentError(f"--vary {key}: an empty value in the list")
    doc = parse_yaml(text, "--vary")
    if doc.problems:
        raise ExperimentError(f"--vary {key}: cannot read the value {text!r}")
    if isinstance(doc.data, dict | list):
        raise ExperimentError(
            f"--vary {key}: {text!r} is not a single value (write a list as KEY=[a, b])"
        )
    return doc.data


def _flow_list(key: str, text: str) -> list[Any]:
    doc = parse_yaml(text, "--vary")
    if doc.problems or not isinstance(doc.data, list):
        raise ExperimentError(f"--vary {key}: cannot read {text!r} as a list of values")
    if not doc.data:
        raise ExperimentError(f"--vary {key}: no values given")
    return list(doc.data)


def _number(text: str) -> decimal.Decimal | None:
    """`text` as an exact decimal if YAML reads it as an int or a finite float, else None."""
    doc = parse_yaml(text, "--vary")
    value = doc.data
    if doc.problems or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        return decimal.Decimal(text.strip())
    except decimal.InvalidOperation:
        return decimal.Decimal(repr(value))


def _range(key: str, text: str) -> list[Any] | None:
    """The values of ``START:STOP:STEP``, or None when `text` is not of that form."""
    parts = text.split(":")
    if len(parts) != 3:
        return None
    numbers = [_number(part) for part in parts]
    if any(n is None for n in numbers):
        if all(_number(p) is not None or not p.strip() for p in parts):
            raise ExperimentError(f"--vary {key}: a range needs START:STOP:STEP, got {text!r}")
        return None
    start, stop, step = (n for n in numbers if n is not None)
    if step == 0:
        raise ExperimentError(f"--vary {key}: the step must not be 0, got {text!r}")
    if (stop - start) * step < 0:
        raise ExperimentError(
            f"--vary {key}: the step {parts[2].strip()} never reaches {parts[1].strip()} "
            f"from {parts[0].strip()}"
        )
    with decimal.localcontext() as context:
        context.prec = 50
        count = int((stop - start) / step) + 1
        if count > MAX_POINTS:
            raise ExperimentError(
                f"--vary {key}: {text!r} has {count} values, more than {MAX_POINTS}"
            )
        exact = [start + i * step for i in range(count)]
    integral = all(isinstance(parse_yaml(p, "--vary").data, int) for p in parts)
    if integral:
        return [int(v) for v in exact]
    return [float(v) for v in exact]


def _check_distinct(key: str, values: list[Any]) -> None:
    seen: list[Any] = []
    for value in values:
        if any(value == s and type(value) is type(s) for s in seen):
            raise ExperimentError(f"--vary {key}: the value {value!r} is given twice")
        seen.append(value)


def _yaml_text(key: str, value: Any) -> str:
    """`value` as YAML flow text that reads back as the same value."""
    text = _flow(key, value)
    back = parse_yaml(text, "--vary")
    if back.problems or back.data != _plain(value):
        raise ExperimentError(f"--vary {key}: the value {value!r} cannot be written as YAML")
    return text


def _flow(key: str, value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_flow(key, k)}: {_flow(key, v)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow(key, v) for v in value) + "]"
    raise ExperimentError(f"--vary {key}: cannot set a value of type {type(value).__name__}")


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
