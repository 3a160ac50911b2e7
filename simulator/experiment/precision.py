"""Replications added in batches until the named 95% half-widths meet their targets.

Replication r of every policy always uses the r-th child seed (DESIGN §5), so a run that
stops at n replications holds exactly the numbers of a fixed run of n replications. The
loop runs on any executor: it only asks the :class:`~simulator.experiment.runner.Plan` for
more replications.

After each batch every target is checked; the run stops at the first check where all are
met, or at the cap. The next batch is sized from the widest miss: the half-width shrinks
like 1/sqrt(n), so n (reached / wanted)^2 replications should do, at least one more and at
most twice as many as so far. (Stopping on the data makes the final intervals' coverage
slightly below nominal, as for any sequential procedure; it approaches 95% as the targets
tighten.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from simulator.experiment.errors import ExperimentError
from simulator.experiment.result import RunResult
from simulator.experiment.runner import Plan, Progress, check_replications
from simulator.experiment.targets import PrecisionOutcome, PrecisionTarget, TargetCheck
from simulator.metrics.record import ReplicationMetrics
from simulator.statistics import paired_difference


def measure(
    result: RunResult, targets: Sequence[PrecisionTarget], paired: bool
) -> list[TargetCheck]:
    """Every target on every interval it applies to.

    ``paired``: each policy's paired difference against the baseline (the first policy),
    relative targets scaled by the baseline's mean; with a single policy, its own interval.
    Otherwise each policy's own interval, relative targets scaled by its own mean.
    """
    policies = list(result.policies.values())
    baseline = policies[0]
    checks: list[TargetCheck] = []
    for target in targets:
        metric = target.metric
        if paired and len(policies) > 1:
            base_mean = baseline.metrics[metric].mean
            for policy in policies[1:]:
                diff = paired_difference(policy.values(metric), baseline.values(metric))
                checks.append(
                    TargetCheck(
                        target,
                        f"{policy.name} - {baseline.name}",
                        target.absolute(base_mean),
                        diff.half_width,
                    )
                )
        else:
            for policy in policies:
                s = policy.metrics[metric]
                checks.append(
                    TargetCheck(target, policy.name, target.absolute(s.mean), s.half_width)
                )
    return checks


def _check_targets(checks: Sequence[TargetCheck], result: RunResult, paired: bool) -> None:
    """An ExperimentError for a relative target that can never be met: the mean it is
    relative to is 0 or undefined."""
    for check in checks:
        if check.wanted is None:
            target = check.target
            of = next(iter(result.policies)) if paired else check.subject
            raise ExperimentError(
                f"--precision {target}: the mean of {target.metric} for {of} is 0 or "
                f"undefined, so a relative target cannot be met; give a half-width in the "
                f"metric's units instead"
            )


def next_count(n: int, checks: Sequence[TargetCheck], cap: int) -> int:
    """How many replications to have after the next batch (see the module docstring)."""
    ratios = []
    for check in checks:
        if check.met:
            continue
        if check.reached is None or check.wanted is None or check.wanted == 0.0:
            ratios.append(math.inf)
        else:
            ratios.append(check.reached / check.wanted)
    worst = max(ratios, default=1.0)
    wanted = 2 * n if not math.isfinite(worst) else math.ceil(n * worst * worst)
    return min(cap, max(n + 1, min(wanted, 2 * n)))


def run_to_precision(
    plan: Plan,
    targets: Sequence[PrecisionTarget],
    *,
    start: int,
    max_replications: int,
    paired: bool,
    progress: Progress | None = None,
) -> RunResult:
    """Run ``start`` replications, then more in batches until every target is met or
    ``max_replications`` are run; the result carries a :class:`PrecisionOutcome`.

    Raises :class:`ExperimentError` when the cap is below ``start``.
    """
    check_replications(start)
    if max_replications < start:
        raise ExperimentError(
            f"--max-replications (={max_replications}) must be >= the replications to start "
            f"with (={start})"
        )
    grid: list[list[ReplicationMetrics]] = [[] for _ in plan.chosen]
    n, goal = 0, start
    history: list[int] = []
    with plan.runner:  # one Dask cluster for every batch
        while True:
            batch = plan.simulate(n, goal, progress, done_before=n * len(plan.chosen))
            for reps, more in zip(grid, batch, strict=True):
                reps.extend(more)
            n = goal
            history.append(n)
            result = plan.result(grid)
            checks = measure(result, targets, paired)
            _check_targets(checks, result, paired)
            if all(check.met for check in checks) or n >= max_replications:
                break
            goal = next_count(n, checks, max_replications)
    outcome = PrecisionOutcome(
        targets=tuple(targets),
        checks=tuple(checks),
        replications=n,
        max_replications=max_replications,
        history=tuple(history),
    )
    return replace(result, precision=outcome)
