"""A traced replication told as dated sentences a student can follow, and as CSV rows.

    day 12.4: order #88 for 3 widgets; 1 on hand; 1 shipped now, 2 backordered, promised day 19.0
    day 15.0: acme disrupted until day 31.2; the next order goes to quickco
    day 19.3: delivery of 60 from quickco; order #88 completed after 6.9 days

Events at the same moment that follow from one another (a delivery and the backorders it
ships, a review and the order it places) are told in one sentence.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from simulator.reporting.formats import safe_cell

if TYPE_CHECKING:
    from simulator.experiment.trace import TraceResult
    from simulator.model.observe import ModelEvent

CSV_COLUMNS = (
    "time",
    "kind",
    "product",
    "supplier",
    "customer",
    "units",
    "on_hand",
    "backlog",
    "on_order",
    "detail",
)
"""The columns of ``trace --csv`` (DESIGN §4)."""

MANY = 4
"""More backorders than this shipped at once are told as one count, not order by order."""


def _day(t: float) -> str:
    return f"day {t:.1f}"


def _days(d: float) -> str:
    return f"{d:.1f} day" + ("" if f"{d:.1f}" == "1.0" else "s")


def _units(n: int, product: str | None) -> str:
    noun = product or "unit"
    if n != 1 and not noun.endswith("s"):
        noun += "s"
    return f"{n} {noun}"


def _order(e: ModelEvent) -> str:
    d = e.detail
    assert e.units is not None
    head = f"order #{e.customer} for {_units(e.units, e.product)}; {d['on_hand_before']} on hand"
    parts = []
    if d["shipped_now"] == e.units:
        parts.append("shipped now")
    elif d["shipped_now"]:
        parts.append(f"{d['shipped_now']} shipped now")
    if d["backordered"]:
        promise = f", promised {_day(d['promised'])}" if d["promised"] is not None else ""
        parts.append(f"{d['backordered']} backordered{promise}")
    if d["refused"]:
        parts.append(f"{d['refused']} refused (a lost sale)")
    if d["declined"]:
        parts.append(f"{d['declined']} declined the backorder (a lost sale)")
    text = f"{head}; {', '.join(parts)}"
    if not d["in_window"]:
        text += " (warm-up)"
    return text


def _shipments(events: list[ModelEvent]) -> str:
    if len(events) > MANY:
        units = sum(e.units or 0 for e in events)
        waits = [e.detail["wait"] for e in events]
        return (
            f"{len(events)} backorders served ({units} units) after "
            f"{min(waits):.1f} to {_days(max(waits))}"
        )
    out = []
    for e in events:
        wait = _days(e.detail["wait"])
        if e.detail["completed"]:
            out.append(f"order #{e.customer} completed after {wait}")
        else:
            out.append(f"{e.units} shipped to order #{e.customer} after {wait}, the rest waits")
    return "; ".join(out)


def _levels(e: ModelEvent) -> str:
    return f"now {e.on_hand} on hand, {e.backlog} on backorder, {e.on_order} on order"


def _next_supplier(e: ModelEvent) -> str:
    nxt: dict[str, str] = e.detail.get("next_supplier", {})
    if not nxt:
        return ""
    choices = sorted(set(nxt.values()))
    if len(choices) == 1:
        return f"; the next order goes to {choices[0]}"
    return "; the next orders go to " + ", ".join(f"{s} for {p}" for p, s in sorted(nxt.items()))


def _sentence(e: ModelEvent, follow: list[ModelEvent]) -> str:
    kind = e.kind
    if kind == "order":
        text = _order(e)
    elif kind == "delivery":
        text = f"delivery of {_units(e.units or 0, e.product)} from {e.supplier}"
        if len(follow) == 0:
            text += f"; {_levels(e)}"
    elif kind == "backorder_shipped":
        text = _shipments([e])
    elif kind == "cancelled":
        text = (
            f"order #{e.customer} gave up after {_days(e.detail['waited'])}: "
            f"{_units(e.units or 0, e.product)} cancelled"
        )
    elif kind == "quote_updated":
        prev = e.detail["previous"]
        text = (
            f"order #{e.customer} missed its promised {_day(prev)}; new promise "
            f"{_day(e.detail['promised'])}"
        )
    elif kind == "replenishment":
        text = _replenishment(e)
    elif kind == "review":
        text = f"periodic review of {e.product}: inventory position {e.detail['position']}"
        if not follow:
            text += ", nothing to order"
    elif kind == "disruption_start":
        text = f"{e.supplier} disrupted until {_day(e.detail['until'])}{_next_supplier(e)}"
    elif kind == "disruption_end":
        text = f"{e.supplier} is back up{_next_supplier(e)}"
    else:  # pragma: no cover - every kind is told above
        text = kind
    for f in _group(follow):
        if f[0].kind == "backorder_shipped":
            text += f"; {_shipments(f)}"
        else:
            text += f"; {_sentence(f[0], [])}"
    return text


def _replenishment(e: ModelEvent) -> str:
    due = e.detail["expected"]
    return (
        f"{_units(e.units or 0, e.product)} ordered from {e.supplier}, expected around {_day(due)} "
        f"({e.on_order} on order)"
    )


def _group(events: list[ModelEvent]) -> Iterator[list[ModelEvent]]:
    """Consecutive shipments as one group; every other event alone."""
    i = 0
    while i < len(events):
        j = i + 1
        if events[i].kind == "backorder_shipped":
            while j < len(events) and events[j].kind == "backorder_shipped":
                j += 1
        yield events[i:j]
        i = j


_FOLLOWERS = {
    "delivery": ("backorder_shipped", "replenishment"),
    "order": ("replenishment",),
    "cancelled": ("backorder_shipped", "replenishment"),
    "review": ("replenishment",),
    "disruption_end": ("delivery", "backorder_shipped", "replenishment"),
}
"""What may be told in the same sentence as an event, when it happens at the same moment
and concerns the same product."""


def sentences(events: Iterable[ModelEvent]) -> Iterator[str]:
    """One dated sentence per event, with the events that follow from it folded in."""
    items = list(events)
    i = 0
    while i < len(items):
        e = items[i]
        allowed = _FOLLOWERS.get(e.kind, ())
        j = i + 1
        while (
            j < len(items)
            and items[j].time == e.time
            and items[j].kind in allowed
            and (e.product is None or items[j].product == e.product)
        ):
            j += 1
        yield f"{_day(e.time)}: {_sentence(e, items[i + 1 : j])}"
        i = j


def narrative(trace: TraceResult) -> str:
    """The whole story: a heading, one line per event, and what it adds up to."""
    counts = trace.counts()
    where = f" ({trace.product})" if trace.product else ""
    lines = [
        f"{trace.scenario}: policy {trace.policy}, replication {trace.replication} "
        f"(seed {trace.seed}), days 0 to {trace.horizon_days:g}{where}",
    ]
    if trace.warmup_days:
        lines.append(f"(the first {trace.warmup_days:g} days are warm-up, not counted below)")
    lines.append("")
    lines.extend(sentences(trace.events))
    lines.append("")
    lines.append(summary(counts))
    return "\n".join(lines) + "\n"


def summary(counts: dict[str, int]) -> str:
    """What the events add up to, in the words of the metrics."""
    return (
        f"In all: {counts['units_demanded']} units demanded; "
        f"{counts['units_filled_immediately']} filled at once, "
        f"{counts['units_filled_from_backorder']} from backorder, "
        f"{counts['units_refused']} refused, {counts['units_declined']} declined, "
        f"{counts['units_cancelled']} cancelled, {counts['open_backlog_units_end']} still "
        f"waiting at the end; {counts['replenishment_orders']} replenishment orders."
    )


def _cell(value: Any) -> Any:
    """A CSV cell; text that a spreadsheet would read as a formula gets a leading '."""
    if isinstance(value, str):
        return safe_cell(value)
    if isinstance(value, float):
        return round(value, 6)
    return value


def _detail(detail: dict[str, Any]) -> str:
    parts = []
    for key, value in detail.items():
        if isinstance(value, dict):
            value = ",".join(f"{k}:{v}" for k, v in value.items())
        elif isinstance(value, float):
            value = round(value, 6)
        parts.append(f"{key}={value}")
    return " ".join(parts)


def to_csv(trace: TraceResult) -> str:
    """One row per event in the columns of :data:`CSV_COLUMNS`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in trace.rows():
        row["detail"] = _detail(row["detail"])
        writer.writerow(["" if row[c] is None else _cell(row[c]) for c in CSV_COLUMNS])
    return out.getvalue()
