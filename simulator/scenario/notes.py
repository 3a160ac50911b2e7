"""Warnings about a valid scenario: settings that load and run but are probably mistakes.

A warning never stops a run; ``validate`` prints warnings on stderr and still exits 0.
Each is one line in the format of problems (``file:line: key.path: warning: message``).
"""

from __future__ import annotations

from simulator.scenario.errors import Problem
from simulator.scenario.loader import LoadedScenario
from simulator.scenario.paths import KeyPath, nearest
from simulator.scenario.schema import Scenario


def price_below_cost(scenario: Scenario) -> list[tuple[KeyPath, str]]:
    """(path, message) for every product whose price is below what a unit costs to buy
    from one of its suppliers: every unit sold from that supplier loses money."""
    found: list[tuple[KeyPath, str]] = []
    for pid, product in scenario.products.items():
        for sid in scenario.sourcing_for(pid).suppliers:
            cost = scenario.unit_cost(sid, pid)
            if product.price < cost:
                found.append(
                    (
                        ("products", pid, "price"),
                        f"warning: price {product.price:g} is below the unit cost {cost:g} "
                        f"from supplier '{sid}': every unit sold from it loses money",
                    )
                )
    return found


def scenario_warnings(loaded: LoadedScenario) -> list[Problem]:
    """Every warning about a loaded scenario and its policies' own scenarios, each once,
    placed at the line of the key it is about."""
    seen: dict[tuple[KeyPath, str], None] = {}
    scenarios = [loaded.scenario, *(policy.scenario for policy in loaded.policies)]
    # a policy without overrides runs the base scenario itself: check each scenario once
    for scenario in {id(scenario): scenario for scenario in scenarios}.values():
        seen.update(dict.fromkeys(price_below_cost(scenario)))
    warnings: list[Problem] = []
    for path, message in seen:
        found = nearest(loaded.lines, path)
        file, line = found[1] if found is not None else (loaded.source, None)
        warnings.append(Problem(file, line, ".".join(str(p) for p in path), message))
    return warnings
