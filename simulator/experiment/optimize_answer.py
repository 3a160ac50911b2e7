"""The answer of ``optimize``: the chosen settings, the runners-up and what is known about them.

The statement is built from what the procedure actually established, in one of these forms:

- the screening eliminated every other candidate: "best of the K candidates within δ"
  (Kim & Nelson's guarantee: if one candidate is at least δ better than all others, it is
  the one chosen with probability >= 95%);
- several survived to the full replications (or the budget) and the simultaneous MCB
  intervals of :func:`simulator.statistics.rank` rule out all but the leader: "best ...
  with 95% confidence";
- they show every survivor within δ of the best of them: "these m are within δ of each
  other";
- otherwise: "m candidates could not be told apart";
- with constraints and no candidate shown feasible: "no candidate meets the constraints
  with 95% confidence; the closest is ...".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from simulator.experiment.optimize import ALPHA, Candidate, Screening, judgements, status_of
from simulator.experiment.optimize_spec import Constraint, Goal
from simulator.experiment.selection import FEASIBLE, INFEASIBLE
from simulator.metrics.summary import Summary, summarize, summarize_replications
from simulator.statistics import paired_difference, rank

RUNNERS_UP = 3
"""How many runners-up the answer shows."""


@dataclass(frozen=True)
class CandidateResult:
    """One evaluated candidate: its settings and estimates."""

    settings: dict[str, Any]
    """Each varied key and its value."""
    replications: int
    """Replications simulated for it."""
    objective: Summary
    """The objective over those replications."""
    constraints: dict[str, Summary]
    """Per constrained metric, its summary."""
    bounds: dict[str, float | None]
    """Per constraint (``fill_rate>=0.95``), the one-sided 95% bound compared with the
    target (lower for ``>=``, upper for ``<=``)."""
    feasible: bool
    """Whether every constraint's bound meets its target (true without constraints)."""
    status: str
    """``chosen``, ``contender``, ``eliminated``, ``infeasible`` or ``finalist-cut``."""

    def to_dict(self) -> dict[str, Any]:
        """``{"settings", "replications", "objective", "feasible", ...}``."""
        return {
            "settings": dict(self.settings),
            "replications": self.replications,
            "objective": self.objective.to_dict(),
            "feasible": self.feasible,
            "status": self.status,
            "constraints": {
                name: {**summary.to_dict(), "bound": self.bounds.get(name)}
                for name, summary in self.constraints.items()
            },
        }


@dataclass(frozen=True)
class RunnerUp:
    """A candidate close behind the chosen one, with paired differences to it."""

    settings: dict[str, Any]
    differences: dict[str, Summary]
    """Per metric (the objective, then each constrained metric): this candidate minus the
    chosen one, paired over the replications both have."""


@dataclass(frozen=True)
class PolicyOptimum:
    """What ``optimize`` found for one policy."""

    policy: str
    goal: Goal
    constraints: tuple[Constraint, ...]
    indifference: float
    """δ, in the objective's units."""
    search: str
    """``screening`` or ``pattern``."""
    best: CandidateResult
    metrics: dict[str, Summary]
    """Every store metric of the chosen candidate."""
    statement: str
    candidates: list[CandidateResult]
    """Every candidate evaluated, in grid order."""
    runners_up: list[RunnerUp]
    replications_used: int
    replications_exhaustive: int
    """The whole grid at the full replications."""
    full_replications: int
    grid_size: int

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of DESIGN §4 (plus ``indifference``, ``search``, ``runners_up``)."""
        return {
            "objective": self.goal.to_dict(),
            "constraints": [c.to_dict() for c in self.constraints],
            "policy": self.policy,
            "best": {
                "settings": dict(self.best.settings),
                "metrics": {k: s.to_dict() for k, s in self.metrics.items()},
                "feasible": self.best.feasible,
            },
            "statement": self.statement,
            "candidates": [c.to_dict() for c in self.candidates],
            "replications_used": self.replications_used,
            "replications_exhaustive": self.replications_exhaustive,
            "indifference": self.indifference,
            "search": self.search,
            "full_replications": self.full_replications,
            "runners_up": [
                {
                    "settings": dict(r.settings),
                    "differences": {k: s.to_dict() for k, s in r.differences.items()},
                }
                for r in self.runners_up
            ],
        }


@dataclass(frozen=True)
class OptimizeResult:
    """The answer for every policy searched."""

    scenario: str
    seed: int
    policies: dict[str, PolicyOptimum]
    single: bool
    """True when one policy was asked for by name: the JSON is then that policy's object."""
    notes: tuple[str, ...] = ()
    """Remarks for the user (a policy the varied keys do not change, skipped)."""

    def to_dict(self) -> dict[str, Any]:
        """DESIGN §4: one policy's object, or ``{"policies": {NAME: ...}}``."""
        if self.single:
            return next(iter(self.policies.values())).to_dict()
        return {"policies": {name: p.to_dict() for name, p in self.policies.items()}}


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.4g}"


def candidate_result(
    c: Candidate, goal: Goal, constraints: Sequence[Constraint]
) -> CandidateResult:
    """The estimates of one evaluated candidate."""
    found = judgements(c, constraints)
    return CandidateResult(
        settings=dict(c.settings),
        replications=len(c.replications),
        objective=summarize(c.values(goal.metric)),
        constraints={k.metric: summarize(c.values(k.metric)) for k in constraints},
        bounds={str(k): j.bound for k, j in zip(constraints, found, strict=True)},
        feasible=status_of(c, constraints) == FEASIBLE,
        status=c.status,
    )


def _mean(c: Candidate, goal: Goal) -> float:
    values = [v for v in c.values(goal.metric) if v is not None]
    return goal.sign * sum(values) / len(values) if values else float("-inf")


def _miss(c: Candidate, goal: Goal, constraints: Sequence[Constraint]) -> tuple[float, float]:
    """How far the candidate's estimates miss the constraints (each shortfall relative to
    its target, summed), then its objective (better first)."""
    total = 0.0
    for k, j in zip(constraints, judgements(c, constraints), strict=True):
        total += k.shortfall(j.mean) / (abs(k.value) or 1.0)
    return (total, -_mean(c, goal))


def _constraint_text(c: Candidate, constraints: Sequence[Constraint]) -> str:
    parts = []
    for k, j in zip(constraints, judgements(c, constraints), strict=True):
        side = "lower" if k.op == ">=" else "upper"
        meets = j.bound is not None and (j.bound >= k.value if k.op == ">=" else j.bound <= k.value)
        sign = k.op if meets else ("<" if k.op == ">=" else ">")
        parts.append(
            f"{k.metric} {_fmt(j.mean)}, one-sided 95% {side} bound {_fmt(j.bound)} "
            f"{sign} {k.value:g}"
        )
    return "; ".join(parts)


def answer(
    policy: str,
    evaluated: list[Candidate],
    outcome: Screening,
    *,
    goal: Goal,
    constraints: tuple[Constraint, ...],
    search: str,
    grid_size: int,
    full: int,
    used: int,
    finalists: int,
) -> PolicyOptimum:
    """Choose among the screening's survivors and say what is known (module docstring)."""
    delta = outcome.delta
    where = f"the {grid_size} candidates" if search == "screening" else f"the {finalists} finalists"
    if constraints:
        where += " that meet the constraints"
    if search == "pattern":
        where += f" (of a pattern search over a grid of {grid_size})"
    zone = f"δ = {delta:g} {goal.metric}"
    contenders = outcome.contenders
    feasible = [c for c in contenders if status_of(c, constraints) == FEASIBLE]
    tail = ""
    if search == "pattern":
        tail = f" (the search assumes {goal.metric} is unimodal along each key)"
    if feasible:
        if len(contenders) == 1:  # the screening set every other candidate aside
            chosen = feasible[0]
            statement = f"{chosen.label} is the best of {where} within {zone} with 95% confidence"
        elif len(feasible) == 1:
            chosen = feasible[0]
            statement = (
                f"{chosen.label} is the only candidate still in contention that is shown to "
                f"meet the constraints (of {where})"
            )
        else:
            count = min(len(c.replications) for c in feasible)
            ranking = rank({c.label: c.values(goal.metric, count) for c in feasible}, goal.goal)
            by_label = {c.label: c for c in feasible}
            chosen = by_label[ranking[0].policy]
            ruled = len(evaluated) - len(feasible)
            if all(entry.status == "worse" for entry in ranking[1:]):
                statement = (
                    f"{chosen.label} is the best of {where} with 95% confidence "
                    f"(screening set aside {ruled}; simultaneous intervals after {count} "
                    f"replications rule out the other {len(feasible) - 1})"
                )
            else:
                close = [e for e in ranking if e.status != "worse"]
                within = all(e.vs_best_low is not None and e.vs_best_low >= -delta for e in close)
                names = "; ".join(e.policy for e in close)
                if within:
                    statement = (
                        f"these {len(close)} are within {zone} of the best of them with 95% "
                        f"confidence: {names} (the first has the best mean)"
                    )
                else:
                    why = (
                        "the budget ran out"
                        if outcome.reason == "budget"
                        else (f"{count} replications each")
                    )
                    statement = (
                        f"{len(close)} candidates could not be told apart within {zone} "
                        f"({why}): {names}; the first has the best mean; more replications "
                        "(--replications, --budget) or a wider --indifference would decide"
                    )
        if constraints:
            statement += (
                f"; the chosen meets {', '.join(str(k) for k in constraints)} with 95% confidence "
                f"({_constraint_text(chosen, constraints)})"
            )
            undecided = [
                c for c in contenders if c not in feasible and _mean(c, goal) > _mean(chosen, goal)
            ]
            if undecided:
                statement += (
                    f"; {len(undecided)} candidate(s) with a better {goal.metric} could not be "
                    "shown to meet the constraints"
                )
        statement += tail
    else:
        shown = [c for c in evaluated if status_of(c, constraints) == FEASIBLE]
        if shown:  # feasible ones were eliminated by candidates no longer shown feasible
            chosen = max(shown, key=lambda c: _mean(c, goal))
            statement = (
                f"{chosen.label} has the best mean {goal.metric} of the candidates shown to "
                f"meet {', '.join(str(k) for k in constraints)} with 95% confidence; no "
                "confidence that it is the best"
            )
        else:
            chosen = min(evaluated, key=lambda c: _miss(c, goal, constraints))
            noun = "constraint" if len(constraints) == 1 else "constraints"
            statement = (
                f"no candidate meets the {noun} {', '.join(str(k) for k in constraints)} with "
                f"95% confidence; the closest is {chosen.label} "
                f"({_constraint_text(chosen, constraints)})"
            )
    chosen.status = "chosen"
    # the next best candidates not shown infeasible, then the infeasible one that came closest
    others = sorted(
        (c for c in evaluated if c is not chosen and status_of(c, constraints) != INFEASIBLE),
        key=lambda c: _mean(c, goal),
        reverse=True,
    )[:RUNNERS_UP]
    missed = [c for c in evaluated if c is not chosen and status_of(c, constraints) == INFEASIBLE]
    if constraints and missed and len(others) < RUNNERS_UP + 1:
        others.append(min(missed, key=lambda c: _miss(c, goal, constraints)))
    runners = []
    for c in others:
        n = min(len(c.replications), len(chosen.replications))
        metrics = [goal.metric, *dict.fromkeys(k.metric for k in constraints)]
        runners.append(
            RunnerUp(
                dict(c.settings),
                {m: paired_difference(c.values(m, n), chosen.values(m, n)) for m in metrics},
            )
        )
    best = candidate_result(chosen, goal, constraints)
    return PolicyOptimum(
        policy=policy,
        goal=goal,
        constraints=constraints,
        indifference=delta,
        search=search,
        best=best,
        metrics=summarize_replications(chosen.replications).store,
        statement=statement,
        candidates=[candidate_result(c, goal, constraints) for c in evaluated],
        runners_up=runners,
        replications_used=used,
        replications_exhaustive=grid_size * full,
        full_replications=full,
        grid_size=grid_size,
    )


__all__ = ["ALPHA", "CandidateResult", "OptimizeResult", "PolicyOptimum", "RunnerUp", "answer"]
