"""The comparison report in Markdown, its charts as PNG files beside it.

The same content as the HTML report. Every user string is escaped twice over: HTML
characters become entities (Markdown renderers pass raw HTML through) and Markdown's own
punctuation is backslash-escaped, so a policy named ``<script>`` or ``*bold*`` shows as
written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html import escape
from typing import TYPE_CHECKING

from simulator.reporting.report import interval_text

if TYPE_CHECKING:
    from simulator.reporting.report import Report

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|~>])")
_LIST_START = re.compile(r"^(\d+)([.)])|^([-+])")


def md(text: object) -> str:
    """``text`` safe in Markdown: HTML escaped, Markdown's emphasis, code, link, heading,
    table and quote characters backslash-escaped (and a leading ``-``, ``+`` or ``1.``),
    newlines as spaces (a table cell stays one line)."""
    plain = escape(str(text), quote=False).replace("\r", " ").replace("\n", " ")
    plain = _MD_SPECIAL.sub(r"\\\1", plain)
    # what would start a list where the text starts a line
    return _LIST_START.sub(
        lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else "\\" + m.group(3), plain
    )


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _cell(mean: str, ci: str) -> str:
    return md(mean) + (f" ({md(ci)})" if ci else "")


def render_markdown(report: Report, images: Mapping[str, str]) -> str:
    """The report as Markdown; ``images`` maps each chart's key to its PNG file name."""
    from simulator.experiment.wording import contains_zero
    from simulator.metrics.summary import Summary

    result = report.result
    run = result.run
    names = list(run.policies)
    metric = result.objective.metric
    goal = "higher" if result.objective.goal == "max" else "lower"
    out = [
        f"# {md(report.title)}",
        "",
        f"Policy comparison: {len(names)} policies, {run.replications} replications "
        f"(seed {run.seed}), {run.window_days:g} days measured; ranked by {md(metric)} "
        f"({goal} is better); baseline {md(result.baseline)}.",
        "",
        "## Recommendation",
        "",
        f"> {md(result.recommendation)}",
        "",
        "## Ranking",
        "",
        "Each policy against the best of the others, with simultaneous 95% intervals: "
        "*worse* when the whole interval is below 0, else *contender*.",
        "",
    ]
    rows = []
    for place, e in enumerate(result.ranking, start=1):
        mean, _ = interval_text(metric, Summary(e.mean, None, None, None, 1))
        vs, ci = interval_text(
            metric, Summary(e.vs_best_mean, None, e.vs_best_low, e.vs_best_high, 2), signed=True
        )
        rows.append([str(place), md(e.policy), md(mean), _cell(vs, ci), md(e.status)])
    out += _table(["#", "policy", f"mean {md(metric)}", "vs best other", "verdict"], rows)
    out += ["## Charts", ""]
    for chart in report.charts:
        out += [
            f"![{md(chart.title)}]({images[chart.key]})",
            "",
            f"*{md(chart.title)}.* {md(chart.caption)}",
            "",
        ]
    out += ["## The policies", ""]
    for name in names:
        base = " (baseline)" if name == result.baseline else ""
        out += [f"### {md(name)}{base}", ""]
        out += [f"- {md(line)}" for line in report.settings[name]]
        out += ["", md(result.sentences.get(name, "")), ""]
    out += ["## The scenario in brief", ""]
    out += [f"- **{md(k)}**: {md(v)}" for k, v in report.brief]
    out += ["", "## Key metrics", "", "Mean over the replications (95% interval of the mean).", ""]
    out += _metrics(report, [k for k, _ in report.key_metrics])
    out += ["## Paired differences against the baseline", ""]
    diff_names = list(result.differences)
    if diff_names:
        out += [
            f"Each policy minus {md(result.baseline)}, replication by replication, with the "
            "95% interval of the mean difference; ● marks an interval that excludes 0.",
            "",
        ]
        rows = []
        for _, metrics in report.groups:
            for m in metrics:
                cells = [md(m)]
                for n in diff_names:
                    s = result.differences[n][m]
                    mean, ci = interval_text(m, s, signed=True)
                    cells.append(_cell(mean, ci) + ("" if contains_zero(s) else " ●"))
                rows.append(cells)
        out += _table(["metric", *(f"{md(n)} − {md(result.baseline)}" for n in diff_names)], rows)
    else:
        out += ["Only one policy was run: there is nothing to compare it with.", ""]
    out += ["## All metrics", ""]
    out += _metrics(report, [m for _, group in report.groups for m in group])
    return "\n".join(out)


def _metrics(report: Report, metrics: Sequence[str]) -> list[str]:
    names = list(report.result.policies)
    rows = [
        [md(m), *(_cell(*interval_text(m, report.result.policies[n].metrics[m])) for n in names)]
        for m in metrics
    ]
    return _table(["metric", *(md(n) for n in names)], rows)
