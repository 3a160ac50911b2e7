"""History files named by a scenario: found relative to the file that names them, and read.

Two keys name a history CSV (the columns of ``fit``, DESIGN §4):

- ``products.ID.demand: {history: FILE.csv, product, mode, block_days, start}``: the path
  is replaced by its absolute form (so the model, in any worker process, reads the same
  file) after the file has been read once here, and its product found;
- ``suppliers.ID.lead_time_days: {dist: empirical, history: FILE.csv, supplier, product}``:
  the recorded lead times of the supplier (for the product, if given) replace it, as
  ``{dist: empirical, values, weights}``.

Paths are relative to the scenario file in which the key is written (a parent's, for a key
an ``extends:`` parent wrote; the working directory for ``--set`` and mappings), and must
be local regular files. The same keys inside a policy's ``overrides`` are resolved the same
way. Problems in the CSV are reported as ``FILE:LINE: column: message``; problems with the
key (a missing file, an unknown product) at the key's own line.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.scenario.errors import DICT_FILE, SET_FILE, Problem, show_value
from simulator.scenario.paths import KeyPath, LineMap, nearest, render_path

if TYPE_CHECKING:  # the history readers load only for a scenario that names a history
    from simulator.history.orders import OrderHistory
    from simulator.history.table import HistoryError

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")


def _places(data: dict[Any, Any]) -> Iterator[tuple[KeyPath, dict[Any, Any]]]:
    """Every mapping of the data that may name a history: the scenario's own blocks and
    those inside each policy's ``overrides``."""
    roots: list[tuple[KeyPath, Any]] = [((), data)]
    policies = data.get("policies")
    if isinstance(policies, list):
        for index, policy in enumerate(policies):
            if isinstance(policy, dict) and isinstance(policy.get("overrides"), dict):
                roots.append((("policies", index, "overrides"), policy["overrides"]))
    for prefix, root in roots:
        for kind, key in (("products", "demand"), ("suppliers", "lead_time_days")):
            block = root.get(kind)
            if not isinstance(block, dict):
                continue
            for item_id, item in block.items():
                if isinstance(item, dict) and isinstance(item.get(key), dict):
                    yield (*prefix, kind, item_id, key), item[key]


def resolve_histories(data: dict[Any, Any], lines: LineMap) -> tuple[list[Problem], set[KeyPath]]:
    """Find, read and check every history file ``data`` names (see the module docstring);
    rewrite ``data`` in place. Returns every problem found, and the paths of the blocks
    that could not be resolved (whose schema problems would only repeat them)."""
    problems: list[Problem] = []
    failed: set[KeyPath] = set()
    for path, block in _places(data):
        if "history" not in block:
            continue
        before = len(problems)
        if path[-1] == "demand":
            problems += _demand(data, path, block, lines)
        elif block.get("dist") == "empirical":
            problems += _lead_times(data, path, block, lines)
            if len(problems) > before:
                failed.add(path)
        else:
            failed.add(path)
            problems.append(
                _at(
                    (*path, "history"),
                    data,
                    lines,
                    "only an empirical lead time "
                    "({dist: empirical, history: FILE.csv, supplier: ID}) reads a history",
                )
            )
    return problems, failed


def _converted(exc: HistoryError) -> list[Problem]:
    """A history file's problems as scenario problems (the same line format)."""
    return [Problem(p.file, p.line, p.path, p.message) for p in exc.problems]


def _at(path: KeyPath, data: Any, lines: LineMap, message: str) -> Problem:
    found = nearest(lines, path)
    file, line = found[1] if found is not None else (DICT_FILE, None)
    if file == SET_FILE:
        return Problem(SET_FILE, None, render_path(path, data), message)
    return Problem(file, line, render_path(path, data), message)


def _locate(data: Any, path: KeyPath, value: Any, lines: LineMap) -> tuple[Path, str] | Problem:
    """The file a ``history:`` value names (absolute) and its name as shown, or a problem."""
    where = (*path, "history")
    if not isinstance(value, str) or not value.strip():
        return _at(where, data, lines, f"must be the name of a CSV file, got {show_value(value)}")
    if _URL.match(value):
        return _at(where, data, lines, f"must be a local file, got {show_value(value)}")
    found = nearest(lines, where)
    origin = found[1][0] if found is not None else DICT_FILE
    if origin in (DICT_FILE, SET_FILE):
        folder, shown = Path.cwd(), value
    else:
        folder = Path(origin).parent
        shown = os.path.normpath(os.path.join(os.path.dirname(origin), value))
    target = (folder / value).resolve()
    if not target.exists():
        looked = f" (looked for {shown})" if shown != value else ""
        return _at(where, data, lines, f"no such file '{value}'{looked}")
    if not target.is_file():
        return _at(where, data, lines, f"'{value}' is not a regular file")
    return target, shown


def _demand(data: Any, path: KeyPath, block: dict[Any, Any], lines: LineMap) -> list[Problem]:
    located = _locate(data, path, block["history"], lines)
    if isinstance(located, Problem):
        return [located]
    target, shown = located
    start = block.get("start")
    if isinstance(start, dt.date) and not isinstance(start, dt.datetime):
        start = dt.datetime(start.year, start.month, start.day)
    if isinstance(start, bool) or not isinstance(start, dt.datetime | int | float):
        start = None  # absent, or invalid: the schema reports it
    from simulator.history.orders import read_orders
    from simulator.history.table import HistoryError

    try:
        history = read_orders(target, shown=shown)
    except HistoryError as exc:
        return _converted(exc)
    problems: list[Problem] = []
    if start is not None and (isinstance(start, dt.datetime) != history.dated):
        kind = "dates" if history.dated else "numbers of days"
        problems.append(
            _at((*path, "start"), data, lines, f"must be like the history's times ({kind})")
        )
    product = block.get("product", path[-2])
    if isinstance(product, str) and product not in history.products:
        key = "product" if "product" in block else "history"
        known = ", ".join(history.products)
        problems.append(
            _at(
                (*path, key),
                data,
                lines,
                f"no orders for product '{product}' in {shown} (it has: {known})",
            )
        )
    elif start is not None and not problems:
        history = read_orders(target, shown=shown, start=start)
        if isinstance(product, str) and product not in history.products:
            problems.append(
                _at((*path, "start"), data, lines, f"no orders of '{product}' after it")
            )
    if not problems:
        problems += _horizon(data, path, block, history, lines)
    block["history"] = str(target)
    return problems


def _horizon(
    data: Any, path: KeyPath, block: dict[Any, Any], history: OrderHistory, lines: LineMap
) -> list[Problem]:
    """A bootstrap may not use blocks longer than the history. (A replay may run past the
    history's end: there are simply no orders after it.)"""
    mode = block.get("mode", "replay")
    block_days = block.get("block_days", 7)
    if mode == "bootstrap" and isinstance(block_days, int) and block_days > history.days:
        return [
            _at(
                (*path, "block_days"),
                data,
                lines,
                f"must be at most the history's {history.days} days, got {block_days}",
            )
        ]
    return []


def _lead_times(data: Any, path: KeyPath, block: dict[Any, Any], lines: LineMap) -> list[Problem]:
    located = _locate(data, path, block["history"], lines)
    if isinstance(located, Problem):
        return [located]
    target, shown = located
    extra = sorted(set(block) - {"dist", "history", "supplier", "product", "min", "max"})
    if extra:
        return [
            _at(
                (*path, extra[0]),
                data,
                lines,
                f"unknown key '{extra[0]}' (a history's lead times take supplier, product, "
                "min, max)",
            )
        ]
    import numpy as np

    from simulator.history.deliveries import load_deliveries, read_deliveries
    from simulator.history.table import HistoryError

    try:
        read_deliveries(target, shown=shown)
    except HistoryError as exc:
        return _converted(exc)
    history = load_deliveries(str(target))
    supplier = block.get("supplier", path[-2])
    product = block.get("product")
    if not isinstance(supplier, str):
        return [_at((*path, "supplier"), data, lines, f"must be text, got {show_value(supplier)}")]
    leads = history.lead_times(supplier, product if isinstance(product, str) else None)
    if len(leads) == 0:
        key = "supplier" if "supplier" in block or product is None else "product"
        what = f"supplier '{supplier}'" + (f", product '{product}'" if product else "")
        known = ", ".join(history.suppliers())
        return [
            _at(
                (*path, key),
                data,
                lines,
                f"no deliveries of {what} in {shown} (suppliers: {known})",
            )
        ]
    values, counts = np.unique(np.round(leads, 6), return_counts=True)
    bounds = {key: block[key] for key in ("min", "max") if key in block}
    block.clear()
    block.update(
        {
            "dist": "empirical",
            "values": [float(v) for v in values],
            "weights": [float(c) for c in counts],
            **bounds,
        }
    )
    return []
