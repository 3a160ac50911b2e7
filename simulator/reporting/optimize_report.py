"""The answer of ``optimize`` as text for people, JSON for programs and CSV of the candidates."""

from __future__ import annotations

import csv
import io
import json

from simulator.experiment.optimize_answer import OptimizeResult, PolicyOptimum
from simulator.metrics.summary import Summary


def _num(x: float | None) -> str:
    if x is None:
        return "n/a"
    return f"{x:.4g}" if abs(x) < 1000 else f"{x:,.0f}"


def _interval(s: Summary) -> str:
    """``mean ± half-width`` (the mean alone when there is no interval)."""
    if s.mean is None:
        return "n/a"
    if s.half_width is None:
        return _num(s.mean)
    return f"{_num(s.mean)} ± {_num(s.half_width)}"


def _signed(s: Summary) -> str:
    if s.mean is None:
        return "n/a"
    text = f"{s.mean:+.4g}" if abs(s.mean) < 1000 else f"{s.mean:+,.0f}"
    return text if s.half_width is None else f"{text} ± {_num(s.half_width)}"


def _settings(settings: dict[str, object]) -> str:
    return ", ".join(f"{key} = {value}" for key, value in settings.items())


def render_policy(p: PolicyOptimum) -> str:
    """One policy's answer: the choice, its metrics, the runners-up, the statement."""
    goal = "maximise" if p.goal.goal == "max" else "minimise"
    lines = [f"policy {p.policy}: {goal} {p.goal.metric}"]
    if p.constraints:
        lines[0] += " subject to " + ", ".join(str(k) for k in p.constraints)
    lines.append(f"  chosen: {_settings(p.best.settings)}")
    shown = [p.goal.metric, *dict.fromkeys(k.metric for k in p.constraints)]
    width = max(len(m) for m in shown)
    for metric in shown:
        lines.append(f"    {metric:<{width}}  {_interval(p.metrics[metric])}")
    for name, bound in p.best.bounds.items():
        lines.append(f"    {name}: one-sided 95% bound {_num(bound)}")
    if p.runners_up:
        lines.append("  runners-up (minus the chosen, paired, 95% interval):")
        for r in p.runners_up:
            diffs = "   ".join(f"{m} {_signed(s)}" for m, s in r.differences.items())
            lines.append(f"    {_settings(r.settings)}:   {diffs}")
    lines.append(f"  {p.statement}")
    lines.append(
        f"  replications: {p.replications_used:,} simulated; the whole grid of {p.grid_size} "
        f"at {p.full_replications} each would take {p.replications_exhaustive:,} "
        f"({p.search}, δ = {p.indifference:g})"
    )
    return "\n".join(lines)


def render_optimize(result: OptimizeResult) -> str:
    """The answer for every policy, as plain text."""
    return "\n\n".join(render_policy(p) for p in result.policies.values()) + "\n"


def optimize_json(result: OptimizeResult) -> str:
    """The JSON of DESIGN §4 (``optimize --format json``)."""
    return json.dumps(result.to_dict(), indent=2, allow_nan=False) + "\n"


def _cell(x: float | None) -> str:
    return "" if x is None else repr(float(x))


def optimize_csv(result: OptimizeResult) -> str:
    """One row per policy and evaluated candidate: ``policy``, each varied key, ``status``,
    ``feasible``, ``replications``, then the objective's and each constrained metric's
    ``_mean``, ``_ci95_low``, ``_ci95_high`` and each constraint's one-sided ``_bound``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    first = next(iter(result.policies.values()))
    keys = list(first.best.settings)
    metrics = [first.goal.metric, *dict.fromkeys(k.metric for k in first.constraints)]
    header = ["policy", *keys, "status", "feasible", "replications"]
    for m in metrics:
        header += [f"{m}_mean", f"{m}_ci95_low", f"{m}_ci95_high"]
    header += [f"{k}_bound" for k in first.best.bounds]
    writer.writerow(header)
    for name, p in result.policies.items():
        for c in p.candidates:
            row = [name, *(c.settings[k] for k in keys), c.status, c.feasible, c.replications]
            for m in metrics:
                s = c.objective if m == p.goal.metric else c.constraints[m]
                row += [_cell(s.mean), _cell(s.ci95_low), _cell(s.ci95_high)]
            row += [_cell(c.bounds[k]) for k in first.best.bounds]
            writer.writerow(row)
    return buffer.getvalue()
