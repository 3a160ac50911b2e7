"""The library API a notebook or script uses: load a scenario, run its policies, read results.

    >>> from simulator import run
    >>> result = run("scenarios/holiday.yaml", replications=20, seed=7)  # doctest: +SKIP
    >>> print(result.table())  # doctest: +SKIP
    >>> result.to_dict()["policies"]["lost-sales"]["metrics"]["fill_rate"]  # doctest: +SKIP
    {'mean': 0.912..., 'sd': ..., 'ci95_low': ..., 'ci95_high': ..., 'n': 20}

The command line (:mod:`simulator.cli`) is a thin layer over these functions.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.experiment.errors import ExperimentError
from simulator.experiment.precision import run_to_precision
from simulator.experiment.result import RunResult
from simulator.experiment.runner import Plan, Progress, run_experiment
from simulator.experiment.targets import (
    DEFAULT_MAX_REPLICATIONS,
    PrecisionTarget,
    parse_precision,
)
from simulator.scenario import LoadedScenario
from simulator.scenario import load_scenario as _load_scenario

if TYPE_CHECKING:  # compare, sweep and trace load with their function (run needs none)
    from simulator.experiment.compare import CompareResult, Objective
    from simulator.experiment.optimize_answer import OptimizeResult
    from simulator.experiment.sweep import SweepResult
    from simulator.experiment.trace import TraceResult
    from simulator.fitting import FitResult


def load_scenario(
    path_or_mapping: str | os.PathLike[str] | Mapping[str, Any], sets: Sequence[str] = ()
) -> LoadedScenario:
    """Read a scenario, merge ``extends:``, apply ``sets`` (``"KEY=VALUE"``), validate it.

    Raises ``ScenarioError``, whose ``problems`` list every mistake found (file, line, key
    path, message).
    """
    return _load_scenario(path_or_mapping, sets)


def _renderers() -> None:
    """Import the reporting layer, which registers the results' renderers (``table()``)."""
    import simulator.reporting  # noqa: F401


def _loaded(
    scenario: str | os.PathLike[str] | Mapping[str, Any] | LoadedScenario, sets: Sequence[str]
) -> LoadedScenario:
    if isinstance(scenario, LoadedScenario):
        if sets:
            raise ValueError(
                "sets are applied when loading: pass a path or a mapping, not a loaded scenario"
            )
        return scenario
    return load_scenario(scenario, sets)


def _targets(precision: Sequence[str | PrecisionTarget]) -> list[PrecisionTarget]:
    return [parse_precision(t) if isinstance(t, str) else t for t in precision]


def run(
    scenario: str | os.PathLike[str] | Mapping[str, Any] | LoadedScenario,
    *,
    sets: Sequence[str] = (),
    policies: Sequence[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    executor: str = "process",
    workers: int | None = None,
    scheduler: str | None = None,
    precision: Sequence[str | PrecisionTarget] = (),
    max_replications: int | None = None,
    progress: Progress | None = None,
    force: bool = False,
) -> RunResult:
    """Run the policies of a scenario and summarise every metric across replications.

    ``scenario`` is a path to a YAML file, a mapping with the same content, or the result of
    :func:`load_scenario`; ``sets`` are ``"KEY=VALUE"`` overrides applied when loading (so
    they need a path or a mapping). The other options are those of ``backorder-sim run``:
    ``policies`` (default all, kept in the scenario's order), ``replications`` and ``seed``
    (default the scenario's), ``executor`` (``"serial"``, ``"process"`` or ``"dask"``),
    ``workers`` (default one per CPU), ``scheduler`` (a Dask scheduler address such as
    ``"tcp://10.0.0.5:8786"``; default: a local Dask cluster) and ``progress``, called as
    ``progress(done, total)``. ``workers`` is capped at the CPU count, and a run the size
    check finds absurd for this machine (more than 2 hours, or more memory than it has) is
    refused, unless ``force``.

    ``precision`` targets (``"profit=500"``, ``"fill_rate=1%"``, as ``--precision``) add
    replications in batches until every policy's 95% half-width on each named metric meets
    its target (``%``: relative to that policy's mean), or ``max_replications`` (default
    1000) are run; ``result.precision`` says how it ended. Stopping at n replications gives
    exactly the numbers of a fixed run of n.

    Raises ``ScenarioError`` for a bad scenario and ``ExperimentError`` (a ValueError) for a
    bad option.
    """
    loaded = _loaded(scenario, sets)
    _renderers()
    targets = _targets(precision)
    if not targets:
        if max_replications is not None:
            raise ExperimentError("--max-replications needs at least one --precision target")
        return run_experiment(
            loaded,
            policies=policies,
            replications=replications,
            seed=seed,
            executor=executor,
            workers=workers,
            scheduler=scheduler,
            progress=progress,
            force=force,
        )
    plan = Plan.make(loaded, policies, seed, executor, workers, scheduler=scheduler, force=force)
    count = loaded.scenario.replications if replications is None else replications
    plan.check_size(count)
    cap = DEFAULT_MAX_REPLICATIONS if max_replications is None else max_replications
    return run_to_precision(
        plan, targets, start=count, max_replications=cap, paired=False, progress=progress
    )


def compare(
    scenario: str | os.PathLike[str] | Mapping[str, Any] | LoadedScenario,
    *,
    sets: Sequence[str] = (),
    objective: str | Objective | None = None,
    policies: Sequence[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    executor: str = "process",
    workers: int | None = None,
    scheduler: str | None = None,
    precision: Sequence[str | PrecisionTarget] = (),
    max_replications: int | None = None,
    progress: Progress | None = None,
    force: bool = False,
) -> CompareResult:
    """Run the policies and compare them, as ``backorder-sim compare`` does.

    The options are those of :func:`run`, plus ``objective`` (``"profit:max"``,
    ``"mean_wait_days:min"``; default the scenario's ``objective:``). The result holds the
    run (``result.run``), the paired ``differences`` against the baseline (the first
    policy), the ``ranking`` (multiple comparisons with the best), whether the best is
    ``clear``, a sentence per policy and a ``recommendation``; ``to_dict()`` is the JSON of
    ``compare --format json``. With ``precision``, the targets apply to the paired
    differences against the baseline (``%``: relative to the baseline's mean). ``force`` as
    for :func:`run`.
    """
    from simulator.experiment.compare import compare_experiment, parse_objective

    loaded = _loaded(scenario, sets)
    _renderers()
    return compare_experiment(
        loaded,
        objective=parse_objective(objective) if isinstance(objective, str) else objective,
        policies=policies,
        replications=replications,
        seed=seed,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        precision=_targets(precision),
        max_replications=max_replications,
        progress=progress,
        force=force,
    )


def sweep(
    scenario: str | os.PathLike[str] | Mapping[str, Any] | LoadedScenario,
    vary: Mapping[str, Sequence[Any]] | Sequence[str] | None = None,
    *,
    sets: Sequence[str] = (),
    policies: Sequence[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    executor: str = "process",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    out: str | os.PathLike[str] | None = None,
    fresh: bool = False,
) -> SweepResult:
    """Run every policy at every point of a grid of settings, with common random numbers.

    The grid is the scenario's ``sweep:`` block with ``vary`` over it: a mapping
    ``{KEY: [values]}`` or ``--vary`` specs (``"KEY=V1,V2"``, ``"KEY=START:STOP:STEP"``);
    a key given in ``vary`` replaces the block's values for it. Every combination runs, the
    first key varying slowest. ``out`` writes the rows as they finish (CSV, or Parquet for
    a ``.parquet`` name) and resumes from what it already holds when it came from the same
    scenario content, seed and replications (else ExperimentError saying what differs);
    ``fresh`` starts over. The other options are :func:`run`'s.

    Returns a :class:`~simulator.experiment.sweep.SweepResult`: plain rows (``point``, each
    key, ``policy``, ``M_mean``, ``M_ci95_low``, ``M_ci95_high`` per store metric M).
    """
    from simulator.experiment.grid import parse_vary
    from simulator.experiment.sweep import fingerprint, run_sweep

    loaded = _loaded(scenario, sets)
    grid: dict[str, list[Any]] = {k: list(v) for k, v in (loaded.scenario.sweep or {}).items()}
    if isinstance(vary, Mapping):
        grid.update({key: list(values) for key, values in vary.items()})
    elif vary is not None:
        if isinstance(vary, str):
            vary = [vary]
        grid.update(dict(parse_vary(spec) for spec in vary))
    if not grid:
        raise ExperimentError(
            "nothing to vary: give --vary KEY=V1,V2,... or a sweep: block in the scenario"
        )
    for key in grid:
        parts = key.split(".")
        if parts[0] in UNSWEPT:
            raise ExperimentError(f"--vary {key}: {UNSWEPT[parts[0]]}")
        if parts == ["policies"] or (parts[0] == "policies" and parts[-1] == "name"):
            raise ExperimentError(
                f"--vary {key}: the policies and their names are the same at every point; "
                "vary a policy's settings instead"
            )

    store = None
    on_chunk = None
    finished = None
    if out is not None:
        from simulator.reporting.sweep import SweepStore, is_parquet, require_parquet

        if is_parquet(out):
            require_parquet()
        folder = os.path.dirname(os.path.abspath(os.fspath(out)))
        if not os.path.isdir(folder):
            raise ExperimentError(f"cannot write {os.fspath(out)}: no such directory {folder}")
        count = loaded.scenario.replications if replications is None else replications
        base_seed = loaded.scenario.seed if seed is None else seed
        store = SweepStore(out, fingerprint(loaded, base_seed, count, list(grid)), fresh=fresh)
        finished = store.finished()
        on_chunk = store.save
    result = run_sweep(
        loaded,
        grid,
        policies=policies,
        replications=replications,
        seed=seed,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        finished=finished,
        on_chunk=on_chunk,
    )
    if store is not None and result.computed == 0:
        store.save(result.rows)  # every row was reused: the file still shows this grid
    return result


UNSWEPT = {
    "seed": "a sweep uses one seed for every point (common random numbers); use --seed",
    "replications": "a sweep runs the same replications at every point; use --replications",
    "sweep": "the sweep: block cannot vary itself",
}
"""Top-level keys a sweep cannot vary, and why."""


def fit(
    orders: str | os.PathLike[str],
    deliveries: str | os.PathLike[str] | None = None,
    *,
    columns: Mapping[str, str] | None = None,
) -> FitResult:
    """Fit demand (per product) and lead times (per supplier) from the planner's own CSVs.

    ``orders`` has one row per customer order (``time``, ``product``, ``quantity``,
    ``in_stock``), ``deliveries`` one per supplier order (``supplier``, ``product``,
    ``ordered``, ``received``, ``quantity``); ``columns`` maps those names to the files' own
    headers (``{"time": "Order Date"}``). The result's ``fragment_yaml()`` is a scenario
    fragment to ``extends:``; ``to_dict()`` is the JSON of ``backorder-sim fit --format json``.

    Raises ``HistoryError`` (a ValueError) listing every bad row as ``FILE:LINE: column:
    message``.
    """
    from simulator.fitting import fit_history

    return fit_history(orders, deliveries, columns)


def optimize(
    scenario: str | os.PathLike[str] | Mapping[str, Any] | LoadedScenario,
    *,
    vary: Sequence[str] = (),
    objective: str | None = None,
    constraints: Sequence[str] = (),
    budget: int | None = None,
    indifference: float | None = None,
    sets: Sequence[str] = (),
    policies: Sequence[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    executor: str = "process",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> OptimizeResult:
    """Search settings for the best objective under constraints, with a confidence statement.

    The options are those of ``backorder-sim optimize``: ``vary`` holds ``"KEY=START:STOP:STEP"``
    or ``"KEY=V1,V2,..."`` specs, ``objective`` is ``"METRIC:max"`` or ``"METRIC:min"``,
    ``constraints`` are ``"METRIC>=VALUE"`` / ``"METRIC<=VALUE"``, ``budget`` caps the
    replications simulated, ``indifference`` is δ. Each one given replaces the field of the
    scenario's ``optimize:`` block. ``replications`` are the full replications (the most any
    candidate gets); ``policies`` default to every policy, each searched on its own. The
    other options are :func:`run`'s. The result's ``to_dict()`` is the JSON of
    ``optimize --format json``.

    Raises ``ScenarioError`` for a bad scenario or setting and ``ExperimentError`` for a bad
    option.
    """
    from simulator.experiment.optimize_run import optimize_experiment
    from simulator.experiment.optimize_spec import build_spec

    loaded = _loaded(scenario, sets)
    block = loaded.scenario.optimize
    spec = build_spec(
        None if block is None else block.model_dump(),
        loaded.scenario.objective.model_dump(),
        vary=vary,
        objective=objective,
        constraints=constraints,
        budget=budget,
        indifference=indifference,
    )
    return optimize_experiment(
        loaded,
        spec,
        policies=policies,
        replications=replications,
        seed=seed,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
    )


def write_report(
    result: CompareResult,
    scenario: str | os.PathLike[str] | Mapping[str, Any] | LoadedScenario,
    path: str | os.PathLike[str],
    *,
    sets: Sequence[str] = (),
) -> list[Path]:
    """Write the report of a comparison, as ``compare --report PATH`` does.

    ``scenario`` is what ``result`` was run from (a path, a mapping or a loaded scenario;
    ``sets`` as for :func:`compare`), needed for its description and the one-replication
    sample paths. ``path`` ending in ``.html`` gets one self-contained HTML file; ``.md``
    gets Markdown with its charts as PNG files beside it (``NAME-metrics.png``, ...).
    Returns the files written, the report first. Needs matplotlib (the ``report`` extra).
    """
    from simulator.reporting.report import write_report as write

    return write(result, _loaded(scenario, sets), path)


def trace(
    scenario: str | os.PathLike[str] | Mapping[str, Any] | LoadedScenario,
    policy: str,
    *,
    sets: Sequence[str] = (),
    replication: int = 1,
    days: float | None = None,
    product: str | None = None,
    seed: int | None = None,
) -> TraceResult:
    """One replication of one policy, event by event, as ``backorder-sim trace`` tells it.

    ``result.events`` are the model's own events in time order (plain records: time, kind,
    product, supplier, customer, units, the levels after, and a ``detail`` dict);
    ``result.counts()`` adds them up (equal to ``run``'s ``units_*`` metrics for the same
    replication), ``result.rows()`` gives the CSV columns. ``days`` stops the run early.
    """
    from simulator.experiment.trace import trace_replication

    loaded = _loaded(scenario, sets)
    _renderers()
    return trace_replication(
        loaded,
        policy,
        replication=replication,
        days=days,
        product=product,
        seed=seed,
    )
