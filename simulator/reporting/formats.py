"""Machine-readable results: the JSON of DESIGN §4 and a long-format CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

from simulator.experiment.result import RunResult
from simulator.metrics.summary import Summary

if TYPE_CHECKING:  # printing a run's JSON needs nothing of compare's
    from simulator.experiment.compare import CompareResult

CSV_COLUMNS: tuple[str, ...] = (
    "policy",
    "scope",
    "metric",
    "mean",
    "sd",
    "ci95_low",
    "ci95_high",
    "n",
)
"""The CSV header. ``scope`` is ``store``, ``product:ID`` or ``supplier:ID``."""


def to_json(result: RunResult | CompareResult) -> str:
    """The results as indented JSON (DESIGN §4); undefined values are ``null``, never NaN."""
    return json.dumps(result.to_dict(), indent=2, allow_nan=False) + "\n"


def _number(value: float | None) -> str:
    """A float in its shortest exact form; empty for None."""
    return "" if value is None else repr(float(value))


def _safe_scope(scope: str) -> str:
    """``product:ID`` / ``supplier:ID``: the ID is user text, the prefix is ours."""
    kind, colon, ident = scope.partition(":")
    return f"{kind}{colon}{safe_cell(ident)}"


def csv_rows(result: RunResult) -> Iterator[tuple[str, str, str, Summary]]:
    """(policy, scope, metric, summary) for every summary, policies in order, store first."""
    for name, policy in result.policies.items():
        for metric, summary in policy.metrics.items():
            yield name, "store", metric, summary
        for pid, metrics in policy.products.items():
            for metric, summary in metrics.items():
                yield name, f"product:{pid}", metric, summary
        for sid, metrics in policy.suppliers.items():
            for metric, summary in metrics.items():
                yield name, f"supplier:{sid}", metric, summary


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""How a cell starts that a spreadsheet may read as a formula (CSV injection)."""


def safe_cell(text: str) -> str:
    """A CSV cell holding user text (a policy, product or supplier name): prefixed with
    ``'`` when it starts like a formula (``=``, ``+``, ``-``, ``@``, tab or carriage
    return), so that a spreadsheet shows it as text instead of running it.

    For text only, never for numbers: ``-3.5`` written by the tool stays a number.
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(result: RunResult) -> str:
    """One row per policy x scope x metric, with columns :data:`CSV_COLUMNS`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for name, scope, metric, s in csv_rows(result):
        writer.writerow(
            [
                safe_cell(name),
                _safe_scope(scope),
                metric,
                _number(s.mean),
                _number(s.sd),
                _number(s.ci95_low),
                _number(s.ci95_high),
                s.n,
            ]
        )
    return buffer.getvalue()
