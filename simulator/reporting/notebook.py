"""Results in a notebook: an HTML table for Jupyter (``_repr_html_``) and pandas data frames
(``to_frame()``, with the ``frames`` extra). Registered in :mod:`simulator.reporting.register`;
every user string is escaped."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from simulator.reporting.report import interval_text

if TYPE_CHECKING:
    from simulator.experiment.compare import CompareResult
    from simulator.experiment.result import RunResult
    from simulator.experiment.trace import TraceResult
    from simulator.metrics.summary import Summary

SUMMARY_COLUMNS = ("mean", "sd", "ci95_low", "ci95_high", "n")


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _cell(metric: str, s: Summary, signed: bool = False) -> str:
    mean, ci = interval_text(metric, s, signed=signed)
    small = f'<br><small style="opacity:0.7">{_e(ci)}</small>' if ci else ""
    return f'<td style="text-align:right">{_e(mean)}{small}</td>'


def _table(head: list[str], rows: list[str]) -> str:
    cells = "".join(f"<th>{_e(h)}</th>" for h in head)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def run_html(result: RunResult) -> str:
    """Every store metric, policies side by side: the mean and its 95% interval."""
    names = list(result.policies)
    metrics = list(next(iter(result.policies.values())).metrics) if names else []
    rows = [
        f"<tr><th style='text-align:left'>{_e(m)}</th>"
        + "".join(_cell(m, result.policies[n].metrics[m]) for n in names)
        + "</tr>"
        for m in metrics
    ]
    caption = (
        f"<p><b>{_e(result.scenario)}</b>: {result.replications} replications, seed "
        f"{result.seed}, window {result.window_days:g} days; mean and 95% interval.</p>"
    )
    return caption + _table(["metric", *names], rows)


def compare_html(result: CompareResult) -> str:
    """The recommendation, the ranking and the paired differences against the baseline."""
    metric = result.objective.metric
    ranking = [
        f"<tr><td>{place}</td><th style='text-align:left'>{_e(e.policy)}</th>"
        + _cell(metric, _summary(e.mean, None, None))
        + _cell(metric, _summary(e.vs_best_mean, e.vs_best_low, e.vs_best_high), signed=True)
        + f"<td>{_e(e.status)}</td></tr>"
        for place, e in enumerate(result.ranking, start=1)
    ]
    names = list(result.differences)
    metrics = list(next(iter(result.differences.values()), {}))
    diffs = [
        f"<tr><th style='text-align:left'>{_e(m)}</th>"
        + "".join(_cell(m, result.differences[n][m], signed=True) for n in names)
        + "</tr>"
        for m in metrics
    ]
    return (
        f"<p><b>{_e(result.run.scenario)}</b>: {_e(result.recommendation)}</p>"
        + _table(["#", "policy", f"mean {metric}", "vs best other", "verdict"], ranking)
        + (
            f"<p>Paired differences against {_e(result.baseline)} (95% intervals):</p>"
            + _table(["metric", *(f"{n} − {result.baseline}" for n in names)], diffs)
            if names
            else ""
        )
    )


def _summary(mean: float | None, low: float | None, high: float | None) -> Summary:
    from simulator.metrics.summary import Summary

    return Summary(mean, None, low, high, 2 if low is not None else 1)


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as exc:  # the `frames` extra
        raise ImportError("to_frame() needs pandas: pip install 'backorder-sim[frames]'") from exc
    return pandas


def run_frame(result: RunResult, level: str = "store") -> Any:
    """One row per policy and metric: ``policy, metric, mean, sd, ci95_low, ci95_high, n``
    (``level="products"`` or ``"suppliers"``: a ``product`` or ``supplier`` column too).
    ``df.pivot(index="metric", columns="policy", values="mean")`` puts policies side by
    side."""
    pd = _pandas()
    rows: list[dict[str, Any]] = []
    for name, policy in result.policies.items():
        if level == "store":
            groups: dict[str | None, dict[str, Summary]] = {None: policy.metrics}
        elif level in ("products", "suppliers"):
            groups = dict(getattr(policy, level))
        else:
            raise ValueError(f"level (={level!r}) must be 'store', 'products' or 'suppliers'")
        for key, summaries in groups.items():
            for metric, s in summaries.items():
                row: dict[str, Any] = {"policy": name}
                if key is not None:
                    row[level.removesuffix("s")] = key
                rows.append({**row, "metric": metric, **s.to_dict()})
    return pd.DataFrame(rows)


def compare_frame(result: CompareResult) -> Any:
    """One row per policy (but the baseline) and metric: the paired difference against the
    baseline, ``policy, metric, mean, sd, ci95_low, ci95_high, n``."""
    pd = _pandas()
    rows = [
        {"policy": name, "metric": metric, **s.to_dict()}
        for name, diffs in result.differences.items()
        for metric, s in diffs.items()
    ]
    return pd.DataFrame(rows, columns=["policy", "metric", *SUMMARY_COLUMNS])


def trace_frame(trace: TraceResult) -> Any:
    """One row per event, the columns of ``trace --csv`` (``detail`` as a dict)."""
    from simulator.reporting.narrative import CSV_COLUMNS

    return _pandas().DataFrame(trace.rows(), columns=list(CSV_COLUMNS))


def trace_html(trace: TraceResult) -> str:
    """The story, as ``trace`` prints it (the first 200 lines)."""
    from simulator.reporting.narrative import narrative

    lines = narrative(trace).splitlines()
    more = f"\n… {len(lines) - 200} more lines" if len(lines) > 200 else ""
    return f"<pre>{_e(chr(10).join(lines[:200]) + more)}</pre>"
