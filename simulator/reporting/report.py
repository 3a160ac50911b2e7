"""The comparison report: what ``compare --report`` puts on the page, gathered once.

:func:`build_report` collects the scenario in brief, each policy's settings in words, the
comparison's numbers and sentences, and draws the charts (as PNG bytes); the HTML and
Markdown writers (:mod:`~simulator.reporting.report_html`,
:mod:`~simulator.reporting.report_md`) only lay it out. The sample-path chart needs one
replication's events, so it traces replication 1 of each policy (the same seed: the same
customers as in the comparison).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.metrics.record import WAIT_HIST_DAYS, is_money
from simulator.metrics.summary import Summary

if TYPE_CHECKING:
    from simulator.experiment.compare import CompareResult
    from simulator.scenario import LoadedScenario

KEY_METRICS: tuple[tuple[str, str], ...] = (
    ("fill_rate", "Fill rate (units shipped at once)"),
    ("eventual_fill_rate", "Eventual fill rate (shipped at all)"),
    ("unserved_rate", "Unserved rate (lost + cancelled)"),
    ("mean_wait_days", "Mean wait of backordered units (days)"),
    ("retained_revenue", "Retained revenue"),
    ("profit", "Profit"),
)
"""The metrics of the key-metrics chart and table (the objective is added if missing)."""

TABLE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Service",
        (
            "fill_rate",
            "order_fill_rate",
            "eventual_fill_rate",
            "backorder_rate",
            "lost_sales_rate",
            "cancellation_rate",
            "unserved_rate",
            "ready_rate",
        ),
    ),
    (
        "Waiting",
        (
            "mean_wait_days",
            "p50_wait_days",
            "p90_wait_days",
            "p95_wait_days",
            "max_wait_days",
            "mean_wait_all_units_days",
            "mean_quoted_wait_days",
            "eta_on_time_rate",
            "eta_mean_lateness_days",
        ),
    ),
    (
        "Stock",
        (
            "mean_on_hand_units",
            "mean_backlog_units",
            "mean_on_order_units",
            "replenishment_orders",
            "backup_share",
        ),
    ),
)
"""Rows of the metrics table, grouped; every other store metric follows under "Money and
counts" in the order of DESIGN §2."""

SAMPLE_DAYS = 730.0
"""The sample-path chart shows at most this many days (a trace keeps every event)."""


@dataclass(frozen=True)
class Chart:
    """One chart of the report, drawn."""

    key: str
    """A short name, used for the Markdown report's PNG file names."""
    title: str
    caption: str
    png: bytes


@dataclass(frozen=True)
class Report:
    """Everything the report shows."""

    result: CompareResult
    title: str
    brief: list[tuple[str, str]]
    settings: dict[str, list[str]]
    """Per policy: its settings in words."""
    key_metrics: list[tuple[str, str]]
    groups: list[tuple[str, list[str]]]
    """The metrics table's rows: (group heading, metrics)."""
    charts: list[Chart]


def _groups(metrics: list[str]) -> list[tuple[str, list[str]]]:
    listed = {m for _, group in TABLE_GROUPS for m in group}
    out = [(name, [m for m in group if m in metrics]) for name, group in TABLE_GROUPS]
    out.append(("Money and counts", [m for m in metrics if m not in listed]))
    return [(name, rows) for name, rows in out if rows]


def build_report(result: CompareResult, loaded: LoadedScenario) -> Report:
    """Gather and draw everything the report of ``result`` (run from ``loaded``) shows."""
    from simulator.experiment.trace import trace_replication
    from simulator.experiment.wording import label
    from simulator.reporting import charts
    from simulator.reporting.words import policy_settings, raw_policies, scenario_brief

    run = result.run
    names = list(run.policies)
    objective = result.objective.metric
    key = list(KEY_METRICS)
    if objective not in {k for k, _ in key}:
        key.insert(0, (objective, label(objective).capitalize()))
    raw = raw_policies(loaded)
    settings = {name: policy_settings(loaded.policy(name), raw.get(name)) for name in names}
    summaries = {
        name: {m: s.to_dict() for m, s in p.metrics.items()} for name, p in run.policies.items()
    }
    drawn: list[Chart] = []

    def add(key_: str, title: str, caption: str, fig: object) -> None:
        drawn.append(Chart(key_, title, caption, charts.png_bytes(fig)))  # type: ignore[arg-type]

    add(
        "metrics",
        "Key metrics per policy",
        "Bars are means over the replications; whiskers are 95% confidence intervals of "
        "each policy's own mean (for differences between policies, see the paired "
        "differences table, which is tighter).",
        charts.metrics_figure(summaries, key),
    )
    money = objective if is_money(objective) else "profit"
    add(
        "tradeoff",
        f"Trade-off: fill rate against {label(money)}",
        f"Each point is a policy: further right ships more units at once, higher earns more "
        f"{label(money)}. Bars are 95% intervals.",
        charts.tradeoff_figure(
            {n: (summaries[n].get("fill_rate"), summaries[n].get(money)) for n in names},
            "fill rate",
            label(money),
        ),
    )
    hists: dict[str, dict[int, int]] = {}
    for name, policy in run.policies.items():
        pooled: dict[int, int] = {}
        for rep in policy.replications:
            for b, units in rep.wait_hist.items():
                pooled[b] = pooled.get(b, 0) + units
        hists[name] = pooled
    add(
        "waits",
        "How long backordered units waited",
        "The share of backordered units (that shipped) by days waited, over all "
        "replications. Policies that take no backorders have none.",
        charts.wait_figure(hists, WAIT_HIST_DAYS),
    )
    horizon = loaded.scenario.horizon_days
    days = None
    if horizon > SAMPLE_DAYS and loaded.scenario.warmup_days < SAMPLE_DAYS:
        days = SAMPLE_DAYS
    paths = {}
    for name in names:
        trace = trace_replication(loaded, name, replication=1, seed=run.seed, days=days)
        paths[name] = (trace.path(), trace.disruptions())
    shown = days or horizon
    products = len(loaded.scenario.products)
    add(
        "paths",
        "Stock over time in one replication",
        f"Replication 1 of each policy (the same customers and supplier delays), days 0 to "
        f"{shown:g}: units on hand, on backorder and on order"
        + (f", summed over the {products} products" if products > 1 else "")
        + ". Shaded: a supplier is disrupted.",
        charts.sample_paths_figure(paths, shown),
    )
    store_metrics = [m for m in next(iter(run.policies.values())).metrics]
    return Report(
        result=result,
        title=run.scenario,
        brief=scenario_brief(loaded, run.replications, run.seed),
        settings=settings,
        key_metrics=key,
        groups=_groups(store_metrics),
        charts=drawn,
    )


def interval_text(metric: str, s: Summary, *, signed: bool = False) -> tuple[str, str]:
    """A summary as (mean, ``low to high``) in the metric's units ("n/a" when undefined)."""
    from simulator.reporting.table import decimals, format_number

    if s.mean is None:
        return "n/a", ""
    ends = [abs(x) for x in (s.mean, s.ci95_low, s.ci95_high) if x is not None]
    places = decimals(metric, max(ends))

    def num(x: float) -> str:
        text = format_number(metric, x, places)
        if signed and x > 0 and any(ch in "123456789" for ch in text):
            text = "+" + text
        return text

    if s.ci95_low is None or s.ci95_high is None:
        return num(s.mean), ""
    return num(s.mean), f"{num(s.ci95_low)} to {num(s.ci95_high)}"


def write_report(
    result: CompareResult, loaded: LoadedScenario, path: str | os.PathLike[str]
) -> list[Path]:
    """Write the report of ``result`` to ``path`` (``.html``: one self-contained file;
    ``.md``: Markdown with its charts as PNG files beside it), each file atomically.
    Returns the files written, the report first. ValueError for another suffix."""
    from simulator.reporting.files import atomic_write

    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".html", ".htm", ".md"):
        raise ValueError(f"--report: {str(path)!r} must end in .html or .md")
    report = build_report(result, loaded)
    if suffix == ".md":
        from simulator.reporting.report_md import render_markdown

        images = {c.key: f"{target.stem}-{c.key}.png" for c in report.charts}
        written = []
        for chart in report.charts:
            image = target.with_name(images[chart.key])
            atomic_write(image, chart.png)
            written.append(image)
        atomic_write(target, render_markdown(report, images))
        return [target, *written]
    from simulator.reporting.report_html import render_html

    atomic_write(target, render_html(report))
    return [target]
