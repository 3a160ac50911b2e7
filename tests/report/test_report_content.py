"""What the comparison report holds: every policy, every table, every chart, escaped."""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path

import numpy as np
from click.testing import CliRunner
from PIL import Image

from simulator.cli import main
from simulator.scenario import LoadedScenario

EVIL = "<script>alert(1)</script>"
"""The hostile policy name of conftest.py."""

SECTIONS = (
    "recommendation",
    "ranking",
    "charts",
    "policies",
    "sample-path",
    "scenario",
    "key-metrics",
    "differences",
    "all-metrics",
)


def _png_is_a_picture(data: bytes) -> None:
    """A real chart: a PNG of fair size with many colours and ink on a good part of it."""
    assert data.startswith(b"\x89PNG")
    image = Image.open(io.BytesIO(data)).convert("RGB")
    width, height = image.size
    assert width >= 400 and height >= 250
    pixels = np.asarray(image.resize((width // 4, height // 4)), dtype=int).reshape(-1, 3)
    assert len({tuple(p) for p in pixels}) > 30
    ink = float((pixels.sum(axis=1) < 600).mean())
    assert ink > 0.02


def test_html_report_names_every_policy_and_holds_every_part(
    reports: dict[str, Path], loaded: LoadedScenario
) -> None:
    text = reports["html"].read_text(encoding="utf-8")
    for policy in loaded.policies:
        assert html.escape(policy.name) in text, policy.name
    for section in SECTIONS:
        assert f'<section id="{section}">' in text, section
    # ranking, key metrics, paired differences, all metrics
    assert text.count("<table") == 4
    assert "Paired differences against the baseline" in text
    assert "lost-sales (baseline)" in text
    assert "classroom" in text.lower() or "Classroom" in text
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    assert len(images) == 4
    for data in images:
        _png_is_a_picture(base64.b64decode(data))


def test_html_report_escapes_user_strings(reports: dict[str, Path]) -> None:
    text = reports["html"].read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script" not in text.lower()
    assert EVIL not in text


def test_html_report_is_self_contained(reports: dict[str, Path]) -> None:
    text = reports["html"].read_text(encoding="utf-8")
    assert "default-src 'none'; img-src data:; style-src 'unsafe-inline'" in text
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.IGNORECASE)
    assert not re.search(r"<(link|iframe|object|embed|audio|video)\b", text, re.IGNORECASE)
    assert not re.search(r'src="(?!data:)', text)
    assert 'name="viewport"' in text


def test_markdown_report_has_its_charts_beside_it(
    reports: dict[str, Path], loaded: LoadedScenario
) -> None:
    path = reports["md"]
    text = path.read_text(encoding="utf-8")
    names = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", text)
    assert names == [f"report-{k}.png" for k in ("metrics", "tradeoff", "waits", "paths")]
    for name in names:
        _png_is_a_picture((path.parent / name).read_bytes())
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script" not in text.lower()
    for heading in ("## Recommendation", "## Ranking", "## Key metrics", "## All metrics"):
        assert heading in text
    assert "## Paired differences against the baseline" in text
    assert text.count("| --- |") >= 4
    for policy in loaded.policies:
        if policy.name != EVIL:
            assert policy.name in text


def test_compare_report_option(tmp_path: Path, scenario_file: Path) -> None:
    out = tmp_path / "r.html"
    args = ["compare", str(scenario_file), "--replications", "2", "--executor", "serial"]
    outcome = CliRunner().invoke(main, [*args, "--report", str(out)])
    assert outcome.exit_code == 0, outcome.output
    assert f"wrote {out}" in outcome.stderr
    assert "Recommendation" in out.read_text(encoding="utf-8")
    bad = CliRunner().invoke(main, [*args, "--report", str(tmp_path / "r.pdf")])
    assert bad.exit_code == 1 and "must end in .html or .md" in bad.stderr
    bad = CliRunner().invoke(main, [*args, "--report", str(tmp_path / "no" / "r.html")])
    assert bad.exit_code == 1 and "no such directory" in bad.stderr
