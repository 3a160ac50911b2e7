"""The HTML report in a real browser (headless Chromium): it renders, its charts show where
they belong, nothing scrolls sideways on a 390 px phone, and it logs no console error and
makes no network request.

Chromium is Debian's ``chromium`` (``.ci/run`` installs it when absent). Where no browser
can be installed the tests are skipped, with the reason in the summary.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--hide-scrollbars",
)
WIDTHS = (390, 1280)

PROBE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><style>body { margin: 0 } iframe { border: 0; display: block }
</style></head><body>
<iframe id="report" src="REPORT" width="WIDTH" height="HEIGHT"></iframe>
<script>
document.getElementById("report").addEventListener("load", function () {
  var win = this.contentWindow, doc = win.document;
  var images = Array.prototype.map.call(doc.images, function (img) {
    var r = img.getBoundingClientRect();
    var section = img.closest("section");
    return {loaded: img.complete && img.naturalWidth > 0, left: r.left, right: r.right,
            width: r.width, height: r.height, section: section ? section.id : null};
  });
  var out = {scrollWidth: doc.documentElement.scrollWidth, innerWidth: win.innerWidth,
             bodyScrollWidth: doc.body.scrollWidth, scrollHeight: doc.body.scrollHeight,
             images: images};
  var pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script></body></html>
"""
"""A page that shows the report, unchanged (its own content security policy included), in
a frame of the given width, measures it after load and writes the numbers into the DOM
(read with --dump-dom). A frame, because headless Chromium's window is at least 500 px
wide: a 390 px frame gives the report the viewport of a 390 px phone."""


def _browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    reason = (
        "NO BROWSER: headless Chromium is not installed, so the real-browser test of the HTML "
        "report did not run (apt-get install chromium; .ci/run installs it as root)"
    )
    print(f"\n*** {reason} ***")
    pytest.skip(reason)


def _run(browser: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    cmd = [browser, *FLAGS, f"--user-data-dir={profile}", *args]
    env = {**os.environ, "HOME": str(tmp)}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, check=False)


@pytest.fixture(scope="module")
def browser() -> str:
    return _browser()


def _frame(report: Path, tmp: Path, width: int, height: int) -> Path:
    page = tmp / f"frame-{width}.html"
    text = PROBE.replace("REPORT", report.as_uri()).replace("WIDTH", str(width))
    page.write_text(text.replace("HEIGHT", str(height)), encoding="utf-8")
    return page


def _probe(browser: str, report: Path, tmp: Path, width: int) -> dict[str, Any]:
    """The report's measurements in a frame ``width`` px wide."""
    page = _frame(report, tmp, width, 1000)
    done = _run(
        browser,
        tmp,
        f"--window-size={max(width, 500)},1000",
        "--allow-file-access-from-files",
        "--virtual-time-budget=5000",
        "--dump-dom",
        page.as_uri(),
    )
    match = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert match, f"no probe output; stderr: {done.stderr[-2000:]}"
    data: dict[str, Any] = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    return data


@pytest.mark.parametrize("width", WIDTHS)
def test_report_renders_without_sideways_scroll(
    browser: str, reports: dict[str, Path], tmp_path: Path, width: int
) -> None:
    data = _probe(browser, reports["html"], tmp_path, width)
    assert data["innerWidth"] == width
    assert data["scrollWidth"] <= data["innerWidth"], data
    assert data["bodyScrollWidth"] <= data["innerWidth"], data
    images = data["images"]
    assert len(images) == 4
    for image in images:
        assert image["loaded"], image
        assert image["left"] >= 0 and image["right"] <= width + 0.5, image
        assert image["width"] >= min(300, width - 40) and image["height"] >= 150, image
    assert [i["section"] for i in images] == ["charts", "charts", "charts", "sample-path"]


def test_sideways_scroll_would_be_caught(
    browser: str, reports: dict[str, Path], tmp_path: Path
) -> None:
    """The probe sees a page wider than the phone (a control for the test above)."""
    wide = tmp_path / "wide.html"
    text = reports["html"].read_text(encoding="utf-8")
    wide.write_text(text.replace("</body>", '<div style="width:900px">x</div></body>'))
    data = _probe(browser, wide, tmp_path, 390)
    assert data["scrollWidth"] > 390


@pytest.mark.parametrize("width", WIDTHS)
def test_screenshot_is_not_blank(
    browser: str, reports: dict[str, Path], tmp_path: Path, width: int
) -> None:
    shot = tmp_path / f"shot-{width}.png"
    page = _frame(reports["html"], tmp_path, width, 3000)
    done = _run(
        browser,
        tmp_path,
        f"--window-size={max(width, 500)},3000",
        "--allow-file-access-from-files",
        "--virtual-time-budget=5000",
        f"--screenshot={shot}",
        page.as_uri(),
    )
    assert shot.exists(), done.stderr[-2000:]
    image = Image.open(io.BytesIO(shot.read_bytes())).convert("RGB").crop((0, 0, width, 3000))
    if os.environ.get("REPORT_SCREENSHOTS"):  # to look at them: REPORT_SCREENSHOTS=DIR
        image.save(Path(os.environ["REPORT_SCREENSHOTS"]) / f"report-{width}.png")
    pixels = np.asarray(image, dtype=int)
    # text and charts: many colours, ink on a fair share of the page, and the charts'
    # colours (the first policy's blue) on screen
    flat = pixels.reshape(-1, 3)[::7]
    assert len({tuple(p) for p in flat}) > 200
    assert float((flat.sum(axis=1) < 600).mean()) > 0.03
    blue = (abs(pixels - np.array([0x2B, 0x6C, 0xB0])).sum(axis=2) < 40).sum()
    assert blue > 500


def _console_and_requests(browser: str, page: Path, tmp: Path) -> tuple[list[str], set[str], str]:
    """Console messages, and the URLs the page itself asked the network for."""
    netlog = tmp / f"net-{page.stem}.json"
    done = _run(
        browser,
        tmp,
        "--window-size=1280,1000",
        "--virtual-time-budget=5000",
        "--enable-logging=stderr",
        "--v=0",
        f"--log-net-log={netlog}",
        "--dump-dom",
        page.as_uri(),
    )
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    log = json.loads(netlog.read_text(encoding="utf-8"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    # Requests made for the page carry its (file://) network isolation key; the browser's
    # own background requests (update checks, time sync) carry none.
    page_requests = {
        e["params"]["url"]
        for e in log["events"]
        if e["type"] == start
        and "file://" in e.get("params", {}).get("network_isolation_key", "")
        and not e["params"]["url"].startswith(("file:", "data:"))
    }
    return console, page_requests, done.stdout


def test_no_console_error_and_no_network_request(
    browser: str, reports: dict[str, Path], tmp_path: Path
) -> None:
    console, requests, dom = _console_and_requests(browser, reports["html"], tmp_path)
    assert "Recommendation" in dom
    assert console == []
    assert requests == set()


def test_console_errors_and_requests_would_be_caught(
    browser: str, reports: dict[str, Path], tmp_path: Path
) -> None:
    """Controls: a remote image is refused by the report's policy (a console error), and,
    without that policy, requested (a network request the test sees)."""
    text = reports["html"].read_text(encoding="utf-8")
    remote = '<img src="http://127.0.0.1:9/x.png"></body>'
    blocked = tmp_path / "blocked.html"
    blocked.write_text(text.replace("</body>", remote), encoding="utf-8")
    console, requests, _ = _console_and_requests(browser, blocked, tmp_path)
    assert any("Content Security Policy" in line for line in console), console
    assert requests == set()
    open_page = tmp_path / "open.html"
    no_csp = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text)
    open_page.write_text(no_csp.replace("</body>", remote), encoding="utf-8")
    _, requests, _ = _console_and_requests(browser, open_page, tmp_path)
    assert requests == {"http://127.0.0.1:9/x.png"}
