"""Deep merging (``extends:``, policy ``overrides``) and ``--set KEY=VALUE`` items.

The merge rule is the same everywhere: mappings merge key by key, anything else (lists,
numbers, strings, null) replaces what was there; the later source wins. Origins follow the
data: a replaced value takes its origin from the source that replaced it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable, Mapping
from typing import Any, get_args

from simulator.scenario.errors import SET_FILE, Problem, hint, show_value
from simulator.scenario.paths import KeyPath, LineMap, get_at, render_path, under
from simulator.scenario.schema import SourcingRule
from simulator.scenario.yaml_lines import parse_yaml


def plain(value: Any) -> Any:
    """A deep copy of `value` as plain dicts and lists (tuples become lists)."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return copy.deepcopy(value)


def deep_merge(base: Any, over: Any) -> tuple[Any, set[KeyPath]]:
    """`over` merged over `base`, and the paths where `over` replaced (or added) a value.

    Neither argument is modified; values that come through unchanged are shared.
    """
    replaced: set[KeyPath] = set()
    return _merge(base, over, (), replaced), replaced


def _merge(base: Any, over: Any, path: KeyPath, replaced: set[KeyPath]) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        result = dict(base)
        for key, value in over.items():
            if key in base:
                result[key] = _merge(base[key], value, (*path, key), replaced)
            else:
                result[key] = value
                replaced.add((*path, key))
        return result
    replaced.add(path)
    return over


LEFTOVERS = {"fractions": "split", "switch_after_days": "failover"}
"""Sourcing keys that one rule uses, by the rule that uses them."""


def drop_leftovers(data: Any, in_layer: Callable[[KeyPath], bool]) -> list[KeyPath]:
    """Drop sourcing keys left over from an earlier layer whose rule the latest one changed.

    A sourcing block whose ``rule`` was written by the latest layer (`in_layer` tells which
    paths it wrote: the file that ``extends:`` another, ``--set`` items, a policy's
    ``overrides``) and whose ``fractions`` (only used by ``split``) or ``switch_after_days``
    (only used by ``failover``) was not, loses that key when the new rule does not use it.
    Written by the same layer as the rule, the key stays, and the schema refuses it.

    Sourcing blocks are ``sourcing``, ``products.ID.sourcing`` and the same inside each
    policy's ``overrides``. Returns the dropped paths. A block is changed in place: it must be
    the merge's own (as deep_merge makes it when both layers hold a mapping there).
    """
    dropped: list[KeyPath] = []
    for path in _sourcing_paths(data):
        block = get_at(data, path)[1]
        if not isinstance(block, dict) or not in_layer((*path, "rule")):
            continue
        rule = block.get("rule")
        if not isinstance(rule, str) or rule not in get_args(SourcingRule):
            continue
        for key, used_by in LEFTOVERS.items():
            if key in block and rule != used_by and not in_layer((*path, key)):
                del block[key]
                dropped.append((*path, key))
    return dropped + _demand_leftovers(data, in_layer)


RATE_KEYS = ("rate_per_day", "order_size", "seasonality")
"""Keys of a rate-based demand block."""
HISTORY_KEYS = ("history", "product", "mode", "block_days", "start")
"""Keys of a history-based demand block."""


def _demand_leftovers(data: Any, in_layer: Callable[[KeyPath], bool]) -> list[KeyPath]:
    """A demand block the latest layer switched between a rate (``rate_per_day``) and a
    history (``history``) loses the other form's keys that the layer did not write."""
    dropped: list[KeyPath] = []
    for path in _sourcing_paths(data):
        if path[-1] != "sourcing" or len(path) < 3 or path[-3] != "products":
            continue
        demand_path = (*path[:-1], "demand")
        block = get_at(data, demand_path)[1]
        if not isinstance(block, dict):
            continue
        for key, other in (("history", RATE_KEYS), ("rate_per_day", HISTORY_KEYS)):
            if key in block and in_layer((*demand_path, key)):
                for old in other:
                    if old in block and not in_layer((*demand_path, old)):
                        del block[old]
                        dropped.append((*demand_path, old))
    return dropped


def _sourcing_paths(data: Any) -> list[KeyPath]:
    roots: list[KeyPath] = [()]
    policies = data.get("policies") if isinstance(data, dict) else None
    if isinstance(policies, list):
        roots += [("policies", index, "overrides") for index in range(len(policies))]
    paths: list[KeyPath] = []
    for root in roots:
        top = get_at(data, root)[1]
        if not isinstance(top, dict):
            continue
        paths.append((*root, "sourcing"))
        products = top.get("products")
        if isinstance(products, dict):
            paths += [(*root, "products", product_id, "sourcing") for product_id in products]
    return paths


def merge_lines(base: LineMap, over: LineMap, replaced: set[KeyPath]) -> LineMap:
    """Origins after a merge: `base`'s, except inside replaced values, then all of `over`'s."""
    result = {
        path: origin
        for path, origin in base.items()
        if not any(path[:n] in replaced for n in range(len(path) + 1))
    }
    result.update(over)
    return result


def apply_set(
    data: dict[Hashable, Any],
    item: str,
    lines: LineMap,
    set_keys: dict[KeyPath, str],
    created: set[KeyPath] | None = None,
) -> Problem | None:
    """Apply one ``KEY=VALUE`` item to `data` in place; a Problem if it cannot be applied.

    KEY is a dotted path; missing mappings on the way are created; a list item is addressed
    by its index, and a policy (an item of ``policies``) by its name. A name or key that
    itself holds dots is found when it exists. VALUE is read as YAML with the safe loader
    (``3``, ``2.5``, ``true``, ``fifo``, ``[a, b]``, ``{dist: exponential, mean: 3}``); an
    empty VALUE is null. On success the origin of the path becomes ``--set`` (in `lines`)
    and `set_keys` remembers the key as typed, so that problems can name it. So do the
    mappings the item created on the way, which are also added to `created`: what is wrong
    inside them is the item's doing, not the file's.
    """
    if "=" not in item:
        return Problem(SET_FILE, None, item.strip(), "expected KEY=VALUE (no '=' found)")
    key, text = item.split("=", 1)
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        return Problem(SET_FILE, None, key, f"malformed key in {item!r}")
    if text.strip():
        doc = parse_yaml(text, SET_FILE)
        if doc.problems:
            message = doc.problems[0].message
            return Problem(SET_FILE, None, key, f"cannot read the value {text!r}: {message}")
        value = doc.data
    else:
        value = None
    segments = key.split(".")
    if segments[0] == "extends":
        return Problem(SET_FILE, None, key, "extends is read from the file and cannot be set")

    node: Any = data
    path: KeyPath = ()
    made: list[tuple[KeyPath, str]] = []
    i = 0
    try:
        while True:
            step, used = _step(node, path, segments[i:])
            i += used
            child_path = (*path, step)
            if i < len(segments) and isinstance(node, dict) and step not in node:
                _known_id(data, path, node, step)
            if i == len(segments):
                node[step] = value
                break
            child = node.get(step) if isinstance(node, dict) else node[step]
            if child is None and isinstance(node, dict):
                if child_path == ("policies",):
                    raise _SetError(f"unknown policy '{segments[i]}' (there are no policies)")
                child = node[step] = {}
                made.append((child_path, ".".join(segments[:i])))
            if not isinstance(child, dict | list):
                raise _SetError(
                    f"cannot set inside {render_path(child_path, data)}: it holds "
                    f"{show_value(child)}, not a mapping"
                )
            node, path = child, child_path
    except _SetError as exc:
        return Problem(SET_FILE, None, key, str(exc))

    if created is None:
        created = set()
    for p in [p for p in lines if under(p, child_path)]:
        del lines[p]
    for p in [p for p in set_keys if under(p, child_path)]:
        del set_keys[p]
    created -= {p for p in created if under(p, child_path)}
    for block, typed in made:
        lines[block] = (SET_FILE, None)
        set_keys[block] = typed
        created.add(block)
    lines[child_path] = (SET_FILE, None)
    set_keys[child_path] = key
    return None


class _SetError(Exception):
    """A --set key that does not lead anywhere; the message says why."""


_ID_NOUNS = {"products": "product", "suppliers": "supplier"}
"""Mappings whose keys are ids that ``--set`` may not invent on the way to a deeper key."""


def _known_id(
    data: dict[Hashable, Any], path: KeyPath, node: dict[Hashable, Any], key: Any
) -> None:
    """Refuse ``products.dril.price=90`` when there is no product ``dril``: a typo there
    would otherwise create a product (or supplier) of its own. Setting the whole entry
    (``products.saw={...}``) still adds one."""
    if not path or path[-1] not in _ID_NOUNS:
        return
    in_overrides = len(path) == 4 and path[0] == "policies" and path[2] == "overrides"
    if len(path) != 1 and not in_overrides:
        return
    top = data.get(path[-1])
    known = [k for k in (*node, *(top if isinstance(top, dict) else ())) if isinstance(k, str)]
    known = list(dict.fromkeys(known))
    if key in known:  # a policy's overrides name a product of the scenario
        return
    noun = _ID_NOUNS[str(path[-1])]
    listed = f" ({path[-1]} are: {', '.join(known)})" if known else f" (there are no {path[-1]})"
    raise _SetError(f"unknown {noun} '{key}'{hint(str(key), known) or listed}")


def _step(
    node: dict[Hashable, Any] | list[Any], path: KeyPath, segments: list[str]
) -> tuple[Hashable, int]:
    """The key or index that `segments` starts with at `node`, and how many segments it used."""
    if isinstance(node, dict):
        for n in range(len(segments), 1, -1):
            joined = ".".join(segments[:n])
            if joined in node:
                return joined, n
        return segments[0], 1
    seg = segments[0]
    if path == ("policies",):
        names = [p.get("name") if isinstance(p, dict) else None for p in node]
        for n in range(len(segments), 0, -1):
            joined = ".".join(segments[:n])
            if joined in names:
                return names.index(joined), n
        if not (seg.isdigit() and int(seg) < len(node)):
            known = [n for n in names if isinstance(n, str)]
            also = hint(seg, known) or f" (policies are: {', '.join(known)})"
            raise _SetError(f"unknown policy '{seg}'{also}")
    if seg.isdigit() and int(seg) < len(node):
        return int(seg), 1
    if not node:
        raise _SetError(f"{render_path(path)} is an empty list; '{seg}' is not an index")
    raise _SetError(
        f"{render_path(path)} is a list of {len(node)} items; '{seg}' is not an index "
        f"(0 to {len(node) - 1})"
    )
