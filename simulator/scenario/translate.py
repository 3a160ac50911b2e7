"""Pydantic validation errors turned into short, human messages at data paths.

Pydantic reports a ``loc`` that mixes data keys with the names of union branches
(``products.w.replenishment.rQ.order_quantity``). We walk the schema's types along the
``loc`` to drop the branch names, to learn the field's kind and bounds (for "must be a whole
number >= 1") and the keys a block accepts (for "did you mean").
"""

from __future__ import annotations

import re
import types
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from simulator.distributions import DIST_NAMES, Constant
from simulator.scenario.errors import did_you_mean, hint, show_value
from simulator.scenario.paths import KeyPath, get_at


@dataclass(frozen=True)
class Issue:
    """A problem at a path of the plain data, before it is given a file and line."""

    path: KeyPath
    """Where the problem is (shown to the user)."""
    message: str
    """What is wrong."""
    line_path: KeyPath | None = None
    """The key whose line is shown, when it differs from `path` (an unknown key)."""
    explains: KeyPath | None = None
    """A missing key this issue accounts for (an unknown key that is its misspelling)."""

    @property
    def where(self) -> KeyPath:
        """The path whose origin (file and line) is reported."""
        return self.path if self.line_path is None else self.line_path


_NOUNS = {"dist": "distribution", "policy": "replenishment policy"}


@dataclass
class _Place:
    """What the schema expects at an error's location."""

    path: list[Any] = field(default_factory=list)
    """The data path (union branch names dropped)."""
    annotation: Any = None
    """The expected type at the location, as declared (None when unknown)."""
    base: Any = None
    """That type with ``Annotated`` and ``None`` stripped (``int``, a model, a union)."""
    metadata: list[Any] = field(default_factory=list)
    """Constraints on the value at the location (annotated_types Ge, Gt, ...)."""
    owner: type[BaseModel] | None = None
    """The block (model) whose key the last element of the path is, or would be."""
    model: type[BaseModel] | None = None
    """The block (model) expected at the location itself, if it is one."""
    key_error: bool = False
    """The error is about a mapping key itself (``[key]`` in pydantic's loc)."""


def translate(error: ValidationError, data: Any, root: type[BaseModel]) -> list[Issue]:
    """One Issue per pydantic error of validating `data` with `root`.

    A required key reported missing is left out when an unknown key next to it is its
    misspelling (``rate_per_dya``): the "did you mean" line says it all.
    """
    issues = [_issue(detail, data, root) for detail in error.errors(include_url=False)]
    explained = {issue.explains for issue in issues if issue.explains is not None}
    return [issue for issue in issues if not (issue.message == MISSING and issue.path in explained)]


MISSING = "required key missing"
"""The message for a required key that is absent."""


def _issue(detail: ErrorDetails, data: Any, root: type[BaseModel]) -> Issue:
    place = _locate(detail["loc"], data, root)
    path = tuple(place.path)
    kind = detail["type"]
    value = detail.get("input")
    ctx = detail.get("ctx") or {}

    if place.key_error:
        return Issue(path, f"key {show_value(value)} must be text; put it in quotes")
    if kind == "missing":
        return Issue(path, MISSING)
    if kind == "extra_forbidden":
        key = path[-1]
        known = _keys(place.owner) if place.owner is not None else []
        best = did_you_mean(str(key), known)
        return Issue(
            path[:-1],
            f"unknown key '{key}'" + (f" (did you mean '{best}'?)" if best else ""),
            line_path=path,
            explains=(*path[:-1], best) if best else None,
        )
    if kind in {"union_tag_invalid", "union_tag_not_found"}:
        return _tag_issue(path, kind, ctx, place)
    if kind in {
        "int_type",
        "float_type",
        "greater_than",
        "greater_than_equal",
        "less_than",
        "less_than_equal",
        "int_parsing",
        "float_parsing",
        "finite_number",
    }:
        # The upper end of a range is shown when it is what the value broke (as typed, the
        # documented message stays "must be a whole number >= 1, got "ten"").
        upper = kind in {"less_than", "less_than_equal", "finite_number"} or (
            kind == "float_type" and isinstance(value, int) and not isinstance(value, bool)
        )  # the last: an integer too big for a float
        return Issue(path, f"must be {_expected(place, upper)}, got {show_value(value)}")
    if kind == "bool_type":
        return Issue(path, f"must be true or false, got {show_value(value)}")
    if kind == "string_type":
        extra = " (write yes/no/on/off in quotes to mean text)" if isinstance(value, bool) else ""
        return Issue(path, f"must be text, got {show_value(value)}{extra}")
    if kind == "string_too_short":
        return Issue(path, "must not be empty")
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        word = str(value) if isinstance(value, str) else ""
        listed = ", ".join(f"'{o}'" for o in options)
        return Issue(path, f"must be one of {listed}, got {show_value(value)}{hint(word, options)}")
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        if _is_distribution(place.annotation):
            return Issue(
                path, f"must be a number or a distribution {{dist: ...}}, got {show_value(value)}"
            )
        return Issue(path, f"must be a mapping (key: value), got {show_value(value)}")
    if kind == "list_type":
        return Issue(path, f"must be a list, got {show_value(value)}")
    if kind == "too_short":
        least = ctx.get("min_length", 1)
        noun = "entry" if least == 1 else "entries"
        return Issue(path, f"must have at least {least} {noun}")
    if kind == "too_long":
        most = ctx.get("max_length")
        return Issue(path, f"must have at most {most} entries")
    if kind in {"value_error", "assertion_error"}:
        return _value_issue(path, str(ctx.get("error", detail["msg"])), place)
    if kind in {"disruptions_type", "unit_cost_type"}:
        return Issue(path, f"{detail['msg']}, got {show_value(value)}")
    message = detail["msg"]
    return Issue(path, message[:1].lower() + message[1:] + f", got {show_value(value)}")


def _value_issue(path: KeyPath, message: str, place: _Place) -> Issue:
    """A validator's message; ``"field: text"`` moves the problem onto that field."""
    found = re.match(r"^([A-Za-z_][A-Za-z0-9_]*): (.+)$", message, re.S)
    if found and place.model is not None and found.group(1) in _keys(place.model):
        return Issue((*path, found.group(1)), found.group(2))
    return Issue(path, message)


def _tag_issue(path: KeyPath, kind: str, ctx: dict[str, Any], place: _Place) -> Issue:
    disc = str(ctx.get("discriminator", "")).strip("'")
    noun = _NOUNS.get(disc, disc)
    tags = _tags(place.annotation, disc) or (list(DIST_NAMES) if disc == "dist" else [])
    listed = ", ".join(tags)
    if kind == "union_tag_not_found":
        return Issue(path, f"missing '{disc}:' (one of {listed})")
    tag = str(ctx.get("tag", ""))
    suggestion = hint(tag, tags) or (f" (one of {listed})" if listed else "")
    return Issue(path, f"unknown {noun} '{tag}'{suggestion}", line_path=(*path, disc))


def _expected(place: _Place, upper_too: bool = True) -> str:
    """``a whole number >= 1``, ``a number >= 0 and <= 1``, ...: what a number must be
    (with its upper bound when `upper_too`, or when it has no lower bound)."""
    noun = "a whole number" if place.base is int else "a number"
    lower = upper = None
    for item in place.metadata:
        if isinstance(item, annotated_types.Ge):
            lower = f">= {_num(item.ge)}"
        elif isinstance(item, annotated_types.Gt):
            lower = f"> {_num(item.gt)}"
        elif isinstance(item, annotated_types.Le):
            upper = f"<= {_num(item.le)}"
        elif isinstance(item, annotated_types.Lt):
            upper = f"< {_num(item.lt)}"
    if lower and upper:
        return f"{noun} {lower} and {upper}" if upper_too else f"{noun} {lower}"
    bound = lower or upper
    return f"{noun} {bound}" if bound else noun


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


# -- walking the schema along a loc ---------------------------------------------------------


def _locate(loc: tuple[int | str, ...], data: Any, root: type[BaseModel]) -> _Place:
    place = _Place(annotation=root)
    node: Any = data
    for position, elem in enumerate(loc):
        tp, _, members = _normalize(place.annotation)
        if len(members) > 1:
            chosen = _branch(members, elem)
            if chosen is not None:
                place.annotation = chosen
                continue
            tp = None
        if elem == "[key]":
            place.key_error = True
            break
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            place.owner = tp
            info = _field(tp, str(elem))
            place.annotation = _declared(info) if info is not None else None
        elif get_origin(tp) in (dict, list) and get_args(tp):
            place.annotation = get_args(tp)[-1]
        else:
            # Unknown ground: drop labels that are not in the data, keep the rest.
            last = position == len(loc) - 1
            if not last and isinstance(elem, str) and not get_at(node, (elem,))[0]:
                continue
            place.annotation = None
        place.path.append(elem)
        node = get_at(node, (elem,))[1]
    tp, meta, _ = _normalize(place.annotation)
    place.base = tp
    place.metadata = meta
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        place.model = tp
    return place


def _declared(info: FieldInfo) -> Any:
    """A field's type with its constraints, as one ``Annotated`` type."""
    if info.metadata:
        return Annotated[(info.annotation, *info.metadata)]
    return info.annotation


def _normalize(annotation: Any) -> tuple[Any, list[Any], list[Any]]:
    """(bare type, constraints, union members): through ``Annotated`` and ``X | None``."""
    meta: list[Any] = []
    tp = annotation
    while True:
        tp, more = _unwrap(tp)
        meta.extend(more)
        members = _members(tp)
        if len(members) == 1 and members[0] is not tp:
            tp = members[0]
            continue
        return tp, meta, members


def _unwrap(tp: Any) -> tuple[Any, list[Any]]:
    """Strip ``Annotated`` layers; return the bare type and the flattened constraints."""
    meta: list[Any] = []
    while get_origin(tp) is Annotated:
        args = get_args(tp)
        tp = args[0]
        for item in args[1:]:
            meta.extend(item.metadata if isinstance(item, FieldInfo) else [item])
    return tp, meta


def _members(tp: Any) -> list[Any]:
    """The non-null members of a union (a one-element list for a non-union type)."""
    if get_origin(tp) in (Union, types.UnionType):
        return [m for m in get_args(tp) if m is not type(None)]
    return [tp] if tp is not None else []


def _branch(members: list[Any], label: Any) -> Any:
    """The union member a pydantic loc label names (tag, class name), or None."""
    for member in members:
        if label in _labels(member):
            return member
    return None


def _labels(member: Any) -> set[Any]:
    labels: set[Any] = set()
    tp = member
    while get_origin(tp) is Annotated:
        args = get_args(tp)
        tp = args[0]
        labels.update(getattr(item, "tag", None) for item in args[1:])
    if isinstance(tp, type):
        labels.add(tp.__name__)
        if issubclass(tp, BaseModel):
            for info in tp.model_fields.values():
                if get_origin(info.annotation) is Literal and len(get_args(info.annotation)) == 1:
                    labels.add(get_args(info.annotation)[0])
    labels.discard(None)
    return labels


def _tags(annotation: Any, disc: str) -> list[str]:
    """The values of discriminator `disc` accepted by the union `annotation`."""
    tags: list[str] = []
    for member in _normalize(annotation)[2]:
        tp = _normalize(member)[0]
        if isinstance(tp, type) and issubclass(tp, BaseModel) and disc in tp.model_fields:
            tags.extend(str(v) for v in get_args(tp.model_fields[disc].annotation))
    return tags


def _field(model: type[BaseModel], key: str) -> FieldInfo | None:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info
    return None


def _keys(model: type[BaseModel]) -> list[str]:
    """The keys a block accepts, as written in files (aliases first)."""
    return [info.alias or name for name, info in model.model_fields.items()]


def _is_distribution(tp: Any) -> bool:
    return any(_normalize(m)[0] is Constant for m in _normalize(tp)[2])
