"""The size check: the work and memory of a run are estimated from the scenario, and absurd
runs are refused before they start (issue 14)."""

from __future__ import annotations

import pytest

from simulator.experiment import limits
from simulator.experiment.errors import ExperimentError
from simulator.experiment.runner import run_experiment
from simulator.scenario import load_scenario

DATA = {
    "name": "t",
    "horizon_days": 200,
    "replications": 4,
    "products": {
        "w": {
            "price": 1,
            "demand": {
                "rate_per_day": 5,
                "seasonality": [
                    {"start_day": 0, "end_day": 50, "multiplier": 3, "repeat_every_days": 100}
                ],
            },
            "replenishment": {
                "policy": "rQ",
                "reorder_point": 5,
                "order_quantity": 10,
                "review_period_days": 2,
            },
        }
    },
    "suppliers": {
        "a": {
            "lead_time_days": 1,
            "disruptions": {"every_days": 30, "duration_days": 10},
        }
    },
    "policies": [{"name": "p"}, {"name": "q", "backorder": {"allow": True}}],
}


def test_the_event_count_follows_the_scenario() -> None:
    loaded = load_scenario(DATA)
    runs = [(p.scenario, p.backorder) for p in loaded.policies]
    found = limits.estimate(runs, replications=4, workers=1)
    # computed by hand: half the time at 3x the rate, so 5 * 2 * 200 = 2000 customers;
    # 101 reviews; 2 events per replenishment of 10 units: 400; 2 per outage of 40 days: 10
    per_replication = 2000 + 101 + 400 + 10
    assert found.events == pytest.approx(4 * 2 * per_replication)
    assert "4 replications x 2 policies x 1 products x 200 days x 5 orders/day" in found.detail


def test_an_absurd_run_is_refused_with_its_estimate() -> None:
    loaded = load_scenario(DATA)
    with pytest.raises(ExperimentError) as info:
        run_experiment(loaded, replications=10**7, executor="serial")
    message = str(info.value)
    assert message.startswith("this run is too large: about 5e+10 events")
    assert "more than 2.0 h" in message and "--force" in message
    assert "\n" not in message


def test_force_skips_the_check() -> None:
    found = limits.Estimate(1e12, 1e9, 1e15, 2, "x")
    limits.check_size(found, force=True)
    with pytest.raises(ExperimentError, match="more memory than this machine has"):
        limits.check_size(found)


def test_the_bound_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    small = limits.Estimate(1e6, 600.0, 1e6, 1, "x")
    limits.check_size(small)
    monkeypatch.setenv(limits.MAX_HOURS_VARIABLE, "0.1")
    with pytest.raises(ExperimentError, match="more than 6 min"):
        limits.check_size(small)
    monkeypatch.setenv(limits.MAX_HOURS_VARIABLE, "lots")
    with pytest.raises(ExperimentError, match="must be a number of hours"):
        limits.check_size(small)


def test_workers_are_capped_at_the_cpu_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "cpu_count", lambda: 2)
    assert limits.capped_workers(None) == (None, None)
    assert limits.capped_workers(2) == (2, None)
    workers, note = limits.capped_workers(1000)
    assert workers == 2 and note is not None and "capped at the 2 CPUs" in note
    assert limits.capped_workers(1000, force=True) == (1000, None)


def test_a_long_run_gets_its_estimate_before_the_progress_bar(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from simulator.cli.common import long_run_note

    loaded = load_scenario(DATA)
    long_run_note(loaded, (), 4, "serial", None, False)
    assert capsys.readouterr().err == ""  # a second or so: nothing to say
    long_run_note(loaded, ("q",), 200_000, "serial", None, False)
    err = capsys.readouterr().err
    assert err.startswith("estimate: about 5e+08 events (200,000 replications x 1 policies")
    found = limits.estimate_run(loaded, policies=["q"], replications=200_000, executor="serial")
    assert found.events == pytest.approx(200_000 * 2511)
