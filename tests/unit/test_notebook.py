"""Results in a notebook: ``_repr_html_`` (escaped) and ``to_frame()`` (pandas)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from simulator import compare, load_scenario, run, trace

ROOT = Path(__file__).resolve().parents[2]
EVIL = "<b>bold</b>&"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    text = (ROOT / "scenarios" / "classroom.yaml").read_text(encoding="utf-8")
    path = tmp_path_factory.mktemp("nb") / "c.yaml"
    path.write_text(text.replace("- name: honest-eta", f'- name: "{EVIL}"'), encoding="utf-8")
    return load_scenario(path, ["replications=3", "horizon_days=60"])


def test_run_result_renders_and_frames(loaded) -> None:  # type: ignore[no-untyped-def]
    result = run(loaded, executor="serial")
    html = result._repr_html_()
    assert "<table>" in html and "&lt;b&gt;bold&lt;/b&gt;&amp;" in html and EVIL not in html
    frame = result.to_frame()
    assert list(frame.columns) == ["policy", "metric", "mean", "sd", "ci95_low", "ci95_high", "n"]
    row = frame[(frame.policy == "backorders") & (frame.metric == "fill_rate")].iloc[0]
    assert row["mean"] == result.policies["backorders"].metrics["fill_rate"].mean
    wide = frame.pivot(index="metric", columns="policy", values="mean")
    assert set(wide.columns) == set(result.policies)
    products = result.to_frame(level="products")
    assert set(products["product"]) == {"widget"}
    with pytest.raises(ValueError, match="level"):
        result.to_frame(level="shelves")


def test_compare_result_renders_and_frames(loaded) -> None:  # type: ignore[no-untyped-def]
    result = compare(loaded, executor="serial")
    html = result._repr_html_()
    assert "verdict" in html and "&lt;b&gt;" in html and EVIL not in html
    frame = result.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert set(frame.policy) == set(result.differences)
    got = frame[(frame.policy == "backorders") & (frame.metric == "profit")].iloc[0]
    assert got["ci95_low"] == result.differences["backorders"]["profit"].ci95_low


def test_trace_renders_and_frames(loaded) -> None:  # type: ignore[no-untyped-def]
    result = trace(loaded, "backorders", days=20)
    assert result._repr_html_().startswith("<pre>")
    frame = result.to_frame()
    assert len(frame) == len(result.events)
    assert list(frame.columns)[:3] == ["time", "kind", "product"]
