"""A scenario and its policies in plain words, for reports read by people who never open
the YAML file. Plain text: the HTML and Markdown reports escape it themselves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.scenario import LoadedScenario, ResolvedPolicy
    from simulator.scenario.schema import Backorder, Product, Scenario, Supplier

MANY_PRODUCTS = 8
"""Up to this many products are each described; more are summarised."""


def distribution(d: Any, unit: str = "") -> str:
    """A distribution in words: ``10 days on average (exponential)``, ``5 days``."""
    data = {k: v for k, v in d.model_dump(by_alias=True).items() if v is not None}
    kind = data.pop("dist", "constant")
    u = f" {unit}" if unit else ""

    def g(key: str) -> str:
        return f"{data[key]:g}"

    if kind == "constant":
        text = f"{g('value')}{u}"
    elif kind in ("exponential", "poisson"):
        text = f"{g('mean')}{u} on average ({kind})"
    elif kind == "uniform":
        text = f"{g('low')} to {g('high')}{u} (uniform)"
    elif kind == "triangular":
        text = f"{g('low')} to {g('high')}{u}, most often {g('mode')} (triangular)"
    elif kind in ("normal", "lognormal", "gamma"):
        text = f"{g('mean')}{u} on average, sd {g('sd')} ({kind})"
    elif kind == "empirical":
        values = ", ".join(f"{v:g}" for v in data["values"])
        text = f"one of {values}{u}"
        if data.get("weights"):
            text += " (weights " + ", ".join(f"{w:g}" for w in data["weights"]) + ")"
    else:  # pragma: no cover - every family is worded above
        text = kind
    bounds = [f"at least {g('min')}"] if "min" in data else []
    bounds += [f"at most {g('max')}"] if "max" in data else []
    return text + (f", {' and '.join(bounds)}" if bounds else "")


def _replenishment(spec: Any) -> str:
    data = spec.model_dump()
    policy = data["policy"]
    if policy == "base_stock":
        text = f"base stock, order up to {data['level']}"
    elif policy == "rQ":
        text = (
            f"(r, Q): order {data['order_quantity']} when stock + on order - backlog "
            f"≤ {data['reorder_point']}"
        )
    elif policy == "sS":
        text = (
            f"(s, S): order up to {data['order_up_to']} when the position ≤ {data['reorder_point']}"
        )
    else:
        text = "never reorders"
    period = data.get("review_period_days")
    return text + (f", reviewed every {period:g} days" if period else ", continuous review")


def product(pid: str, p: Product, scenario: Scenario) -> str:
    """One product in a sentence."""
    from simulator.scenario.schema import HistoryDemand

    demand = p.demand
    if isinstance(demand, HistoryDemand):
        how = (
            "replays" if demand.mode == "replay" else f"resamples {demand.block_days}-day blocks of"
        )
        return (
            f"{pid}: price {p.price:,.2f}; demand {how} the orders in {demand.history}; "
            f"{p.initial_on_hand} on hand at the start; {_replenishment(p.replenishment)}"
        )
    size = distribution(demand.order_size, "units")
    text = (
        f"{pid}: price {p.price:,.2f}; about {demand.rate_per_day:g} orders a day of "
        f"{size}; {p.initial_on_hand} on hand at the start; "
        f"{_replenishment(p.replenishment)}"
    )
    if demand.seasonality:
        windows = "; ".join(
            f"×{w.multiplier:g} from day {w.start_day:g} to {w.end_day:g}"
            + (f" every {w.repeat_every_days:g} days" if w.repeat_every_days else "")
            for w in demand.seasonality
        )
        text += f"; seasonal demand {windows}"
    sourcing = scenario.sourcing_for(pid)
    if len(sourcing.suppliers) > 1:
        text += f"; sourcing {sourcing.rule} from {', '.join(sourcing.suppliers)}"
    return text


def supplier(sid: str, s: Supplier) -> str:
    """One supplier in a sentence."""
    text = f"{sid}: lead time {distribution(s.lead_time_days, 'days')}"
    if s.unit_cost:
        text += f", unit cost {s.unit_cost:,.2f}"
    if s.order_cost:
        text += f", {s.order_cost:,.2f} per order"
    if s.servers is not None:
        text += f", works on {s.servers} order{'s' if s.servers > 1 else ''} at a time"
    d = s.disruptions
    if isinstance(d, list) and d:
        text += "; down " + ", ".join(f"from day {w.start_day:g} to {w.end_day:g}" for w in d)
    elif d is not None and not isinstance(d, list):
        text += (
            f"; random outages (up for {distribution(d.every_days, 'days')}, then down for "
            f"{distribution(d.duration_days, 'days')})"
        )
    if d and s.hold_shipments:
        text += ", holding shipments in progress until back up"
    return text


def scenario_brief(loaded: LoadedScenario, replications: int, seed: int) -> list[tuple[str, str]]:
    """The scenario in brief: (heading, text) rows."""
    sc = loaded.scenario
    rows = [
        ("horizon", f"{sc.horizon_days:g} days, the first {sc.warmup_days:g} a warm-up not measured"
         if sc.warmup_days else f"{sc.horizon_days:g} days"),
        ("replications", f"{replications} (seed {seed}); every policy sees the same customers"),
    ]  # fmt: skip
    products = sc.products
    if len(products) <= MANY_PRODUCTS:
        for pid, p in products.items():
            rows.append(("product", product(pid, p, sc)))
    else:
        prices = [p.price for p in products.values()]
        rates = [getattr(p.demand, "rate_per_day", 0.0) for p in products.values()]
        rows.append(
            (
                "products",
                f"{len(products)} products, prices {min(prices):,.2f} to {max(prices):,.2f}, "
                f"{min(rates):g} to {max(rates):g} orders a day each "
                f"({sum(rates):,.1f} a day in all)",
            )
        )
    for sid, s in sc.suppliers.items():
        rows.append(("supplier", supplier(sid, s)))
    rows.append(("customers", customers(sc)))
    return rows


def customers(sc: Scenario) -> str:
    c = sc.customers
    parts = []
    parts.append(
        f"wait for a backorder for {distribution(c.patience_days, 'days')}, then cancel"
        if c.patience_days is not None
        else "wait for a backorder as long as it takes"
    )
    if c.max_quoted_wait_days is not None:
        longest = distribution(c.max_quoted_wait_days, "days")
        parts.append(f"accept a quoted wait up to {longest}")
    if c.accept_probability < 1:
        parts.append(f"accept a backorder with probability {c.accept_probability:g}")
    if c.informed_patience_factor != 1:
        parts.append(f"stay {c.informed_patience_factor:g}× as patient when sent a new date")
    return "; ".join(parts)


def backorder_rules(b: Backorder) -> str:
    """The policy's backorder block in words."""
    if not b.allow:
        return "Lost sales: a customer who finds too little stock is turned away."
    parts = ["Takes backorders"]
    parts.append(
        "ships what is on hand at once and backorders the rest"
        if b.partial_fill
        else "an order ships whole or waits whole"
    )
    if b.max_backlog_units is not None:
        parts.append(f"at most {b.max_backlog_units} units waiting (beyond that, a lost sale)")
    if b.max_quoted_wait_days is not None:
        parts.append(
            f"offered only when the expected wait is at most {b.max_quoted_wait_days:g} days"
        )
    if b.quote_eta:
        pad = f" plus {b.eta_padding_days:g} days" if b.eta_padding_days else ""
        parts.append(f"tells each customer the expected date{pad}")
        if b.delay_updates:
            parts.append(
                f"sends a new date when one passes (at least {b.eta_update_min_days:g} days ahead)"
            )
    if b.allocation != "fifo":
        parts.append(f"serves the waiting orders {b.allocation.replace('_', ' ')}")
    else:
        parts.append("serves the waiting orders first come, first served")
    return "; ".join(parts) + "."


def _flatten(prefix: str, value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, Mapping):
        out: list[tuple[str, Any]] = []
        for k, v in value.items():
            out.extend(_flatten(f"{prefix}.{k}" if prefix else str(k), v))
        return out
    return [(prefix, value)]


def _value(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{k}: {_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, bool):
        return "true" if v else "false"
    return f"{v:g}" if isinstance(v, float) else str(v)


def policy_settings(policy: ResolvedPolicy, raw_policy: Mapping[str, Any] | None) -> list[str]:
    """The policy in words: its backorder rules, then each override of the scenario."""
    lines = [backorder_rules(policy.backorder)]
    overrides = (raw_policy or {}).get("overrides") or {}
    for key, value in _flatten("", overrides):
        lines.append(f"Changes {key} to {_value(value)}.")
    return lines


def raw_policies(loaded: LoadedScenario) -> dict[str, Mapping[str, Any]]:
    """Each policy's plain data as written (for its overrides), by name."""
    out: dict[str, Mapping[str, Any]] = {}
    for item in loaded.raw.get("policies") or []:
        if isinstance(item, Mapping) and isinstance(item.get("name"), str):
            out[item["name"]] = item
    return out
