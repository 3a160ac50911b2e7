"""Scenario files: the typed schema, safe loading with line numbers, ``extends:``, ``--set``.

The public API::

    from simulator.scenario import load_scenario, ScenarioError

    try:
        loaded = load_scenario("holiday.yaml", sets=["replications=5"])
    except ScenarioError as exc:
        print(exc)  # one line per problem: file:line: key.path: message
"""

from simulator.scenario.errors import Problem, ScenarioError
from simulator.scenario.loader import LoadedScenario, ResolvedPolicy, load_scenario, validate_files

__all__ = [
    "LoadedScenario",
    "Problem",
    "ResolvedPolicy",
    "ScenarioError",
    "load_scenario",
    "validate_files",
]
