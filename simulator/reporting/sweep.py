"""A sweep's rows as CSV, Parquet and JSON; its summary; and the resumable results file.

Resume format (chosen for exactness and a clean CSV): next to the results file PATH, a
sidecar ``PATH.meta.json`` holds the sweep's fingerprint (scenario content hash, seed,
replications, varied keys, metric columns) and every finished row as JSON, so values keep
their exact types and digits. After each chunk of the grid, the sidecar and then PATH are
rewritten atomically with all rows finished so far (temporary file, fsync, rename): a crash
or Ctrl-C leaves both files as they were after the last whole chunk, never a half-written
row. A later run with the same PATH reads the sidecar, refuses it if the fingerprint
differs (naming what differs), and reuses the rows of points it still has to run. PATH
itself is a plain CSV (or Parquet) that pandas reads as is.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import stat
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from simulator.experiment.errors import ExperimentError
from simulator.experiment.sweep import Row, SweepResult, point_id, sweep_columns
from simulator.reporting.files import atomic_write
from simulator.reporting.formats import safe_cell

PARQUET_EXTRA = "writing Parquet needs the parquet extra: pip install 'backorder-sim[parquet]'"
"""The message when pyarrow is not installed and a ``.parquet`` path was asked for."""

META_SUFFIX = ".meta.json"
"""The sidecar of results file PATH is ``PATH.meta.json``."""

META_VERSION = 1
"""The version of the sidecar's layout."""


def is_parquet(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` asks for Parquet (its name ends with ``.parquet``)."""
    return os.fspath(path).lower().endswith(".parquet")


def require_parquet() -> None:
    """Raise ExperimentError with the install line when pyarrow is missing."""
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise ExperimentError(PARQUET_EXTRA) from None


# -- cells ------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    """One CSV cell: numbers in their shortest exact form, empty for null, YAML booleans,
    lists and mappings as JSON, text guarded against formula injection."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return safe_cell(value)
    return safe_cell(json.dumps(value, default=str))


def sweep_csv(rows: Sequence[Row], columns: Sequence[str]) -> str:
    """The rows as CSV with a header line; lines end with ``\\n``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return buffer.getvalue()


def sweep_parquet(rows: Sequence[Row], columns: Sequence[str]) -> bytes:
    """The rows as a Parquet file: ``point`` int64, metrics float64 (null where undefined),
    each varied key in the type its values share (as text when they do not share one)."""
    require_parquet()
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = []
    for column in columns:
        values = [row.get(column) for row in rows]
        if column == "point":
            arrays.append(pa.array(values, type=pa.int64()))
        elif column == "policy":
            arrays.append(pa.array(values, type=pa.string()))
        elif column.endswith(("_mean", "_ci95_low", "_ci95_high")) and all(
            v is None or isinstance(v, int | float) for v in values
        ):
            arrays.append(pa.array(values, type=pa.float64()))
        else:
            try:
                arrays.append(pa.array(values))
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
                arrays.append(pa.array([None if v is None else _cell(v) for v in values]))
    table = pa.Table.from_arrays(arrays, names=list(columns))
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def sweep_json(result: SweepResult) -> str:
    """The result as indented JSON (:meth:`SweepResult.to_dict`); null, never NaN."""
    return json.dumps(result.to_dict(), indent=2, allow_nan=False, default=str) + "\n"


def write_rows(path: str | os.PathLike[str], rows: Sequence[Row], columns: Sequence[str]) -> None:
    """Write the rows to ``path`` atomically: Parquet for a ``.parquet`` name, else CSV."""
    if is_parquet(path):
        _atomic_write_bytes(Path(path), sweep_parquet(rows, columns))
    else:
        atomic_write(path, sweep_csv(rows, columns))


def _atomic_write_bytes(target: Path, data: bytes) -> None:
    """Like :func:`~simulator.reporting.files.atomic_write`, for bytes."""
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# -- the summary ------------------------------------------------------------------------------


def sweep_summary(result: SweepResult) -> str:
    """A few lines for a terminal: the point with the best mean objective for each policy,
    and overall (point estimates; see :meth:`SweepResult.best`)."""
    metric, goal = result.objective["metric"], result.objective["goal"]
    best = result.best()
    keys = list(result.vary)
    word = "highest" if goal == "max" else "lowest"
    lines = [
        f"{word} mean {metric} ({len(result.rows)} rows, {result.replications} replications each):"
    ]

    def describe(row: Row) -> str:
        settings = ", ".join(f"{k}={_cell(row[k])}" for k in keys) or "(no settings)"
        mean = row[f"{metric}_mean"]
        low, high = row[f"{metric}_ci95_low"], row[f"{metric}_ci95_high"]
        interval = "" if low is None or high is None else f" (95% CI {low:.6g} to {high:.6g})"
        return f"point {row['point']}: {settings}: {metric} {mean:.6g}{interval}"

    for name in result.policies:
        row = best["policies"].get(name)
        shown = describe(row) if row is not None else f"{metric} undefined at every point"
        lines.append(f"  {name}: {shown}")
    overall = best["overall"]
    if overall is not None:
        lines.append(f"  overall: {overall['policy']} at {describe(overall)}")
    return "\n".join(lines) + "\n"


# -- resuming ---------------------------------------------------------------------------------

_WHAT = {
    "scenario": "the scenario's content differs",
    "seed": "the seed differs",
    "replications": "the replications differ",
    "keys": "the varied keys differ",
    "metrics": "the metric columns differ (written by another version of backorder-sim)",
}


class SweepStore:
    """The results file of a sweep and its sidecar, for writing and resuming.

    ``fresh`` ignores (and, at the first save, replaces) what the files hold.
    """

    def __init__(
        self, path: str | os.PathLike[str], fingerprint: Mapping[str, Any], *, fresh: bool = False
    ) -> None:
        self.path = Path(path)
        """The results file (CSV, or Parquet for a ``.parquet`` name)."""
        self.meta = Path(os.fspath(path) + META_SUFFIX)
        """The sidecar: fingerprint and finished rows."""
        self.fingerprint = dict(fingerprint)
        """What the rows depend on (see :func:`simulator.experiment.sweep.fingerprint`)."""
        self.fresh = fresh
        """Whether to start over."""

    def finished(self) -> dict[tuple[str, str], Row]:
        """The rows a previous run of the same sweep finished, by (point id, policy).

        Raises ExperimentError when the files came from another sweep (naming what
        differs), when PATH exists without a sidecar, or when the sidecar cannot be read.
        """
        if self.fresh:
            return {}
        if not self.meta.exists():
            if self.path.exists():
                raise ExperimentError(
                    f"{self.path} exists but holds no sweep to resume (no {self.meta.name}); "
                    "use --fresh to replace it, or another --out"
                )
            return {}
        try:
            data = json.loads(self.meta.read_text(encoding="utf-8"))
            stored = data["fingerprint"]
            rows = data["rows"]
            if data.get("version") != META_VERSION or not isinstance(rows, list):
                raise ValueError("unknown layout")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ExperimentError(
                f"{self.meta}: cannot read the results to resume ({exc}); use --fresh to start over"
            ) from None
        differ = []
        for key, what in _WHAT.items():
            if stored.get(key) != self.fingerprint.get(key):
                if key in ("seed", "replications", "keys"):
                    was, now = _show(stored.get(key)), _show(self.fingerprint.get(key))
                    what += f" ({was} in the file, {now} now)"
                differ.append(what)
        if differ:
            raise ExperimentError(
                f"{self.path} holds results of a different sweep: {'; '.join(differ)}; "
                "use --fresh to start over, or another --out"
            )
        keys = self.fingerprint["keys"]
        return {(point_id({k: row[k] for k in keys}), row["policy"]): row for row in rows}

    def save(self, rows: Sequence[Row]) -> None:
        """Write the sidecar, then the results file, each atomically, with ``rows``."""
        keys = self.fingerprint["keys"]
        document = {"version": META_VERSION, "fingerprint": self.fingerprint, "rows": list(rows)}
        atomic_write(self.meta, json.dumps(document, allow_nan=False, default=str) + "\n")
        write_rows(self.path, rows, sweep_columns(keys))


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)
