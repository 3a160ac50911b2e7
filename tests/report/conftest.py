"""A small comparison with a hostile policy name, and its reports (built once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator import compare, load_scenario
from simulator.scenario import LoadedScenario

ROOT = Path(__file__).resolve().parents[2]
EVIL = "<script>alert(1)</script>"
"""A policy name that must show as text, never run."""


@pytest.fixture(scope="session")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    text = (ROOT / "scenarios" / "classroom.yaml").read_text(encoding="utf-8")
    text = text.replace("- name: honest-eta", f'- name: "{EVIL}"')
    path = tmp_path_factory.mktemp("scenario") / "classroom_evil.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def loaded(scenario_file: Path) -> LoadedScenario:
    return load_scenario(scenario_file, ["replications=4"])


@pytest.fixture(scope="session")
def reports(loaded: LoadedScenario, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from simulator import write_report

    result = compare(loaded, executor="serial")
    folder = tmp_path_factory.mktemp("report")
    html = write_report(result, loaded, folder / "report.html")
    md = write_report(result, loaded, folder / "report.md")
    assert html == [folder / "report.html"]
    assert md[0] == folder / "report.md" and len(md) == 5
    return {"html": html[0], "md": md[0]}
