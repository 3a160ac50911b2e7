"""The chart of ``optimize --plot``: objective and constraint against the varied key.

One column per policy: the objective on top, each constrained metric below, every
evaluated candidate with its 95% interval bar, the settings shown feasible shaded, the
target drawn, the choice marked. With several varied keys the x axis is the first key
and the other keys are held at the chosen values (a slice through the choice).
Object-oriented matplotlib on the Agg canvas: no pyplot state.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from simulator.experiment.optimize_answer import CandidateResult, OptimizeResult, PolicyOptimum
from simulator.metrics.summary import Summary

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def _slice(p: PolicyOptimum) -> tuple[str, list[CandidateResult]]:
    keys = list(p.best.settings)
    axis = keys[0]
    rest = {k: p.best.settings[k] for k in keys[1:]}
    chosen = [c for c in p.candidates if all(c.settings[k] == v for k, v in rest.items())]
    return axis, chosen


def _positions(values: list[Any]) -> tuple[list[float], list[str] | None]:
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return [float(v) for v in values], None
    labels = [str(v) for v in values]
    return [float(i) for i in range(len(values))], labels


def _bars(ax: Axes, xs: list[float], summaries: list[Summary], color: str) -> None:
    pts = [(x, s) for x, s in zip(xs, summaries, strict=True) if s.mean is not None]
    if not pts:
        return
    means = [float(s.mean or 0.0) for _, s in pts]
    errs = [s.half_width or 0.0 for _, s in pts]
    ax.errorbar([x for x, _ in pts], means, yerr=errs, fmt="o", color=color, capsize=3, ms=4)


def _shade(ax: Axes, xs: list[float], candidates: list[CandidateResult]) -> None:
    step = min((b - a for a, b in zip(sorted(xs), sorted(xs)[1:], strict=False)), default=1.0)
    for x, c in zip(xs, candidates, strict=True):
        if c.feasible:
            ax.axvspan(x - step / 2, x + step / 2, color="tab:green", alpha=0.12, lw=0)


def optimize_figure(result: OptimizeResult) -> Figure:
    """The chart for every policy of ``result`` (a matplotlib Figure, not shown)."""
    from matplotlib.figure import Figure

    policies = list(result.policies.values())
    rows = 1 + max(len(dict.fromkeys(k.metric for k in p.constraints)) for p in policies)
    fig = Figure(figsize=(5.5 * len(policies), 2.8 * rows + 0.6), layout="constrained")
    grid = fig.subplots(rows, len(policies), squeeze=False, sharex="col")
    for col, p in enumerate(policies):
        axis, cands = _slice(p)
        values = [c.settings[axis] for c in cands]
        order = sorted(range(len(values)), key=lambda i: (str(type(values[i])), values[i]))
        cands = [cands[i] for i in order]
        xs, labels = _positions([c.settings[axis] for c in cands])
        marked = [x for x, c in zip(xs, cands, strict=True) if c.status == "chosen"]
        best_x = marked[0] if marked else None
        metrics = [p.goal.metric, *dict.fromkeys(k.metric for k in p.constraints)]
        for row, metric in enumerate(metrics):
            ax = grid[row][col]
            summaries = [c.objective if row == 0 else c.constraints[metric] for c in cands]
            _shade(ax, xs, cands)
            _bars(ax, xs, summaries, "tab:blue" if row == 0 else "tab:orange")
            for k in p.constraints:
                if k.metric == metric and row > 0:
                    ax.axhline(k.value, color="tab:red", ls="--", lw=1, label=str(k))
                    ax.legend(loc="best", fontsize=8)
            if best_x is not None:
                ax.axvline(best_x, color="black", lw=1, alpha=0.6)
            ax.set_ylabel(metric)
            ax.grid(alpha=0.3)
        title = f"{p.policy}: {p.goal.goal} {p.goal.metric}"
        if best_x is not None:
            title += f" (chosen {axis.split('.')[-1]} = {p.best.settings[axis]})"
        grid[0][col].set_title(title, fontsize=10)
        bottom = grid[len(metrics) - 1][col]
        bottom.set_xlabel(axis + ("" if len(p.best.settings) == 1 else " (others at the choice)"))
        if labels is not None:
            bottom.set_xticks(xs, labels)
        for row in range(len(metrics), rows):
            grid[row][col].set_visible(False)
    return fig


def save_optimize_plot(result: OptimizeResult, path: str | os.PathLike[str]) -> None:
    """Write the chart as a PNG at ``path``, atomically."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from simulator.reporting.files import atomic_write

    fig = optimize_figure(result)
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    # latin-1 maps every byte to one character and back: the PNG's bytes, written atomically
    atomic_write(path, buffer.getvalue().decode("latin-1"), encoding="latin-1")
