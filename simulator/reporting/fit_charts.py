"""Charts of ``fit --plot``: daily demand with the fitted rate, lead times with the fitted density.

matplotlib's object-oriented API on the Agg canvas (no pyplot state); one function per
chart, each returning a Figure.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from simulator.fitting.demand import DemandFit
from simulator.fitting.lead_time import LeadTimeFit
from simulator.fitting.result import FitResult


def _figure(width: float = 9, height: float = 4) -> tuple[Any, Any]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot(1, 1, 1)


def demand_chart(fit: DemandFit) -> Any:
    """Orders per day (out-of-stock days greyed out), the fitted expected rate, the windows."""
    fig, ax = _figure()
    days = np.arange(len(fit.counts))
    counts = np.where(fit.exposed, fit.counts, np.nan)
    ax.plot(days, counts, lw=0.6, color="0.55", label="orders per day")
    expected = np.where(fit.exposed, fit.seasonal.expected, np.nan)
    ax.plot(days, expected, lw=1.4, color="C0", label="fitted rate")
    for day in days[~fit.exposed]:
        ax.axvspan(day, day + 1, color="C3", alpha=0.15, lw=0)
    for window in fit.seasonal.windows:
        start = window.start
        while start < len(days):
            ax.axvspan(start, start + window.end - window.start, color="C1", alpha=0.15, lw=0)
            start += 365 if fit.seasonal.yearly else len(days)
    ax.set_xlabel("day")
    ax.set_ylabel("orders")
    ax.set_title(f"{fit.product}: daily orders and the fitted rate")
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def lead_time_chart(fit: LeadTimeFit) -> Any:
    """A histogram of the lead times with the density of the written family."""
    fig, ax = _figure(7, 4)
    x = fit.values
    bins = max(5, min(40, int(np.sqrt(len(x))) + 1))
    ax.hist(x, bins=bins, density=True, color="0.75", edgecolor="0.5", label="observed")
    best = next((c for c in fit.candidates if c.family == fit.chosen), None)
    if best is not None and len(x):
        grid = np.linspace(max(0.0, float(x.min()) * 0.8), float(x.max()) * 1.1, 300)
        ax.plot(grid, best.frozen.pdf(grid), color="C0", lw=1.6, label=f"fitted {best.family}")
    ax.set_xlabel("lead time (days)")
    ax.set_ylabel("density")
    ax.set_title(f"{fit.supplier}: lead times (n = {fit.n}), written as {fit.chosen}")
    ax.legend()
    fig.tight_layout()
    return fig


def write_fit_charts(result: FitResult, folder: str | os.PathLike[str]) -> list[Path]:
    """Every chart of ``result`` as PNG files in ``folder`` (created); the paths written."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for pid, fit in result.products.items():
        path = target / f"demand-{_safe(pid)}.png"
        _save(demand_chart(fit), path)
        written.append(path)
    for sid, lead in result.suppliers.items():
        path = target / f"lead-time-{_safe(sid)}.png"
        _save(lead_time_chart(lead), path)
        written.append(path)
    return written


def _save(fig: Any, path: Path) -> None:
    """Save a figure so that a reader sees the old file or the new one, never half."""
    tmp = path.with_name(f".{path.name}.tmp")
    fig.savefig(tmp, format="png")
    os.replace(tmp, path)


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
