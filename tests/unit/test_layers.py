"""The layers of STYLE.md: a lower layer never imports a higher one.

scenario -> model -> metrics -> experiment -> reporting -> cli (and api above all). The
check reads every module's imports (top level and inside functions) from its source.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import simulator
from simulator.experiment.rendering import find_renderer, register_renderer, render

PACKAGE = Path(simulator.__file__).parent

HIGHER: dict[str, tuple[str, ...]] = {
    # the scenario checks `objective.metric` against the metric names of metrics.record
    "scenario": (
        "model",
        "metrics.ledger",
        "metrics.summary",
        "experiment",
        "reporting",
        "cli",
        "api",
        "statistics",
    ),
    "model": ("metrics.summary", "experiment", "reporting", "cli", "api", "statistics"),
    "metrics": ("experiment", "reporting", "cli", "api", "statistics"),
    "statistics": ("experiment", "reporting", "cli", "api"),
    "experiment": ("reporting", "cli", "api"),
    "reporting": ("cli", "api"),
}
"""For each layer, the modules it must never import (under ``simulator.``)."""


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def layer_files(layer: str) -> list[Path]:
    single = PACKAGE / f"{layer}.py"
    return [single] if single.exists() else sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(HIGHER))
def test_a_layer_never_imports_a_higher_one(layer: str) -> None:
    files = layer_files(layer)
    assert files, layer
    bad = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in files
        for name in sorted(imports(path))
        for higher in HIGHER[layer]
        if name == f"simulator.{higher}" or name.startswith(f"simulator.{higher}.")
    ]
    assert not bad, bad


def test_the_planted_violation_is_caught(tmp_path: Path) -> None:
    # The check must see an import hidden inside a function, as result.py once had.
    module = tmp_path / "result.py"
    module.write_text("def table(self):\n    from simulator.reporting.table import t\n")
    assert "simulator.reporting.table" in imports(module)


class Thing:
    pass


class Child(Thing):
    pass


def test_renderers_are_found_by_class_and_explain_what_is_missing() -> None:
    with pytest.raises(RuntimeError, match="no 'table' renderer for Thing: import simulator"):
        render(Thing(), "table")
    register_renderer(Thing, "table", lambda obj, **options: f"a thing {options}")
    assert render(Child(), "table", width=3) == "a thing {'width': 3}"
    assert find_renderer(Child(), "html") is None


def test_renderers_are_registered_for_classes_that_exist() -> None:
    """The reporting layer names the result classes instead of importing them: each name
    must be a real class (a rename would otherwise leave its results unrendered)."""
    import importlib

    from simulator.reporting.register import RENDERERS

    for name, kind, target in RENDERERS:
        module, _, cls_name = name.rpartition(".")
        cls = getattr(importlib.import_module(module), cls_name)
        assert f"{cls.__module__}.{cls.__qualname__}" == name, (name, kind)
        module, _, function = target.partition(":")
        assert callable(getattr(importlib.import_module(module), function)), target


def test_results_render_in_a_notebook() -> None:
    from test_compare import shop

    from simulator import compare, run

    result = run(shop(), executor="serial", replications=2)
    assert result.table().startswith("small shop: 2 replications")
    assert result.to_json().startswith("{")
    assert result.to_csv().startswith("policy,scope,metric")
    compared = compare(shop(), executor="serial", replications=2)
    assert "Recommendation" in compared.table()
    assert compared.to_json().startswith("{")
