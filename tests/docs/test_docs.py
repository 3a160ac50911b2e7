"""The reference pages say what the code does: every key, metric, command and option.

- docs/reference/scenario.md: the key tables (first column ``key``) list every field of the
  scenario schema and nothing else; the distribution table lists every distribution with
  exactly its parameters; the policy and rule tables list every replenishment policy and
  sourcing rule.
- docs/reference/metrics.md: the ``metric`` tables list STORE_METRICS, the ``supplier
  metric`` table SUPPLIER_METRICS, each exactly once.
- docs/reference/cli.md: one section per command, whose ``option`` table lists exactly the
  command's options (and every choice of an option with fixed choices); the exit codes and
  CSV columns.
- Every relative link between pages points to a page that exists, and to a heading that
  exists when it names one.

Key paths are written as in the pages: ``ID`` for an id under a mapping
(``products.ID.price``), ``[]`` for an item of a list (``policies[].name``).
"""

from __future__ import annotations

import re
import types
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import click
import pytest
from pydantic import BaseModel

from simulator.cli import EXIT_BAD_INPUT, EXIT_INTERRUPTED, STOP_SIGNALS, all_commands, main
from simulator.distributions import DIST_NAMES, Distribution
from simulator.metrics.record import STORE_METRICS, SUPPLIER_METRICS
from simulator.policies.replenishment import REGISTRY as REPLENISHMENT
from simulator.policies.sourcing import REGISTRY as SOURCING
from simulator.reporting import CSV_COLUMNS
from simulator.scenario.schema import Scenario

DOCS = Path(__file__).resolve().parents[2] / "docs"
SCENARIO_PAGE = DOCS / "reference" / "scenario.md"
METRICS_PAGE = DOCS / "reference" / "metrics.md"
CLI_PAGE = DOCS / "reference" / "cli.md"

LOADER_KEYS = {"extends"}
"""Keys the loader reads before the schema sees the file."""

TICKED = re.compile(r"`([^`]+)`")


# -- reading Markdown tables ------------------------------------------------------------------


def cells(line: str) -> list[str]:
    """The cells of one table row (``|`` inside backticks is kept, ``\\|`` is a bar)."""
    text = line.strip().strip("|").replace("\\|", "\x00")
    parts, inside, current = [], False, ""
    for ch in text:
        if ch == "`":
            inside = not inside
        if ch == "|" and not inside:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p.replace("\x00", "|").strip() for p in parts]


def tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every table of a page: (header cells, rows of cells)."""
    found: list[tuple[list[str], list[list[str]]]] = []
    block: list[str] = []
    for line in [*text.splitlines(), ""]:
        if line.lstrip().startswith("|"):
            block.append(line)
            continue
        if len(block) >= 2:
            found.append((cells(block[0]), [cells(row) for row in block[2:]]))
        block = []
    return found


def first_cells(text: str, header: str) -> list[str]:
    """The first cells (backticks removed) of every row of tables whose first header cell
    is ``header``."""
    out = []
    for head, rows in tables(text):
        if head and head[0] == header:
            for row in rows:
                ticked = TICKED.findall(row[0])
                assert len(ticked) == 1, f"expected one `name` in the first cell of {row}"
                out.append(ticked[0])
    return out


def rows_by_name(text: str, header: str) -> dict[str, list[str]]:
    found = {}
    for head, rows in tables(text):
        if head and head[0] == header:
            for row in rows:
                found[TICKED.findall(row[0])[0]] = row
    return found


# -- the schema's key paths -------------------------------------------------------------------


def is_distribution(model: type) -> bool:
    return model.__module__ == "simulator.distributions"


def members(annotation: Any) -> list[tuple[str, type[BaseModel]]]:
    """The blocks (models) a field can hold, each with the path step that leads into it:
    ``""`` for the block itself, ``"[]"`` for a list item, ``".ID"`` for a mapping value.
    Distributions are values, not blocks."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return members(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return [m for arg in get_args(annotation) for m in members(arg)]
    if origin is list:
        return [("[]" + step, model) for step, model in members(get_args(annotation)[0])]
    if origin is dict:
        return [(".ID" + step, model) for step, model in members(get_args(annotation)[1])]
    if (
        isinstance(annotation, type)
        and issubclass(annotation, BaseModel)
        and not is_distribution(annotation)
    ):
        return [("", annotation)]
    return []


def schema_paths(model: type[BaseModel] = Scenario, prefix: str = "") -> tuple[set[str], set[str]]:
    """(leaf keys, block keys) of the schema, as dotted paths."""
    leaves: set[str] = set()
    blocks: set[str] = set()
    for name, info in model.model_fields.items():
        path = f"{prefix}.{info.alias or name}" if prefix else info.alias or name
        inner = members(info.annotation)
        if not inner:
            leaves.add(path)
            continue
        blocks.add(path)
        for step, sub in inner:
            if step:
                blocks.add(path + step)
            sub_leaves, sub_blocks = schema_paths(sub, path + step)
            leaves |= sub_leaves
            blocks |= sub_blocks
    return leaves, blocks


LEAVES, BLOCKS = schema_paths()


def test_the_schema_walk_finds_the_known_shapes() -> None:
    """Guard the walk itself: a union, a list, a mapping and the two disruption forms."""
    for path in (
        "products.ID.replenishment.order_up_to",
        "products.ID.demand.seasonality[].multiplier",
        "policies[].backorder.allocation",
        "suppliers.ID.disruptions.every_days",
        "suppliers.ID.disruptions[].end_day",
        "products.ID.demand.order_size",
        "sourcing.fractions",
    ):
        assert path in LEAVES
    assert "products.ID" in BLOCKS


# -- docs/reference/scenario.md ---------------------------------------------------------------


def documented_keys() -> list[str]:
    return first_cells(SCENARIO_PAGE.read_text(encoding="utf-8"), "key")


def test_every_schema_key_is_documented() -> None:
    missing = sorted(LEAVES - set(documented_keys()))
    assert not missing, f"keys of the schema missing from {SCENARIO_PAGE.name}: {missing}"


def test_every_documented_key_exists() -> None:
    unknown = sorted(set(documented_keys()) - LEAVES - BLOCKS - LOADER_KEYS)
    assert not unknown, f"keys in {SCENARIO_PAGE.name} that the schema does not have: {unknown}"


def test_no_key_is_documented_twice() -> None:
    keys = documented_keys()
    twice = sorted({k for k in keys if keys.count(k) > 1})
    assert not twice, twice


def distribution_classes() -> list[type[BaseModel]]:
    union = get_args(Distribution)[0]
    return list(get_args(union))


def test_every_distribution_and_parameter_is_documented() -> None:
    text = SCENARIO_PAGE.read_text(encoding="utf-8")
    rows = rows_by_name(text, "dist")
    assert set(rows) == set(DIST_NAMES)
    for cls in distribution_classes():
        name = get_args(cls.model_fields["dist"].annotation)[0]
        params = {
            info.alias or field
            for field, info in cls.model_fields.items()
            if field not in ("dist", "min", "max")
        }
        shown = set(TICKED.findall(rows[name][1]))
        assert shown == params, f"{name}: documented {sorted(shown)}, has {sorted(params)}"
    for bound in ("`min`", "`max`"):
        assert bound in text


def test_every_replenishment_policy_and_sourcing_rule_is_documented() -> None:
    text = SCENARIO_PAGE.read_text(encoding="utf-8")
    assert set(rows_by_name(text, "`policy`")) == set(REPLENISHMENT)
    assert set(rows_by_name(text, "`rule`")) == set(SOURCING)


# -- docs/reference/metrics.md ----------------------------------------------------------------


def test_every_store_metric_is_documented_once() -> None:
    documented = first_cells(METRICS_PAGE.read_text(encoding="utf-8"), "metric")
    assert sorted(documented) == sorted(STORE_METRICS)


def test_every_supplier_metric_is_documented_once() -> None:
    documented = first_cells(METRICS_PAGE.read_text(encoding="utf-8"), "supplier metric")
    assert sorted(documented) == sorted(SUPPLIER_METRICS)


# -- docs/reference/cli.md --------------------------------------------------------------------

OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


def sections(text: str) -> dict[str, str]:
    """Level-2 sections by heading."""
    out: dict[str, str] = {}
    heading = None
    for line in text.splitlines():
        if line.startswith("## "):
            heading = line[3:].strip()
            out[heading] = ""
        elif heading is not None:
            out[heading] += line + "\n"
    return out


def documented_options(section: str) -> dict[str, list[str]]:
    """Option name -> its table row, for the ``option`` table of a section."""
    found: dict[str, list[str]] = {}
    for head, rows in tables(section):
        if head and head[0] == "option":
            for row in rows:
                for ticked in TICKED.findall(row[0]):
                    for name in OPTION.findall(ticked):
                        found[name] = row
    return found


def context(command: click.Command) -> click.Context:
    """A context as the command line builds it (the group's settings, e.g. ``-h``, inherited)."""
    top = click.Context(main, info_name="backorder-sim", **main.context_settings)
    return top if command is main else click.Context(command, info_name=command.name, parent=top)


def real_options(command: click.Command) -> dict[str, click.Option]:
    ctx = context(command)
    return {
        name: param
        for param in command.get_params(ctx)
        if isinstance(param, click.Option)
        for name in (*param.opts, *param.secondary_opts)
    }


def command_sections() -> dict[str, str]:
    found = {}
    for heading, body in sections(CLI_PAGE.read_text(encoding="utf-8")).items():
        match = re.fullmatch(r"`backorder-sim (\S+)`", heading)
        if match:
            found[match.group(1)] = body
    return found


def test_every_command_has_a_section() -> None:
    assert set(command_sections()) == set(all_commands())


@pytest.mark.parametrize("name", sorted(all_commands()))
def test_every_option_of_a_command_is_documented(name: str) -> None:
    command = all_commands()[name]
    body = command_sections()[name]
    documented = documented_options(body)
    real = real_options(command)
    assert set(documented) == set(real), f"{name}: documented {sorted(documented)}"
    for option_name, option in real.items():
        if isinstance(option.type, click.Choice):
            row = " ".join(documented[option_name])
            for choice in option.type.choices:
                assert choice in row, f"{option_name}: choice {choice!r} is not documented"
    for argument in (p for p in command.params if isinstance(p, click.Argument)):
        assert argument.make_metavar(context(command)) in body


def test_global_options_are_documented() -> None:
    body = sections(CLI_PAGE.read_text(encoding="utf-8"))["Global options"]
    assert set(documented_options(body)) == set(real_options(main))


def test_exit_codes_and_csv_columns_are_documented() -> None:
    text = CLI_PAGE.read_text(encoding="utf-8")
    codes = rows_by_name(sections(text)["Exit codes"], "code")
    stopped = {str(128 + signum) for signum in STOP_SIGNALS}
    assert set(codes) == {"0", str(EXIT_BAD_INPUT), str(EXIT_INTERRUPTED), *stopped}
    columns = {c for row in rows_by_name(text, "column").values() for c in TICKED.findall(row[0])}
    assert columns == set(CSV_COLUMNS)


# -- links between pages ----------------------------------------------------------------------

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = heading.strip().lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    in_code = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            found.add(slug(line.lstrip("#")))
    return found


PAGES = sorted(DOCS.rglob("*.md"))


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_links_between_pages_resolve(page: Path) -> None:
    broken = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue
        path_part, _, anchor = target.partition("#")
        linked = (page.parent / path_part).resolve() if path_part else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no such heading")
    assert not broken, f"{page.relative_to(DOCS)}: {broken}"
