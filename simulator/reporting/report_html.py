"""The comparison report as one self-contained HTML file.

Styles and charts (PNG as ``data:`` URIs) are inline, and a Content-Security-Policy allows
nothing else: the file opens offline, fetches nothing and runs no script. It reads on a
phone (tables turn into labelled rows below 40em, so nothing scrolls sideways) and prints.
Every string that comes from the user (scenario, policy, product and supplier names,
sentences that quote them) goes through :func:`html.escape`.
"""

from __future__ import annotations

import base64
from html import escape
from typing import TYPE_CHECKING

from simulator.reporting.report import interval_text

if TYPE_CHECKING:
    from simulator.reporting.report import Report

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
"""Nothing but inline styles and data: images."""

STYLE = """
:root { color-scheme: light; --ink: #1a202c; --muted: #4a5568; --line: #e2e8f0;
  --accent: #2b6cb0; --good: #276749; --bad: #9b2c2c; --paper: #fff; --soft: #f7fafc; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 62rem; padding: 1rem; font: 16px/1.5 system-ui, -apple-system,
  "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink);
  background: var(--paper); overflow-wrap: anywhere; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0.5rem 0 0.25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.5rem; border-bottom: 2px solid var(--line);
  padding-bottom: 0.2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 0.3rem; }
p, li, dd { max-width: 46rem; }
.meta { color: var(--muted); margin: 0 0 1rem; }
.recommendation { background: var(--soft); border-left: 4px solid var(--accent);
  padding: 0.75rem 1rem; margin: 1rem 0; }
.recommendation p { margin: 0; }
figure { margin: 1.2rem 0; break-inside: avoid; }
figure img { display: block; width: auto; max-width: 100%; height: auto;
  border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 0.9rem; margin-top: 0.3rem; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; font-size: 0.92rem; }
th, td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--line);
  vertical-align: top; }
thead th { border-bottom: 2px solid var(--muted); }
td.num { text-align: right; white-space: nowrap; }
td.num .ci { display: block; color: var(--muted); font-size: 0.8rem; }
tr.group th { background: var(--soft); font-weight: 600; }
.status-best { color: var(--good); font-weight: 600; }
.status-worse { color: var(--bad); }
.mark { color: var(--accent); font-weight: 700; }
dl.brief { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; }
dl.brief dt { font-weight: 600; color: var(--muted); }
dl.brief dd { margin: 0; }
.policy { border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem 1rem;
  margin: 0.75rem 0; break-inside: avoid; }
.policy h3 { margin-top: 0.3rem; }
.policy ul { margin: 0.3rem 0; padding-left: 1.2rem; }
footer { color: var(--muted); font-size: 0.85rem; margin-top: 2rem; border-top: 1px solid
  var(--line); padding-top: 0.5rem; }
@media screen and (max-width: 40em) {
  body { padding: 0.75rem; font-size: 15px; }
  dl.brief { grid-template-columns: 1fr; }
  dl.brief dd { margin-bottom: 0.4rem; }
  table.cards thead { display: none; }
  table.cards, table.cards tbody, table.cards tr, table.cards th, table.cards td {
    display: block; width: 100%; }
  table.cards tr { border-bottom: 2px solid var(--line); padding: 0.3rem 0; }
  table.cards td, table.cards th { border: 0; padding: 0.15rem 0; }
  table.cards td.num { text-align: left; white-space: normal; }
  table.cards td.num .ci { display: inline; margin-left: 0.4rem; }
  table.cards td[data-label]::before { content: attr(data-label) ": "; font-weight: 600;
    color: var(--muted); }
  table.cards tr.group th { padding: 0.3rem; }
}
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  h2 { break-after: avoid; }
  table { font-size: 8.5pt; }
  tr { break-inside: avoid; }
}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _num_cell(label: str, mean: str, ci: str) -> str:
    ci_html = f'<span class="ci">{_e(ci)}</span>' if ci else ""
    return f'<td class="num" data-label="{_e(label)}">{_e(mean)}{ci_html}</td>'


def _ranking(report: Report) -> str:
    from simulator.metrics.summary import Summary

    result = report.result
    metric = result.objective.metric
    rows = []
    for place, e in enumerate(result.ranking, start=1):
        mean, _ = interval_text(metric, Summary(e.mean, None, None, None, 1))
        gap = Summary(e.vs_best_mean, None, e.vs_best_low, e.vs_best_high, 2)
        vs, ci = interval_text(metric, gap, signed=True)
        rows.append(
            "<tr>"
            f'<td data-label="place">{place}</td>'
            f'<th scope="row" data-label="policy">{_e(e.policy)}</th>'
            + _num_cell(f"mean {metric}", mean, "")
            + _num_cell("vs best other", vs, ci)
            + f'<td data-label="verdict" class="status-{_e(e.status)}">{_e(e.status)}</td>'
            "</tr>"
        )
    return (
        '<table class="cards"><thead><tr><th>#</th><th>policy</th>'
        f"<th>mean {_e(metric)}</th><th>vs best other (simultaneous 95% interval)</th>"
        "<th>verdict</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _metrics_table(report: Report, groups: list[tuple[str, list[str]]]) -> str:
    names = list(report.result.policies)
    head = "".join(f"<th>{_e(n)}</th>" for n in names)
    body = []
    for group, metrics in groups:
        if len(groups) > 1:
            body.append(f'<tr class="group"><th colspan="{len(names) + 1}">{_e(group)}</th></tr>')
        for m in metrics:
            cells = "".join(
                _num_cell(n, *interval_text(m, report.result.policies[n].metrics[m])) for n in names
            )
            body.append(f'<tr><th scope="row">{_e(m)}</th>{cells}</tr>')
    return (
        f'<table class="cards"><thead><tr><th>metric</th>{head}</tr></thead><tbody>'
        + "".join(body)
        + "</tbody></table>"
    )


def _differences(report: Report) -> str:
    from simulator.experiment.wording import contains_zero

    result = report.result
    names = list(result.differences)
    if not names:
        return "<p>Only one policy was run: there is nothing to compare it with.</p>"
    head = "".join(f"<th>{_e(n)} − {_e(result.baseline)}</th>" for n in names)
    body = []
    for group, metrics in report.groups:
        body.append(f'<tr class="group"><th colspan="{len(names) + 1}">{_e(group)}</th></tr>')
        for m in metrics:
            cells = []
            for n in names:
                s = result.differences[n][m]
                mean, ci = interval_text(m, s, signed=True)
                mark = "" if contains_zero(s) else ' <span class="mark">●</span>'
                ci_html = f'<span class="ci">{_e(ci)}</span>' if ci else ""
                cells.append(f'<td class="num" data-label="{_e(n)}">{_e(mean)}{mark}{ci_html}</td>')
            body.append(f'<tr><th scope="row">{_e(m)}</th>{"".join(cells)}</tr>')
    return (
        f'<table class="cards"><thead><tr><th>metric</th>{head}</tr></thead><tbody>'
        + "".join(body)
        + "</tbody></table>"
    )


def _figure(title: str, caption: str, png: bytes) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{_e(title)}">'
        f"<figcaption><strong>{_e(title)}.</strong> {_e(caption)}</figcaption></figure>"
    )


def render_html(report: Report) -> str:
    """The report as one HTML document."""
    from simulator import __version__

    result = report.result
    run = result.run
    charts = {c.key: c for c in report.charts}
    better = "higher" if result.objective.goal == "max" else "lower"
    objective = f"{result.objective.metric} ({better} is better)"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(report.title)}: policy comparison</title>",
        f"<style>{STYLE}</style></head><body>",
        "<header>",
        f"<h1>{_e(report.title)}</h1>",
        f'<p class="meta">Policy comparison: {len(run.policies)} policies, '
        f"{run.replications} replications (seed {run.seed}), {run.window_days:g} days measured; "
        f"ranked by {_e(objective)}; baseline {_e(result.baseline)}.</p>",
        "</header>",
        '<section id="recommendation"><h2>Recommendation</h2>',
        f'<div class="recommendation"><p>{_e(result.recommendation)}</p></div>',
        "</section>",
        '<section id="ranking"><h2>Ranking</h2>',
        f"<p>By {_e(objective)}. Each policy is compared with the best of the others, with "
        "simultaneous 95% intervals (multiple comparisons with the best): a policy is "
        "<em>worse</em> when its whole interval is below 0, else a <em>contender</em>.</p>",
        _ranking(report),
        "</section>",
        '<section id="charts"><h2>Charts</h2>',
        *(_figure(c.title, c.caption, c.png) for c in report.charts if c.key != "paths"),
        "</section>",
        '<section id="policies"><h2>The policies</h2>',
    ]
    for name in run.policies:
        items = "".join(f"<li>{_e(line)}</li>" for line in report.settings[name])
        sentence = result.sentences.get(name, "")
        base = " (baseline)" if name == result.baseline else ""
        parts.append(
            f'<div class="policy"><h3>{_e(name)}{base}</h3><ul>{items}</ul>'
            f"<p>{_e(sentence)}</p></div>"
        )
    parts.append("</section>")
    if "paths" in charts:
        c = charts["paths"]
        parts += ['<section id="sample-path"><h2>One replication, day by day</h2>']
        parts.append(_figure(c.title, c.caption, c.png))
        parts.append("</section>")
    parts += [
        '<section id="scenario"><h2>The scenario in brief</h2><dl class="brief">',
        *(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in report.brief),
        "</dl></section>",
        '<section id="key-metrics"><h2>Key metrics</h2>',
        "<p>Mean over the replications, and below it the 95% confidence interval of the "
        "mean. n/a: not defined (for example, no wait when nothing was backordered).</p>",
        _metrics_table(report, [("", [k for k, _ in report.key_metrics])]),
        "</section>",
        '<section id="differences"><h2>Paired differences against the baseline</h2>',
        f"<p>Each policy minus {_e(result.baseline)}, replication by replication (the same "
        "customers), with the 95% interval of the mean difference. "
        '<span class="mark">●</span> marks an interval that excludes 0. Intervals are for '
        "one metric at a time.</p>",
        _differences(report),
        "</section>",
        '<section id="all-metrics"><h2>All metrics</h2>',
        _metrics_table(report, report.groups),
        "</section>",
        f"<footer>Made by backorder-sim {_e(__version__)} with <code>compare --report</code>. "
        "The numbers depend only on the scenario, the seed and the number of replications."
        "</footer>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"
