"""Sweeps: every policy at every point of a grid of settings, with common random numbers.

Point p, policy k and replication r use the r-th child of ``SeedSequence(seed)`` for every
p and k, so neighbouring points differ only by their settings. The grid runs in chunks of
points, one :meth:`Executor.run` call each (a Dask cluster stays up across them); after
each chunk the finished rows are handed to ``on_chunk`` (which the API uses to save them),
so an interrupted sweep loses at most the chunk in progress. The first chunk is small; the
next ones are sized from the time the previous ones took, to about :data:`CHUNK_SECONDS`.

A row is one grid point and one policy: ``point`` (the index in the grid), each varied key
by its dotted path, ``policy``, then ``M_mean``, ``M_ci95_low`` and ``M_ci95_high`` for
every store-level metric M (:data:`~simulator.metrics.record.STORE_METRICS`).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulator.experiment.errors import ExperimentError
from simulator.experiment.executors import Batch, Executor, SimulateFn, Task, get_executor
from simulator.experiment.grid import apply_settings, grid_points
from simulator.experiment.runner import Progress, select_policies
from simulator.metrics.record import STORE_METRICS, ReplicationMetrics
from simulator.metrics.summary import summarize_records
from simulator.model import simulation
from simulator.streams import replication_seeds

if TYPE_CHECKING:
    from simulator.scenario import LoadedScenario

Row = dict[str, Any]
"""One row of a sweep's results (see the module docstring for its columns)."""

STATS: tuple[str, ...] = ("mean", "ci95_low", "ci95_high")
"""The summary values each metric contributes a column for, in column order."""

CHUNK_SECONDS = 10.0
"""About how long one chunk of the grid should take: the most work an interruption loses."""


def metric_columns() -> list[str]:
    """``M_mean``, ``M_ci95_low``, ``M_ci95_high`` for every store-level metric M, in order."""
    return [f"{metric}_{stat}" for metric in STORE_METRICS for stat in STATS]


def sweep_columns(keys: Sequence[str]) -> list[str]:
    """The columns of a sweep over ``keys``: point, the keys, policy, the metric columns."""
    return ["point", *keys, "policy", *metric_columns()]


def point_id(settings: Mapping[str, Any]) -> str:
    """A text that identifies a point by its settings (type-aware: ``1`` is not ``1.0``)."""
    return json.dumps([[key, value] for key, value in settings.items()], default=str)


@dataclass(frozen=True)
class SweepResult:
    """What a sweep produced: one row per grid point and policy, in grid order."""

    scenario: str
    """The scenario's name."""
    seed: int
    """The seed every point's replications were drawn from."""
    replications: int
    """Replications per point and policy."""
    objective: dict[str, str]
    """The scenario's ``objective``: ``{"metric", "goal"}``."""
    vary: dict[str, list[Any]]
    """The grid: each varied key and its values (the first key varies slowest)."""
    policies: list[str]
    """The policies run at every point, in the scenario's order."""
    rows: list[Row]
    """One row per point and policy (points in grid order, then policies)."""
    computed: int
    """How many of the rows this call computed (the others came from an earlier run)."""

    @property
    def columns(self) -> list[str]:
        """The column names, in order."""
        return sweep_columns(list(self.vary))

    def best(self) -> dict[str, Any]:
        """The rows with the best mean objective: ``{"policies": {NAME: row}, "overall":
        row}`` (max or min by the objective's goal; rows where it is undefined are skipped,
        and a policy without any defined value is left out). This ranks point estimates: it
        says nothing about whether the difference to the next row is significant."""
        column = f"{self.objective['metric']}_mean"
        sign = 1.0 if self.objective["goal"] == "max" else -1.0
        per_policy: dict[str, Row] = {}
        overall: Row | None = None
        for row in self.rows:
            value = row.get(column)
            if value is None:
                continue
            held = per_policy.get(row["policy"])
            if held is None or sign * value > sign * held[column]:
                per_policy[row["policy"]] = row
            if overall is None or sign * value > sign * overall[column]:
                overall = row
        return {"policies": per_policy, "overall": overall}

    def to_dict(self) -> dict[str, Any]:
        """Plain data: ``{"scenario", "seed", "replications", "objective", "vary",
        "policies", "columns", "rows"}`` (undefined values are None)."""
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "replications": self.replications,
            "objective": dict(self.objective),
            "vary": {key: list(values) for key, values in self.vary.items()},
            "policies": list(self.policies),
            "columns": self.columns,
            "rows": [dict(row) for row in self.rows],
        }

    def to_dataframe(self) -> Any:
        """The rows as a pandas DataFrame (needs pandas: the ``frames`` extra)."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)


def fingerprint(
    loaded: LoadedScenario, seed: int, replications: int, keys: Sequence[str]
) -> dict[str, Any]:
    """What the rows of a sweep depend on besides their point and policy: a hash of the
    scenario's content (``sweep:``, ``seed`` and ``replications`` aside), the seed, the
    replications, the varied keys and the metric columns. Rows with equal fingerprints,
    settings and policy are interchangeable."""
    content = {k: v for k, v in loaded.raw.items() if k not in ("sweep", "seed", "replications")}
    text = json.dumps(_canonical(content), sort_keys=True, default=str, allow_nan=True)
    return {
        "scenario": hashlib.sha256(text.encode()).hexdigest(),
        "seed": seed,
        "replications": replications,
        "keys": list(keys),
        "metrics": list(STORE_METRICS),
    }


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def run_sweep(
    loaded: LoadedScenario,
    vary: Mapping[str, Sequence[Any]],
    *,
    policies: Sequence[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    executor: str = "process",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    simulate: SimulateFn | None = None,
    finished: Mapping[tuple[str, str], Row] | None = None,
    on_chunk: Callable[[list[Row]], None] | None = None,
) -> SweepResult:
    """Run ``policies`` (default all) at every point of the grid ``vary`` and summarise.

    ``finished`` maps (:func:`point_id`, policy) to rows an earlier run of the same sweep
    (same :func:`fingerprint`) already computed: they are reused, not recomputed. After
    each chunk, ``on_chunk`` gets every row finished so far, in grid order. The other
    options are :func:`~simulator.experiment.runner.run_experiment`'s; ``progress`` counts
    (point, policy, replication) tasks over the whole grid, reused rows included.

    Raises ExperimentError for a bad option and ScenarioError for a setting the scenario
    refuses (``--vary KEY: message``).
    """
    runner = get_executor(executor, workers, scheduler)
    chosen = [p.name for p in select_policies(loaded.policies, policies)]
    count = loaded.scenario.replications if replications is None else replications
    if count < 1:
        raise ExperimentError(f"replications (={count}) must be >= 1")
    base_seed = loaded.scenario.seed if seed is None else seed
    if base_seed < 0:
        raise ExperimentError(f"seed (={base_seed}) must be >= 0")
    grid = {key: list(values) for key, values in vary.items()}
    points = grid_points(grid)
    # Every setting is checked before any work is done: with one key, each point is one
    # value, and its scenario is kept for the run; with several, each value on its own.
    prepared: dict[int, LoadedScenario] = {}
    if len(grid) == 1:
        prepared = {p: apply_settings(loaded, settings) for p, settings in enumerate(points)}
    else:
        for key, values in grid.items():
            for value in values:
                apply_settings(loaded, {key: value})
    simulate_fn = simulate if simulate is not None else simulation.simulate
    finished = dict(finished or {})

    rows: dict[tuple[int, str], Row] = {}
    todo: list[int] = []
    for p, settings in enumerate(points):
        pid = point_id(settings)
        for name in chosen:
            row = finished.get((pid, name))
            if row is not None:
                rows[(p, name)] = {**row, "point": p}
        if any((p, name) not in rows for name in chosen):
            todo.append(p)
    total = len(points) * len(chosen) * count
    done = len(rows) * count
    reused = len(rows)
    if progress is not None:
        progress(done, total)

    def advance(k: int) -> None:
        nonlocal done
        done += k
        if progress is not None:
            progress(done, total)

    def ordered() -> list[Row]:
        return [rows[(p, n)] for p in range(len(points)) for n in chosen if (p, n) in rows]

    start = 0
    with runner:
        slots = _slots(runner)
        size = max(1, math.ceil(2 * slots / len(chosen)))
        while start < len(todo):
            chunk = todo[start : start + size]
            began = time.perf_counter()
            batches, tags = _batches(
                loaded, points, chunk, chosen, rows, count, base_seed, simulate_fn, prepared
            )
            reps: list[list[ReplicationMetrics | None]] = [[None] * count for _ in tags]
            for index, r, metrics in runner.run(batches, advance):
                reps[index][r] = metrics
            for (p, name), got in zip(tags, reps, strict=True):
                complete = [m for m in got if m is not None]
                if len(complete) != count:
                    raise RuntimeError(
                        f"executor {runner.name!r} returned {len(complete)} of {count} "
                        f"replications for policy {name!r} at point {p}"
                    )
                rows[(p, name)] = _row(p, points[p], name, complete)
            if on_chunk is not None:
                on_chunk(ordered())
            start += len(chunk)
            per_point = (time.perf_counter() - began) / len(chunk)
            floor = max(1, math.ceil(CHUNKS_FLOOR * slots / len(chosen)))
            size = max(floor, round(CHUNK_SECONDS / max(per_point, 1e-6)))

    objective = loaded.scenario.objective
    return SweepResult(
        scenario=loaded.scenario.name,
        seed=base_seed,
        replications=count,
        objective={"metric": objective.metric, "goal": objective.goal},
        vary=grid,
        policies=chosen,
        rows=ordered(),
        computed=len(rows) - reused,
    )


def _slots(runner: Executor) -> int:
    """How many tasks the executor runs at once (a Dask cluster: its worker threads)."""
    if runner.name == "serial":
        return 1
    client = getattr(runner, "client", None)
    if client is not None:
        return max(1, sum(client.nthreads().values()))
    return runner.workers or os.cpu_count() or 1


CHUNKS_FLOOR = 4
"""A chunk after the first holds at least this many (point, policy) batches per worker,
so that every worker has work until the chunk's end."""


def _batches(
    loaded: LoadedScenario,
    points: list[dict[str, Any]],
    chunk: list[int],
    chosen: list[str],
    rows: Mapping[tuple[int, str], Row],
    count: int,
    seed: int,
    simulate: SimulateFn,
    prepared: dict[int, LoadedScenario],
) -> tuple[list[Batch], list[tuple[int, str]]]:
    """The batches of a chunk, one per missing (point, policy), and their (point, policy).

    A point's scenario comes from ``prepared`` (and leaves it) when it was built already."""
    batches: list[Batch] = []
    tags: list[tuple[int, str]] = []
    for p in chunk:
        at_point = prepared.pop(p, None) or apply_settings(loaded, points[p])
        for name in chosen:
            if (p, name) in rows:
                continue
            policy = at_point.policy(name)
            # fresh SeedSequence objects per batch (equal, not shared), as run_experiment does
            seeds = replication_seeds(seed, count)
            tasks = tuple(Task(len(tags), r, seed_r) for r, seed_r in enumerate(seeds))
            batches.append(Batch(name, policy.scenario, policy.backorder, tasks, simulate))
            tags.append((p, name))
    return batches, tags


def _row(p: int, settings: Mapping[str, Any], name: str, reps: list[ReplicationMetrics]) -> Row:
    summaries = summarize_records([rep.store for rep in reps], STORE_METRICS)
    row: Row = {"point": p, **settings, "policy": name}
    for metric in STORE_METRICS:
        summary = summaries[metric]
        row[f"{metric}_mean"] = summary.mean
        row[f"{metric}_ci95_low"] = summary.ci95_low
        row[f"{metric}_ci95_high"] = summary.ci95_high
    return row
