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
from typing import Any

from simulator.experiment.result import RunResult
from simulator.experiment.runner import Progress, run_experiment
from simulator.scenario import LoadedScenario
from simulator.scenario import load_scenario as _load_scenario


def load_scenario(
    path_or_mapping: str | os.PathLike[str] | Mapping[str, Any], sets: Sequence[str] = ()
) -> LoadedScenario:
    """Read a scenario, merge ``extends:``, apply ``sets`` (``"KEY=VALUE"``), validate it.

    Raises ``ScenarioError``, whose ``problems`` list every mistake found (file, line, key
    path, message).
    """
    return _load_scenario(path_or_mapping, sets)


def run(
    scenario: str | os.PathLike[str] | Mapping[str, Any] | LoadedScenario,
    *,
    sets: Sequence[str] = (),
    policies: Sequence[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    executor: str = "process",
    workers: int | None = None,
    progress: Progress | None = None,
    force: bool = False,
) -> RunResult:
    """Run the policies of a scenario and summarise every metric across replications.

    ``scenario`` is a path to a YAML file, a mapping with the same content, or the result of
    :func:`load_scenario`; ``sets`` are ``"KEY=VALUE"`` overrides applied when loading (so
    they need a path or a mapping). The other options are those of ``backorder-sim run``:
    ``policies`` (default all, kept in the scenario's order), ``replications`` and ``seed``
    (default the scenario's), ``executor`` (``"serial"`` or ``"process"``), ``workers``
    (default one per CPU, capped at the CPU count), ``progress``, called as
    ``progress(done, total)``, and ``force``: run even when the size check finds the run
    absurd for this machine (more than 2 hours, or more memory than it has), and start
    every worker asked for.

    Raises ``ScenarioError`` for a bad scenario and ``ExperimentError`` (a ValueError) for a
    bad option.
    """
    if isinstance(scenario, LoadedScenario):
        if sets:
            raise ValueError(
                "sets are applied when loading: pass a path or a mapping, not a loaded scenario"
            )
        loaded = scenario
    else:
        loaded = load_scenario(scenario, sets)
    return run_experiment(
        loaded,
        policies=policies,
        replications=replications,
        seed=seed,
        executor=executor,
        workers=workers,
        progress=progress,
        force=force,
    )
