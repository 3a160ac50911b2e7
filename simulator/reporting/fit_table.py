"""The terminal summary of ``fit``: estimates with intervals, tests, the candidates' AIC."""

from __future__ import annotations

import math

from simulator.fitting.lead_time import LeadTimeFit
from simulator.fitting.result import FitResult


def _g(x: float | None, digits: int = 4) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:.{digits}g}"


def _p(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    return "<0.001" if x < 0.001 else f"{x:.3f}"


def render_fit(result: FitResult) -> str:
    """The summary as plain text."""
    out: list[str] = [
        f"Fitted {result.orders_file}"
        + (f" and {result.deliveries_file}" if result.deliveries_file else "")
        + f": {result.days} days from day 0 = {result.day0}",
        "",
    ]
    for pid, fit in result.products.items():
        s = fit.seasonal
        out.append(
            f"product {pid}: {fit.orders} orders, {fit.units} units, "
            f"{fit.exposure_days} days in stock"
            + (
                f" ({fit.out_of_stock_days} out of stock, left out)"
                if fit.out_of_stock_days
                else ""
            )
        )
        out.append(
            f"  rate per day       {_g(fit.rate)}  [{_g(fit.rate_low)}, {_g(fit.rate_high)}]"
            f"  (base outside windows {_g(s.base)})"
        )
        d = fit.dispersion
        if d.verdict == "no orders":
            out.append("  dispersion index   -  (no orders)")
        else:
            out.append(
                f"  dispersion index   {d.index:.3f}  (p = {_p(d.p_value)}, {d.dof} dof): "
                f"{d.verdict}"
            )
        if s.weekly_p is None:
            out.append("  weekly pattern     not tested (under four weeks)")
        else:
            factors = " ".join(f"{f:.2f}" for f in s.week)
            verdict = f"yes: {factors}" if s.weekly else "no"
            out.append(f"  weekly pattern     {verdict}  (p = {_p(s.weekly_p)})")
        kind = "yearly window" if s.yearly else "window (once)"
        if not s.scanned:
            out.append(f"  {'windows':<19}not looked for (under eight weeks of history)")
        elif not s.windows:
            out.append(f"  {kind + 's':<19}none significant")
        for w in s.windows:
            out.append(
                f"  {kind:<19}days {w.start}-{w.end}: x{w.multiplier:.3f}  "
                f"[{_g(w.low)}, {_g(w.high)}]  (LR {w.lr:.1f} > {w.threshold:.1f})"
            )
        z = fit.order_size
        extra = ""
        if z.aic_poisson is not None and z.aic_empirical is not None:
            extra = (
                f"  (AIC poisson {z.aic_poisson:.1f}, empirical {z.aic_empirical:.1f}; "
                f"poisson fit p = {_p(z.poisson_p)})"
            )
        out.append(
            f"  order size mean    {_g(z.mean)}  [{_g(z.mean_low)}, {_g(z.mean_high)}]: "
            f"{z.chosen}{extra}"
        )
        out += [f"  note: {note}" for note in fit.notes]
        out.append("")
    for sid, lead in result.suppliers.items():
        out += _supplier_lines(sid, lead)
    return "\n".join(out).rstrip() + "\n"


def _supplier_lines(sid: str, fit: LeadTimeFit) -> list[str]:
    """The lines of one supplier: its lead times and the candidate families."""
    out: list[str] = []
    out.append(
        f"supplier {sid}: {fit.n} lead times, mean {_g(fit.mean)} "
        f"[{_g(fit.mean_low)}, {_g(fit.mean_high)}] days, sd {_g(fit.sd)}; "
        f"written: {fit.chosen}"
    )
    if fit.candidates:
        out.append(
            f"  {'family':<12} {'AIC':>10} {'dAIC':>7} {'KS p':>7} {'boot p':>7}  parameters"
        )
        best = fit.candidates[0].aic
        for c in fit.candidates:
            params = ", ".join(f"{k} {_g(v)}" for k, v in c.params.items())
            out.append(
                f"  {c.family:<12} {c.aic:>10.1f} {c.aic - best:>7.1f} {_p(c.ks_p):>7} "
                f"{_p(c.bootstrap_p):>7}  {params}"
            )
        out.append("  (KS p-values are conservative: parameters were fitted to the same data)")
    for p in fit.by_product:
        out.append(f"  product {p.product}: {p.n} lead times, mean {_g(p.mean)}, best {p.chosen}")
    out += [f"  note: {note}" for note in fit.notes]
    out.append("")
    return out
