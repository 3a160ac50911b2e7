"""Numbers the model cannot run are refused with the range; a stalled run stops (regressions
of the red-team pass, issue 14)."""

from __future__ import annotations

import copy
import math
from collections.abc import Generator
from typing import Any

import numpy as np
import pytest
from simpy.events import Event

from simulator.experiment.errors import ExperimentError
from simulator.model import clock as prio
from simulator.model import simulation
from simulator.model.customers import RateSchedule
from simulator.scenario import ScenarioError, load_scenario
from simulator.scenario.errors import show_value
from simulator.scenario.schema import Backorder, Scenario, Seasonality

BASE: dict[str, Any] = {
    "name": "t",
    "horizon_days": 30,
    "replications": 2,
    "products": {
        "w": {
            "price": 10,
            "initial_on_hand": 10,
            "demand": {"rate_per_day": 4},
            "replenishment": {"policy": "rQ", "reorder_point": 5, "order_quantity": 10},
        }
    },
    "suppliers": {"a": {"lead_time_days": 3}},
    "policies": [{"name": "p", "backorder": {"allow": True}}],
}


def with_value(path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    node = data
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[keys[-1]] = value
    return data


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(data)
    return [str(p) for p in info.value.problems]


INF, NAN = math.inf, math.nan


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("products.w.price", INF, "products.w.price: must be a number >= 0 and <= 1e+09, got inf"),
        ("products.w.price", NAN, "products.w.price: must be a number >= 0 and <= 1e+09, got nan"),
        ("products.w.price", 10**400, "<= 1e+09, got 1.00e+400"),
        ("products.w.holding_cost_per_unit_day", 1e308, "<= 1e+09, got 1e+308"),
        ("horizon_days", 1e9, "horizon_days: must be a number > 0 and <= 1e+06, got 1000000000.0"),
        ("replications", 10**7, "replications: must be a whole number >= 1 and <= 1000000"),
        ("seed", 10**30, "seed: must be a whole number >= 0 and <= 18446744073709551615"),
        ("products.w.demand.rate_per_day", 5e-324, "must be 0 or at least 1e-06 orders a day"),
        ("products.w.demand.rate_per_day", INF, "rate_per_day: must be a number >= 0 and <= 1e+06"),
        ("products.w.initial_on_hand", 10**30, "must be a whole number >= 0 and <= 1000000000"),
        ("products.w.replenishment.reorder_point", -(10**16), "got -1.00e+16"),
        ("products.w.replenishment.review_period_days", 5e-324, "must be a number >= 0.001"),
        ("suppliers.a.lead_time_days", INF, "lead_time_days.value: must be a number"),
        ("suppliers.a.unit_cost", NAN, "unit_cost: must be a number >= 0 and <= 1e+09, got nan"),
        ("suppliers.a.servers", 10**9, "servers: must be a whole number >= 1 and <= 1000000"),
        (
            "suppliers.a.lead_time_days",
            {"dist": "gamma", "mean": 5, "sd": 5e-324},
            "lead_time_days.sd: must be a number >= 1e-06",
        ),
        (
            "suppliers.a.lead_time_days",
            {"dist": "exponential", "mean": 2, "min": 60},
            "lead_time_days.min: the bounds keep only 9.4e-14 of the distribution's mass",
        ),
        (
            "suppliers.a.disruptions",
            {"every_days": 0, "duration_days": 0},
            "disruptions.every_days: the mean up time plus the mean outage must be at least 0.001",
        ),
        (
            "products.w.demand.seasonality",
            [{"start_day": 0, "end_day": 1e-300, "multiplier": 2, "repeat_every_days": 2e-300}],
            "repeat_every_days: must be a number >= 0.001",
        ),
        (
            "policies.0.backorder",
            {"allow": True, "quote_eta": True, "delay_updates": True, "eta_update_min_days": 1e-9},
            "eta_update_min_days: must be a number >= 0.001",
        ),
    ],
)
def test_numbers_the_model_cannot_run_are_refused(path: str, value: Any, message: str) -> None:
    found = problems(with_value(path, value))
    assert any(message in line for line in found), found


def test_the_documented_message_for_a_word_keeps_its_form() -> None:
    found = problems(with_value("products.w.replenishment.order_quantity", "ten"))
    assert found == [
        '<dict>: products.w.replenishment.order_quantity: must be a whole number >= 1, got "ten"'
    ]


def test_huge_integers_are_shown_short() -> None:
    assert show_value(10**5000) == "1.00e+5000"
    assert show_value(-(10**16)) == "-1.00e+16"
    assert show_value(123) == "123"


# -- windows as long as their period ---------------------------------------------------------


def window(start: float, end: float, repeat: float) -> Seasonality:
    return Seasonality(start_day=start, end_day=end, multiplier=0.0, repeat_every_days=repeat)


def test_a_window_as_long_as_its_period_up_to_rounding_is_always_on() -> None:
    # 0.1 + 0.2 is 0.30000000000000004: the window is "as long as its period" up to rounding
    for w in (window(0.1, 0.1 + 0.2, 0.2), window(0.0, 7.0, 7.0), window(5.0, 12.0, 7.0)):
        assert w.always_on
        schedule = RateSchedule(3.0, [w])
        # multiplier 0 forever once the window starts: no arrival, and no endless loop
        assert schedule.advance(w.start_day, 1.0, horizon=1e6) == math.inf
    assert not window(0.0, 6.9, 7.0).always_on


def test_a_window_longer_than_its_period_is_refused() -> None:
    data = with_value(
        "products.w.demand.seasonality",
        [{"start_day": 0, "end_day": 7.1, "multiplier": 2, "repeat_every_days": 7}],
    )
    assert any("must be at least the window length" in line for line in problems(data))


def test_zero_rate_windows_forever_end_at_the_horizon() -> None:
    # two complementary windows with multiplier 0: the rate is 0 at all times
    windows = [window(0.0, 0.5, 1.0), window(0.5, 1.0, 1.0)]
    assert RateSchedule(2.0, windows).advance(0.0, 1.0, horizon=1000.0) == math.inf
    loaded = load_scenario(
        with_value(
            "products.w.demand.seasonality",
            [
                {"start_day": 0, "end_day": 0.5, "multiplier": 0, "repeat_every_days": 1},
                {"start_day": 0.5, "end_day": 1, "multiplier": 0, "repeat_every_days": 1},
            ],
        )
    )
    metrics = simulation.simulate(
        loaded.scenario, loaded.policies[0].backorder, np.random.SeedSequence(1)
    )
    assert metrics.store["units_demanded"] == 0


# -- the watchdog ----------------------------------------------------------------------------


def _stuck(clock: Any) -> Generator[Event, Any, None]:
    """A process that keeps scheduling disruption changes at the same instant."""
    while True:
        yield clock.at(clock.env.now, prio.DISRUPTION)


def test_the_watchdog_stops_a_replication_whose_clock_does_not_move(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(simulation, "WATCH_EVENTS", 2_000)
    scenario = Scenario.model_validate(
        with_value("suppliers.a.disruptions", [{"start_day": 1, "end_day": 2}])
    )
    model = simulation.build(scenario, Backorder(allow=True), np.random.SeedSequence(3))
    part = model.parts[0]
    part.clock.call(5.0, prio.DISRUPTION, lambda _: part.env.process(_stuck(part.clock)))
    with pytest.raises(simulation.ModelStalled) as info:
        simulation.run_part(part)
    message = str(info.value)
    assert "without its clock moving past day 5" in message
    assert "suppliers.a.disruptions" in message


def _stalling_simulate(scenario: Scenario, backorder: Backorder, seed: Any) -> Any:
    raise simulation.ModelStalled("the simulation made 10 events without its clock moving")


def test_a_stalled_replication_is_a_clear_experiment_error() -> None:
    from simulator.experiment.runner import run_experiment

    loaded = load_scenario(BASE)
    with pytest.raises(ExperimentError, match=r"without its clock moving .*policy 'p'"):
        run_experiment(loaded, executor="serial", simulate=_stalling_simulate)


def test_the_watchdog_leaves_a_normal_run_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simulation, "WATCH_EVENTS", 1)  # checks after every few events
    loaded = load_scenario(BASE)
    metrics = simulation.simulate(
        loaded.scenario, loaded.policies[0].backorder, np.random.SeedSequence(1)
    )
    assert metrics.store["units_demanded"] > 0
