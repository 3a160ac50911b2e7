"""Compare policies: paired differences against the baseline, a ranking by the objective
(multiple comparisons with the best), a sentence per policy and a recommendation.

The numbers are those of ``run`` (the same replications); everything added is computed from
the per-replication values by :mod:`simulator.statistics`, and worded by
:mod:`simulator.experiment.wording`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulator.experiment.errors import ExperimentError, did_you_mean
from simulator.experiment.precision import run_to_precision
from simulator.experiment.rendering import render
from simulator.experiment.result import PolicyResult, RunResult
from simulator.experiment.runner import Plan, Progress, check_replications
from simulator.experiment.targets import DEFAULT_MAX_REPLICATIONS, PrecisionTarget
from simulator.experiment.wording import baseline_sentence, policy_sentence, recommendation
from simulator.metrics.record import STORE_METRICS, is_money
from simulator.metrics.summary import Summary
from simulator.statistics import (
    GOALS,
    RankEntry,
    is_clear,
    paired_difference,
    rank,
    relative_difference,
)

if TYPE_CHECKING:
    from simulator.experiment.executors import SimulateFn
    from simulator.scenario import LoadedScenario


@dataclass(frozen=True)
class Objective:
    """What the ranking ranks by: a store-level metric and whether more is better."""

    metric: str
    """A store-level metric name (DESIGN §2)."""
    goal: str
    """``"max"`` (larger is better) or ``"min"``."""

    def __post_init__(self) -> None:
        if self.metric not in STORE_METRICS:
            raise ExperimentError(
                f"objective: unknown metric {self.metric!r}"
                f"{did_you_mean(self.metric, STORE_METRICS)}"
            )
        if self.goal not in GOALS:
            raise ExperimentError(
                f"objective {self.metric}: goal must be 'max' or 'min', got {self.goal!r}"
            )

    def to_dict(self) -> dict[str, str]:
        """The JSON form: ``{"metric", "goal"}``."""
        return {"metric": self.metric, "goal": self.goal}


def parse_objective(spec: str) -> Objective:
    """``"profit:max"`` or ``"mean_wait_days:min"`` as an :class:`Objective`."""
    metric, sep, goal = spec.partition(":")
    if not sep or not metric.strip():
        raise ExperimentError(f"--objective: expected METRIC:max or METRIC:min, got {spec!r}")
    return Objective(metric.strip(), goal.strip())


@dataclass(frozen=True)
class CompareResult:
    """A run and what it says about the policies: differences, ranking and words."""

    run: RunResult
    """Every policy's own summaries, as ``run`` gives them."""
    baseline: str
    """The first policy of the run: what differences are taken against."""
    objective: Objective
    """What the ranking ranks by."""
    differences: dict[str, dict[str, Summary]]
    """Per policy but the baseline, per store-level metric: the paired difference
    policy - baseline over the replications where both are defined."""
    relative_differences: dict[str, dict[str, Summary | None]]
    """Per policy but the baseline, per money metric: the paired difference divided by
    the baseline mean's magnitude (a fraction; None when that mean is 0 or undefined)."""
    ranking: list[RankEntry]
    """Best first, with simultaneous intervals against the best other policy."""
    clear: bool
    """True when every policy but the first is "worse"."""
    sentences: dict[str, str]
    """Per policy (the baseline too), a sentence a planner can paste into an email."""
    recommendation: str
    """One paragraph: which policy to use, and how sure that is."""

    @property
    def policies(self) -> dict[str, PolicyResult]:
        """The run's policies (as ``run`` gives them)."""
        return self.run.policies

    def __repr__(self) -> str:
        best = self.ranking[0].policy if self.ranking else None
        return (
            f"CompareResult(scenario={self.run.scenario!r}, baseline={self.baseline!r}, "
            f"objective={self.objective.metric}:{self.objective.goal}, best={best!r}, "
            f"clear={self.clear}, replications={self.run.replications})"
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``compare --format json`` (DESIGN §4): the run document plus
        ``baseline``, ``objective``, ``differences``, ``ranking``, ``clear``, ``sentences``
        and ``recommendation``; and ``relative_differences`` for the money metrics."""

        def plain(s: Summary | None) -> dict[str, float | int | None] | None:
            return None if s is None else s.to_dict()

        return {
            **self.run.to_dict(),
            "baseline": self.baseline,
            "objective": self.objective.to_dict(),
            "differences": {
                name: {metric: s.to_dict() for metric, s in diffs.items()}
                for name, diffs in self.differences.items()
            },
            "relative_differences": {
                name: {metric: plain(s) for metric, s in diffs.items()}
                for name, diffs in self.relative_differences.items()
            },
            "ranking": [entry.to_dict() for entry in self.ranking],
            "clear": self.clear,
            "sentences": dict(self.sentences),
            "recommendation": self.recommendation,
        }

    # Conveniences for notebooks, rendered by the reporting layer (see RunResult).

    def table(self, *, width: int | None = None) -> str:
        """The comparison as ``backorder-sim compare`` prints it, in plain text."""
        text: str = render(self, "table", width=width)
        return text

    def to_json(self) -> str:
        """The JSON text ``compare --format json`` prints."""
        text: str = render(self, "json")
        return text

    def _repr_html_(self) -> str:
        """The recommendation, ranking and paired differences as HTML (Jupyter shows it)."""
        text: str = render(self, "html")
        return text

    def to_frame(self) -> Any:
        """The paired differences against the baseline as a pandas DataFrame, one row per
        policy and metric (``policy, metric, mean, sd, ci95_low, ci95_high, n``). Needs
        pandas (the ``frames`` extra); ``result.run.to_frame()`` has the levels."""
        return render(self, "frame")


def compare_result(run: RunResult, objective: Objective) -> CompareResult:
    """What ``run`` says about its policies, ranked by ``objective``."""
    if not run.policies:
        raise ExperimentError("no policy to compare")
    names = list(run.policies)
    baseline = run.policies[names[0]]
    differences: dict[str, dict[str, Summary]] = {}
    relative: dict[str, dict[str, Summary | None]] = {}
    for name in names[1:]:
        policy = run.policies[name]
        diffs = {
            metric: paired_difference(policy.values(metric), baseline.values(metric))
            for metric in policy.metrics
        }
        differences[name] = diffs
        relative[name] = {
            metric: relative_difference(diff, baseline.metrics[metric])
            for metric, diff in diffs.items()
            if is_money(metric)
        }
    ranking = rank(run.values(objective.metric), objective.goal)
    sentences = {
        baseline.name: baseline_sentence(baseline.name, objective.metric, baseline.metrics)
    }
    for name in names[1:]:
        sentences[name] = policy_sentence(
            name,
            baseline.name,
            objective.metric,
            run.policies[name].metrics,
            differences[name],
            relative[name],
        )
    best = run.policies[ranking[0].policy]
    waits = {
        entry.policy: paired_difference(
            best.values("mean_wait_days"), run.policies[entry.policy].values("mean_wait_days")
        )
        for entry in ranking[1:]
        if entry.status == "contender"
    }
    paragraph = recommendation(
        ranking,
        objective.metric,
        objective.goal,
        {name: policy.metrics for name, policy in run.policies.items()},
        waits,
    )
    return CompareResult(
        run=run,
        baseline=baseline.name,
        objective=objective,
        differences=differences,
        relative_differences=relative,
        ranking=ranking,
        clear=is_clear(ranking),
        sentences=sentences,
        recommendation=paragraph,
    )


def compare_experiment(
    loaded: LoadedScenario,
    *,
    objective: Objective | None = None,
    policies: Sequence[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    executor: str = "process",
    workers: int | None = None,
    precision: Sequence[PrecisionTarget] = (),
    max_replications: int | None = None,
    progress: Progress | None = None,
    simulate: SimulateFn | None = None,
    scheduler: str | None = None,
) -> CompareResult:
    """Run the policies (as :func:`~simulator.experiment.runner.run_experiment`) and compare
    them. ``objective`` defaults to the scenario's ``objective:``. With ``precision``
    targets, replications are added until every policy's paired difference to the baseline
    on each named metric has a half-width within its target, or ``max_replications``
    (default :data:`DEFAULT_MAX_REPLICATIONS`) are run.
    """
    if objective is None:
        objective = Objective(loaded.scenario.objective.metric, loaded.scenario.objective.goal)
    plan = Plan.make(loaded, policies, seed, executor, workers, simulate, scheduler)
    count = loaded.scenario.replications if replications is None else replications
    check_replications(count)
    if precision:
        cap = DEFAULT_MAX_REPLICATIONS if max_replications is None else max_replications
        run = run_to_precision(
            plan, precision, start=count, max_replications=cap, paired=True, progress=progress
        )
    else:
        if max_replications is not None:
            raise ExperimentError("--max-replications needs at least one --precision target")
        run = plan.result(plan.simulate(0, count, progress))
    return compare_result(run, objective)
