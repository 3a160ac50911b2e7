"""``backorder-sim schema``: the JSON Schema editors use agrees with ``validate``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from simulator.cli import main
from simulator.scenario.editor_schema import scenario_json_schema

ROOT = Path(__file__).resolve().parents[2]
GOOD = sorted((ROOT / "scenarios").glob("*.yaml")) + sorted(
    (ROOT / "tests/data/good").glob("*.yaml")
)


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = scenario_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def problems(validator: jsonschema.Draft202012Validator, data: Any) -> list[str]:
    return [error.message for error in validator.iter_errors(data)]


@pytest.mark.parametrize("path", GOOD, ids=[p.name for p in GOOD])
def test_every_good_file_passes(validator: jsonschema.Draft202012Validator, path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert problems(validator, data) == []


def quickstart() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "scenarios/quickstart.yaml").read_text())
    return data


def test_mistakes_are_flagged(validator: jsonschema.Draft202012Validator) -> None:
    data = quickstart()
    data["horizn_days"] = 10
    assert any("horizn_days" in p for p in problems(validator, data))
    data = quickstart()
    data["replications"] = 0
    assert problems(validator, data)
    data = quickstart()
    data["policies"][0]["backorder"]["allocation"] = "random"
    assert problems(validator, data)
    data = quickstart()
    data["products"]["lamp"]["demand"]["order_size"] = {"dist": "exponential"}
    assert problems(validator, data)
    data = quickstart()
    del data["horizon_days"]
    assert any("horizon_days" in p for p in problems(validator, data))


def test_bare_numbers_are_distributions(validator: jsonschema.Draft202012Validator) -> None:
    data = quickstart()
    data["suppliers"]["lampco"]["lead_time_days"] = 5
    assert problems(validator, data) == []


def test_a_child_file_may_leave_keys_to_its_parent(
    validator: jsonschema.Draft202012Validator,
) -> None:
    assert problems(validator, {"extends": "base.yaml", "seed": 3}) == []
    assert problems(validator, {"extends": "base.yaml", "sead": 3})


def test_keys_carry_their_descriptions() -> None:
    defs = scenario_json_schema()["$defs"]
    assert (
        "Parts of the scenario deep-merged"
        in defs["Policy"]["properties"]["overrides"]["description"]
    )


def test_every_documented_key_is_described_as_pydantic_would() -> None:
    """The descriptions read on demand are pydantic's ``use_attribute_docstrings`` ones: for
    every block, each key it declares carries the docstring written below it."""
    from pydantic._internal._docs_extraction import extract_docstrings_from_cls

    from simulator.scenario import schema
    from simulator.scenario.descriptions import describe_fields

    describe_fields()
    blocks = [
        c for c in vars(schema).values() if isinstance(c, type) and issubclass(c, schema.Strict)
    ]
    described = 0
    for block in blocks:
        expected = extract_docstrings_from_cls(block, use_inspect=True)
        for name in vars(block).get("__annotations__", {}):
            if name in block.model_fields:
                assert block.model_fields[name].description == expected.get(name), (block, name)
                described += expected.get(name) is not None
    assert described > 40
    props = scenario_json_schema()["$defs"]["Seasonality"]["properties"]
    assert props["start_day"]["description"] == "First day of the window (inclusive)."


def test_schema_command_prints_json() -> None:
    outcome = CliRunner().invoke(main, ["schema"])
    assert outcome.exit_code == 0
    schema = json.loads(outcome.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema == scenario_json_schema()
