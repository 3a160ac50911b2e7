"""Charts of results, one function per chart: each takes result data and returns a Figure.

matplotlib's object-oriented API on the Agg canvas only: no pyplot, no global state, so
charts can be drawn from any thread or worker. The report assembles these figures; nothing
here computes a statistic (intervals come from the summaries, histograms from the metrics).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from simulator.experiment.trace import Disruption, LevelPath

Interval = Mapping[str, Any]
"""A summary as plain data: ``{"mean", "ci95_low", "ci95_high", ...}`` (values may be None)."""

LEVEL_COLOURS = {"on_hand": "#2b6cb0", "backlog": "#c53030", "on_order": "#718096"}
POLICY_COLOURS = ("#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#319795", "#718096")
DISRUPTED = "#f6ad55"
"""Shading of a supplier disruption."""


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def png_bytes(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _colour(i: int) -> str:
    return POLICY_COLOURS[i % len(POLICY_COLOURS)]


def _value(s: Interval | None, key: str = "mean") -> float | None:
    if s is None:
        return None
    v = s.get(key)
    return None if v is None else float(v)


def metrics_figure(
    policies: Mapping[str, Mapping[str, Interval]],
    metrics: Sequence[tuple[str, str]],
) -> Figure:
    """Key metrics per policy: one panel per metric, a bar per policy with its 95% interval.

    ``policies`` maps a policy name to its summaries by metric; ``metrics`` lists (key,
    label). A metric undefined for a policy gets no bar (and "n/a" where it would be).
    """
    names = list(policies)
    cols = 2 if len(metrics) > 1 else 1
    rows = (len(metrics) + cols - 1) // cols
    fig = _figure(7.5, 2.3 * rows + 0.3)
    axes = fig.subplots(rows, cols, squeeze=False)
    for k, (key, label) in enumerate(metrics):
        ax = axes[k // cols][k % cols]
        for i, name in enumerate(names):
            s = policies[name].get(key)
            mean, low, high = _value(s), _value(s, "ci95_low"), _value(s, "ci95_high")
            if mean is None:
                ax.text(i, 0, "n/a", ha="center", va="bottom", fontsize=8)
                continue
            err = None
            if low is not None and high is not None:
                err = [[max(mean - low, 0.0)], [max(high - mean, 0.0)]]
            ax.bar(i, mean, color=_colour(i), yerr=err, capsize=4, width=0.6)
        ax.set_title(label, fontsize=10)
        ax.set_xticks(range(len(names)), [_short(n) for n in names], fontsize=8, rotation=20)
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(axis="y", alpha=0.3)
    for k in range(len(metrics), rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    fig.suptitle("Key metrics per policy (bars: mean; whiskers: 95% interval)", fontsize=10)
    return fig


def _short(name: str, width: int = 18) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def tradeoff_figure(
    points: Mapping[str, tuple[Interval | None, Interval | None]],
    x_label: str,
    y_label: str,
) -> Figure:
    """The trade-off of a service metric (x) against money (y): a point per policy, with its
    95% interval on both axes."""
    fig = _figure(6.0, 4.0)
    ax = fig.add_subplot()
    for i, (name, (xs, ys)) in enumerate(points.items()):
        x, y = _value(xs), _value(ys)
        if x is None or y is None:
            continue
        xerr = _err(xs, x)
        yerr = _err(ys, y)
        ax.errorbar(
            x,
            y,
            xerr=xerr,
            yerr=yerr,
            fmt="o",
            color=_colour(i),
            capsize=4,
            ms=7,
            label=_short(name, 24),
        )
    ax.set_xlabel(x_label, fontsize=9)
    ax.set_ylabel(y_label, fontsize=9)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)
    ax.set_title(f"Trade-off: {x_label} against {y_label}", fontsize=10)
    if points:
        ax.legend(fontsize=8, loc="best")
    return fig


def _err(s: Interval | None, mean: float) -> list[list[float]] | None:
    low, high = _value(s, "ci95_low"), _value(s, "ci95_high")
    if low is None or high is None:
        return None
    return [[max(mean - low, 0.0)], [max(high - mean, 0.0)]]


def wait_figure(hists: Mapping[str, Mapping[int, int]], bin_days: float) -> Figure:
    """How long backordered units waited, per policy: the share of units by wait (pooled
    over replications), as a step histogram. A policy with no backordered unit shipped is
    named in the legend as such."""
    import numpy as np

    fig = _figure(6.5, 3.6)
    ax = fig.add_subplot()
    longest = 0.0
    for i, (name, hist) in enumerate(hists.items()):
        total = sum(hist.values())
        if total == 0:
            ax.plot([], [], color=_colour(i), label=f"{_short(name, 24)} (none)")
            continue
        top = max(hist) + 1
        longest = max(longest, top * bin_days)
        counts = np.zeros(top)
        for b, units in hist.items():
            counts[b] = units
        # bins of at least 0.5 day keep the picture readable
        group = max(1, round(0.5 / bin_days))
        size = (len(counts) + group - 1) // group
        counts = np.pad(counts, (0, size * group - len(counts))).reshape(size, group).sum(1)
        edges = np.arange(size + 1) * group * bin_days
        ax.stairs(counts / total, edges, color=_colour(i), linewidth=1.8, label=_short(name, 24))
    ax.set_xlabel("days waited (backordered units that shipped)", fontsize=9)
    ax.set_ylabel("share of units", fontsize=9)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Wait of backordered units", fontsize=10)
    if longest:
        ax.set_xlim(0, longest)
    return fig


def _path_axes(
    ax: Any,
    path: LevelPath,
    disruptions: Sequence[Disruption],
    horizon: float,
    marks: Sequence[tuple[float, str]] = (),
) -> None:
    for d in disruptions:
        ax.axvspan(d.start, horizon if d.end is None else d.end, color=DISRUPTED, alpha=0.3, lw=0)
    for key, label in (("on_hand", "on hand"), ("backlog", "backlog"), ("on_order", "on order")):
        values = getattr(path, key)
        thin = key == "on_order"
        ax.step(
            path.times,
            values,
            where="post",
            color=LEVEL_COLOURS[key],
            label=label,
            lw=0.8 if thin else 1.2,
            alpha=0.7 if thin else 1.0,
        )
    styles = {
        "delivery": ("v", "#2f855a", "delivery"),
        "replenishment": ("^", "#4a5568", "order placed"),
        "cancelled": ("x", "#9b2c2c", "cancellation"),
        "refused": ("|", "#c05621", "lost sale"),
    }
    for kind, (marker, colour, label) in styles.items():
        xs = [t for t, k in marks if k == kind]
        if xs:
            ax.plot(xs, [0] * len(xs), marker, color=colour, ms=6, ls="none", label=label)
    ax.set_xlim(0, horizon)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)


def trace_figure(
    path: LevelPath,
    disruptions: Sequence[Disruption],
    horizon: float,
    marks: Sequence[tuple[float, str]],
    title: str,
) -> Figure:
    """One traced replication: on hand, backlog and on order over time, supplier disruptions
    shaded, and events marked on the time axis (``marks``: (time, kind) with kind one of
    ``delivery``, ``replenishment``, ``cancelled``, ``refused``)."""
    fig = _figure(8.0, 4.0)
    ax = fig.add_subplot()
    _path_axes(ax, path, disruptions, horizon, marks)
    ax.set_xlabel("day", fontsize=9)
    ax.set_ylabel("units", fontsize=9)
    ax.set_title(title, fontsize=10)
    if disruptions:
        ax.axvspan(0, 0, color=DISRUPTED, alpha=0.3, label="supplier disrupted")
    ax.legend(fontsize=8, ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.15))
    return fig


def sample_paths_figure(
    paths: Mapping[str, tuple[LevelPath, Sequence[Disruption]]], horizon: float
) -> Figure:
    """One replication per policy, one panel each: on hand, backlog and on order over time,
    with supplier disruptions shaded. Every panel shares the axes, so levels compare."""
    fig = _figure(7.5, 1.9 * len(paths) + 0.8)
    axes = fig.subplots(len(paths), 1, squeeze=False, sharex=True, sharey=True)
    for i, (name, (path, disruptions)) in enumerate(paths.items()):
        ax = axes[i][0]
        _path_axes(ax, path, disruptions, horizon)
        ax.set_title(_short(name, 40), fontsize=9, loc="left")
        ax.set_ylabel("units", fontsize=8)
        if i == 0:
            if any(d for _, d in paths.values()):
                ax.axvspan(0, 0, color=DISRUPTED, alpha=0.3, label="supplier disrupted")
            ax.legend(fontsize=7, ncols=4, loc="upper right")
    axes[-1][0].set_xlabel("day", fontsize=9)
    fig.suptitle("Stock over time, one replication per policy", fontsize=10)
    return fig


def trace_chart(trace: Any) -> Figure:
    """:func:`trace_figure` of a :class:`~simulator.experiment.trace.TraceResult`."""
    marks: list[tuple[float, str]] = []
    for e in trace.events:
        if e.kind in ("delivery", "replenishment", "cancelled"):
            marks.append((e.time, e.kind))
        elif e.kind == "order" and (e.detail["refused"] or e.detail["declined"]):
            marks.append((e.time, "refused"))
    what = f" ({trace.product})" if trace.product else ""
    title = f"{trace.policy}{what}: replication {trace.replication}"
    return trace_figure(trace.path(), trace.disruptions(), trace.horizon_days, marks, title)
