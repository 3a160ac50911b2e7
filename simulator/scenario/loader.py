"""Loading a scenario: read safe YAML with lines, merge ``extends:``, apply ``--set``, validate.

The steps, in order:

1. read the file (or copy the mapping) as plain data, remembering the origin (file, line)
   of every key and list item;
2. follow ``extends:`` (a path relative to the file that names it), parents first, and
   deep-merge each child over its parent: mappings merge key by key, lists and scalars
   replace, the child wins;
3. apply each ``--set KEY=VALUE`` item (see :func:`simulator.scenario.merge.apply_set`),
   then find and read the history files the data names (demand ``history:``, empirical
   lead times from a ``history:``; see :mod:`simulator.scenario.histories`);
4. validate with the schema, then the cross-checks (supplier names, sourcing, objective
   metric, policy names, what ``overrides`` may touch) and the schema's cross-key rules
   on the plain data, so that ``warmup_days < horizon_days``, ``s < S`` and the like are
   reported along with every other problem (once, even when the model validator also ran);
5. for every policy with ``overrides``, deep-merge them over the data and validate again.

After each merge (2, 3 and 5), a sourcing key left over from the earlier layer
(``fractions``, ``switch_after_days``) is dropped when the later layer changed ``rule`` to
one that does not use it (see :func:`simulator.scenario.merge.drop_leftovers`).

Every problem found on the way is collected and raised at once as one ScenarioError; a
problem is reported where it was written (see :mod:`simulator.scenario.errors` for the
line format). Problems in a policy's merged scenario that also occur without its overrides
are reported once, at their place in the file, not once per policy.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simulator.collector import paused_gc
from simulator.scenario.checks import (
    NOT_OVERRIDABLE,
    check_policies,
    check_references,
    check_rules,
)
from simulator.scenario.errors import DICT_FILE, SET_FILE, Problem, ScenarioError, show_value
from simulator.scenario.histories import resolve_histories
from simulator.scenario.merge import apply_set, deep_merge, drop_leftovers, merge_lines, plain
from simulator.scenario.paths import KeyPath, LineMap, get_at, nearest, render_path, under
from simulator.scenario.schema import Backorder, Scenario
from simulator.scenario.translate import Issue, translate
from simulator.scenario.yaml_lines import read_yaml_file, unreadable_reason


@dataclass(frozen=True)
class ResolvedPolicy:
    """One policy of a scenario, ready to run."""

    name: str
    """The policy's name (unique in its scenario)."""
    backorder: Backorder
    """The policy's ``backorder`` block."""
    scenario: Scenario
    """The scenario with this policy's ``overrides`` deep-merged and validated (the base
    scenario itself when the policy has no overrides)."""


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario and its policies, with the data it was built from."""

    scenario: Scenario
    """The base scenario: the file with ``extends:`` and ``--set`` applied."""
    policies: list[ResolvedPolicy]
    """Every policy in file order; the first is the baseline."""
    source: str
    """The file name used in messages (``<dict>`` for a mapping)."""
    raw: dict[str, Any]
    """The merged plain data (``extends:`` resolved and removed, ``--set`` applied, sourcing
    leftovers dropped), before any policy's overrides; feed it back with more sets through
    :meth:`with_sets`."""
    lines: LineMap = field(default_factory=dict, repr=False, compare=False)
    """Where every key of `raw` was written: path -> (file, line). For a file read by the
    fast reader and left as it was, a dict built the first time it is used."""
    files: tuple[str, ...] = field(default=(), repr=False, compare=False)
    """The files read, the named file first, then its ``extends:`` parents."""

    def policy(self, name: str) -> ResolvedPolicy:
        """The policy called `name` (KeyError if there is none)."""
        for policy in self.policies:
            if policy.name == name:
                return policy
        raise KeyError(name)

    def with_sets(self, sets: Sequence[str]) -> LoadedScenario:
        """This scenario with more ``KEY=VALUE`` items applied (for sweeps); problems keep
        pointing at the original files. Raises ScenarioError."""
        collector = _Collector(self.source)
        collector.files = list(self.files) or [self.source]
        return _finish(plain(self.raw), dict(self.lines), collector, sets)


def load_scenario(
    source: str | os.PathLike[str] | Mapping[str, Any], sets: Sequence[str] = ()
) -> LoadedScenario:
    """Load, merge and validate a scenario file (or a mapping with the same content).

    `sets` are ``KEY=VALUE`` items applied after ``extends:``. Problems in values that came
    from them are reported as ``--set KEY: message`` (file ``--set``, no line), KEY being
    the key as typed. A mapping is reported as file ``<dict>`` (no lines); its
    ``extends:`` is relative to the working directory.

    Raises ScenarioError with every problem found.
    """
    with paused_gc():  # a large catalogue makes millions of objects and no cycles to collect
        return _load(source, sets)


def _load(
    source: str | os.PathLike[str] | Mapping[str, Any], sets: Sequence[str]
) -> LoadedScenario:
    if isinstance(source, Mapping):
        collector = _Collector(DICT_FILE)
        data: dict[Any, Any] | None = plain(source)
        lines: LineMap = _dict_origins(data)
        if data is not None and "extends" in data:
            data, lines = _extends(data, lines, Path.cwd(), DICT_FILE, [], collector)
    else:
        shown = os.fspath(source)
        collector = _Collector(shown)
        data, lines = _read(Path(shown), shown, [], collector)
    if data is None:
        raise ScenarioError(collector.sorted())
    return _finish(data, lines, collector, sets)


def validate_files(paths: Iterable[str | os.PathLike[str]] | str) -> list[Problem]:
    """Every problem in each scenario file of `paths`, in order (empty when all are good)."""
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    problems: list[Problem] = []
    for path in paths:
        try:
            load_scenario(path)
        except ScenarioError as exc:
            problems.extend(exc.problems)
    return problems


def _dict_origins(data: Any, path: KeyPath = ()) -> LineMap:
    """Origins for data given as a mapping: every key and item is ``<dict>``, no line."""
    lines: LineMap = {path: (DICT_FILE, None)}
    if isinstance(data, dict):
        for key, value in data.items():
            lines.update(_dict_origins(value, (*path, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            lines.update(_dict_origins(value, (*path, index)))
    return lines


# -- reading and extends --------------------------------------------------------------------


class _Collector:
    """Problems found so far, the files read, and paths whose values were refused."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.files: list[str] = [source]
        self.suppressed: set[KeyPath] = set()

    def sorted(self) -> list[Problem]:
        """Problems without repeats, by file (the named file first) and line."""

        def rank(problem: Problem) -> tuple[int, int]:
            if problem.file == SET_FILE:
                return (len(self.files) + 1, 0)
            files = self.files
            index = files.index(problem.file) if problem.file in files else len(files)
            return (index, problem.line or 0)

        unique = list(dict.fromkeys(_redacted(p, self.source) for p in self.problems))
        return sorted(unique, key=rank)


def _redacted(problem: Problem, source: str) -> Problem:
    """A problem in a file named by ``extends:``, without the values it quotes: messages
    about another file show its key names, never its content (it may be any readable file).
    """
    if problem.file in (source, SET_FILE, DICT_FILE):
        return problem
    message = re.sub(r", got .*$", "", problem.message, flags=re.S)
    message = re.sub(r"^(cannot read) .*? (as !!\w+).*$", r"\1 a value \2", message, flags=re.S)
    return replace(problem, message=message)


def _read(
    path: Path, shown: str, chain: list[tuple[Path, str]], collector: _Collector
) -> tuple[dict[Any, Any] | None, LineMap]:
    """Read one file and its ``extends:`` parents; (None, {}) if nothing usable was read."""
    if shown not in collector.files:
        collector.files.append(shown)
    parent = bool(chain) or shown != collector.source  # a file named by extends:
    doc = read_yaml_file(path, shown, regular_only=True)
    collector.problems += doc.problems
    collector.suppressed |= doc.suppressed
    if doc.fatal:
        return None, {}
    if not isinstance(doc.data, dict):
        line = doc.lines.get((), (shown, None))[1]
        # a file named by extends: may be anything readable: say what it is, never its text
        got = type(doc.data).__name__ if parent else show_value(doc.data)
        collector.problems.append(
            Problem(
                shown,
                line,
                "",
                "the top level must be a mapping of scenario keys (name:, horizon_days:, ...), "
                f"got {'a value of type ' + got if parent else got}",
            )
        )
        return None, {}
    chain = [*chain, (path.resolve(), shown)]
    return _extends(doc.data, doc.lines, path.parent, shown, chain, collector)


def _extends(
    data: dict[Any, Any],
    lines: LineMap,
    folder: Path,
    shown: str,
    chain: list[tuple[Path, str]],
    collector: _Collector,
) -> tuple[dict[Any, Any] | None, LineMap]:
    """`data` merged over the file its ``extends:`` names (if any), with merged origins."""
    if "extends" not in data:
        return data, lines
    target = data.pop("extends")
    line = lines.get(("extends",), (shown, None))[1]
    lines = {p: o for p, o in lines.items() if not under(p, ("extends",))}

    def problem(message: str) -> tuple[None, LineMap]:
        collector.problems.append(Problem(shown, line, "extends", message))
        return None, {}

    if not isinstance(target, str) or not target.strip():
        return problem(f"must be the name of a scenario file, got {show_value(target)}")
    parent = folder / target
    if shown == DICT_FILE:
        parent_shown = target
    else:
        parent_shown = os.path.normpath(os.path.join(os.path.dirname(shown), target))
    resolved = parent.resolve()
    seen = [p for p, _ in chain]
    if resolved in seen:
        loop = [s for _, s in chain[seen.index(resolved) :]]
        return problem(f"cycle: {' -> '.join([*loop, parent_shown])}")
    if len(chain) >= MAX_EXTENDS:
        return problem(f"too many files in the extends: chain (at most {MAX_EXTENDS})")
    if not parent.exists():
        looked = f" (looked for {parent_shown})" if parent_shown != target else ""
        return problem(f"no such file '{target}'{looked}")
    if parent.is_dir():
        return problem(f"'{target}' is a directory, not a scenario file")
    unreadable = unreadable_reason(parent)
    if unreadable is not None:
        return problem(f"'{target}' {unreadable}")
    if shown == DICT_FILE and not chain:
        chain = [(Path.cwd() / DICT_FILE, DICT_FILE)]
    parent_data, parent_lines = _read(parent, parent_shown, chain, collector)
    if parent_data is None:
        return None, {}
    merged, replaced = deep_merge(parent_data, data)
    merged_lines = merge_lines(parent_lines, lines, replaced)
    for path in drop_leftovers(merged, _wrote(data)):
        for p in [p for p in merged_lines if under(p, path)]:
            del merged_lines[p]
    return merged, merged_lines


MAX_EXTENDS = 64
"""The longest chain of files an ``extends:`` may start (each file reads the next)."""


def _wrote(layer: Any) -> Callable[[KeyPath], bool]:
    """Whether the merge layer `layer` holds a path (wrote it)."""
    return lambda path: get_at(layer, path)[0]


# -- sets, validation, policies ---------------------------------------------------------------


def _finish(
    raw: dict[Any, Any], lines: LineMap, collector: _Collector, sets: Sequence[str]
) -> LoadedScenario:
    if isinstance(sets, str):
        sets = (sets,)
    set_keys: dict[KeyPath, str] = {}
    created: set[KeyPath] = set()
    for item in sets:
        trouble = apply_set(raw, item, lines, set_keys, created)
        if trouble is not None:
            collector.problems.append(trouble)
    if sets:

        def was_set(path: KeyPath) -> bool:
            found = nearest(lines, path)
            return found is not None and found[1][0] == SET_FILE

        for path in drop_leftovers(raw, was_set):
            for p in [p for p in lines if under(p, path)]:
                del lines[p]

    def report(path: KeyPath, where: KeyPath, message: str) -> None:
        if any(under(where, s) for s in collector.suppressed):
            return
        collector.problems.append(
            _problem(path, where, message, raw, lines, set_keys, created, collector)
        )

    found, unresolved = resolve_histories(raw, lines)
    collector.problems += found
    collector.suppressed |= unresolved
    scenario, issues = _validate(raw)
    issues += check_policies(raw)
    for issue in issues:
        report(issue.path, issue.where, issue.message)
    known = {(issue.path, issue.message) for issue in issues}

    scenarios: list[Scenario | None] = []
    policies = raw.get("policies")
    for index, policy in enumerate(policies if isinstance(policies, list) else []):
        overrides = policy.get("overrides") if isinstance(policy, dict) else None
        if not isinstance(overrides, dict) or not overrides:
            scenarios.append(scenario)
            continue
        usable = {k: v for k, v in overrides.items() if k not in NOT_OVERRIDABLE}
        if not usable:  # only refused keys, reported above
            scenarios.append(scenario)
            continue
        merged, _ = deep_merge(raw, usable)
        drop_leftovers(merged, _wrote(usable))
        own, own_issues = _validate(merged)
        scenarios.append(own)
        prefix: KeyPath = ("policies", index, "overrides")
        for issue in own_issues:
            if (issue.path, issue.message) in known:
                continue
            inside = any(get_at(usable, issue.where[:n])[0] for n in range(1, len(issue.where) + 1))
            if inside:
                report(prefix + issue.path, prefix + issue.where, issue.message)
            elif not known:
                shown = render_path(issue.path, merged)
                message = f"{shown}: {issue.message}" if shown else issue.message
                report(prefix, prefix, message)

    if collector.problems or scenario is None:
        raise ScenarioError(collector.sorted())
    resolved = []
    for policy, own in zip(scenario.policies, scenarios, strict=True):
        if own is None:  # pragma: no cover - a failed override was reported above
            raise ScenarioError(collector.sorted())
        resolved.append(ResolvedPolicy(policy.name, policy.backorder, own))
    return LoadedScenario(
        scenario=scenario,
        policies=resolved,
        source=collector.source,
        raw=raw,
        lines=lines,
        files=tuple(f for f in collector.files if f != SET_FILE),
    )


def _validate(data: dict[Any, Any]) -> tuple[Scenario | None, list[Issue]]:
    """The scenario, or None and the schema's and cross-checks' issues.

    When the schema refuses the data, the cross-key rules run on the plain data too (see
    :func:`check_rules`), for the blocks whose model validator pydantic skipped; a problem
    that both they and a model validator found is kept once.
    """
    issues = check_references(data)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        rules = check_rules(data)
        schema = translate(exc, data, Scenario)
        seen = {(issue.path, issue.message) for issue in schema}
        return None, schema + issues + [r for r in rules if (r.path, r.message) not in seen]
    # Valid: every block's model validator ran its cross-key rules and passed them, so
    # check_rules would find nothing (a test holds it to that); it is not run again.
    return (None if issues else scenario), issues


def _problem(
    path: KeyPath,
    where: KeyPath,
    message: str,
    data: Any,
    lines: LineMap,
    set_keys: dict[KeyPath, str],
    created: set[KeyPath],
    collector: _Collector,
) -> Problem:
    """A Problem at `path`, on the line where `where` (or its nearest parent) was written.

    In a value given by ``--set``, the key is the set key with the inner path appended
    (``--set products.widget.demand.rate_per_day: ...`` for ``products.widget.demand={...}``);
    in a mapping a ``--set`` created on its way, it is the created mapping's key, and the
    inner path leads the message (``--set suppliers.acme.disruptions: duration_days: ...``).
    """
    found = nearest(lines, where)
    if found is None:
        return Problem(collector.source, None, render_path(path, data), message)
    origin_path, (file, line) = found
    if file == SET_FILE:
        key = set_keys.get(origin_path, render_path(origin_path, data))
        if under(path, origin_path) and len(path) > len(origin_path):
            rest = render_path(path[len(origin_path) :], get_at(data, origin_path)[1])
            if origin_path in created:
                return Problem(SET_FILE, None, key, f"{rest}: {message}")
            key += rest if rest.startswith("[") else f".{rest}"
        return Problem(SET_FILE, None, key, message)
    return Problem(file, line, render_path(path, data), message)
