"""The experiment runner: common random numbers, executors that agree, policy selection."""

from __future__ import annotations

import multiprocessing
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from simulator.experiment import ExperimentError, RunResult, executors, get_executor, run_experiment
from simulator.experiment.executors import EXECUTORS, Batch, Task
from simulator.metrics.record import STORE_METRICS, SUPPLIER_METRICS, ReplicationMetrics
from simulator.scenario.schema import Backorder, Scenario
from simulator.streams import replication_seeds

SCENARIO = {
    "name": "tiny",
    "seed": 7,
    "horizon_days": 30,
    "warmup_days": 5,
    "replications": 6,
    "products": {
        "widget": {
            "price": 10,
            "demand": {"rate_per_day": 2},
            "replenishment": {"policy": "base_stock", "level": 5},
        },
        "gadget": {
            "price": 25,
            "demand": {"rate_per_day": 1},
            "replenishment": {"policy": "base_stock", "level": 3},
        },
    },
    "suppliers": {"acme": {"lead_time_days": 2, "unit_cost": 4}, "quickco": {"lead_time_days": 1}},
    "sourcing": {"suppliers": ["acme"]},
    "policies": [
        {"name": "lost-sales"},
        {"name": "backorder-all", "backorder": {"allow": True}},
        {"name": "honest-eta", "backorder": {"allow": True, "quote_eta": True}},
    ],
}


@dataclass
class FakePolicy:
    """Stands in for the loader's ResolvedPolicy."""

    name: str
    backorder: Backorder
    scenario: Scenario


@dataclass
class FakeLoaded:
    """Stands in for the loader's LoadedScenario."""

    scenario: Scenario
    policies: list[FakePolicy]
    source: str = "<test>"
    raw: dict[str, Any] = field(default_factory=dict)


def loaded(**changes: Any) -> FakeLoaded:
    scenario = Scenario.model_validate({**SCENARIO, **changes})
    return FakeLoaded(
        scenario=scenario,
        policies=[FakePolicy(p.name, p.backorder, scenario) for p in scenario.policies],
    )


def fake_simulate(
    scenario: Scenario, backorder: Backorder, seed: np.random.SeedSequence
) -> ReplicationMetrics:
    """Deterministic in (seed, policy); spawns from the seed like a real model might."""
    rng = np.random.default_rng(seed.spawn(1)[0])
    x = float(rng.random())
    bonus = 0.1 if backorder.allow else 0.0
    store: dict[str, float | None] = {m: None for m in STORE_METRICS}
    store["fill_rate"] = x * 0.8 + bonus
    store["revenue"] = 1000.0 * x + 10.0
    store["mean_wait_days"] = None if x < 0.4 else 3.0 * x
    store["units_demanded"] = float(seed.spawn_key[-1])  # the replication number
    products = {pid: dict(store) for pid in scenario.products}
    suppliers: dict[str, dict[str, float | None]] = {
        sid: {m: float(i + 1) * x for m in SUPPLIER_METRICS}
        for i, sid in enumerate(scenario.suppliers)
    }
    return ReplicationMetrics(store=store, products=products, suppliers=suppliers)


def failing_simulate(
    scenario: Scenario, backorder: Backorder, seed: np.random.SeedSequence
) -> ReplicationMetrics:
    if backorder.quote_eta:
        raise ValueError("model bug")
    return fake_simulate(scenario, backorder, seed)


def interrupted_simulate(
    scenario: Scenario, backorder: Backorder, seed: np.random.SeedSequence
) -> ReplicationMetrics:
    raise KeyboardInterrupt


def run(**options: Any) -> RunResult:
    options.setdefault("simulate", fake_simulate)
    options.setdefault("executor", "serial")
    return run_experiment(loaded(), **options)  # type: ignore[arg-type]


def test_serial_and_process_executors_give_identical_results() -> None:
    reference = run(executor="serial")
    for options in ({"workers": 1}, {"workers": 2}, {"workers": 3}, {}):
        other = run(executor="process", **options)
        assert other.to_dict() == reference.to_dict(), options
        for name, policy in reference.policies.items():
            assert other.policies[name].replications == policy.replications


def test_results_depend_on_the_seed() -> None:
    assert run(seed=1).to_dict() != run(seed=2).to_dict()
    assert run(seed=1).to_dict() == run(seed=1).to_dict()


def test_replication_r_of_every_policy_uses_the_rth_child_seed() -> None:
    result = run(replications=4, seed=11)
    expected = [fake_simulate(loaded().scenario, Backorder(), s) for s in replication_seeds(11, 4)]
    lost = result.policies["lost-sales"].replications
    assert [rep.store for rep in lost] == [rep.store for rep in expected]
    # Common random numbers: the same draws, whatever the policy.
    for name in ("backorder-all", "honest-eta"):
        reps = result.policies[name].replications
        assert [rep.store["revenue"] for rep in reps] == [rep.store["revenue"] for rep in lost]
        assert [rep.store["units_demanded"] for rep in reps] == [0.0, 1.0, 2.0, 3.0]


def test_defaults_come_from_the_scenario() -> None:
    result = run()
    assert (result.scenario, result.seed, result.replications) == ("tiny", 7, 6)
    assert result.window_days == 25.0
    assert list(result.policies) == ["lost-sales", "backorder-all", "honest-eta"]


def test_to_dict_has_the_design_shape() -> None:
    data = run(replications=3).to_dict()
    assert list(data) == ["scenario", "seed", "replications", "window_days", "policies"]
    policy = data["policies"]["backorder-all"]
    assert list(policy) == ["metrics", "products", "suppliers"]
    assert list(policy["metrics"]) == list(STORE_METRICS)
    assert list(policy["metrics"]["fill_rate"]) == ["mean", "sd", "ci95_low", "ci95_high", "n"]
    assert list(policy["products"]) == ["widget", "gadget"]
    assert list(policy["products"]["widget"]) == ["metrics"]
    assert list(policy["suppliers"]["quickco"]["metrics"]) == list(SUPPLIER_METRICS)
    assert policy["metrics"]["profit"] == {
        "mean": None,
        "sd": None,
        "ci95_low": None,
        "ci95_high": None,
        "n": 0,
    }


def test_named_policies_run_in_scenario_order() -> None:
    result = run(policies=["honest-eta", "lost-sales", "honest-eta"])
    assert list(result.policies) == ["lost-sales", "honest-eta"]


def test_unknown_policy_names_it_and_the_known_ones() -> None:
    with pytest.raises(ExperimentError) as info:
        run(policies=["honest-et"])
    message = str(info.value)
    assert "'honest-et'" in message
    assert "did you mean 'honest-eta'" in message
    assert "lost-sales, backorder-all, honest-eta" in message


def test_no_policy_selected_is_an_error() -> None:
    with pytest.raises(ExperimentError, match="no policy"):
        run(policies=[])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"replications": 0}, r"replications \(=0\) must be >= 1"),
        ({"seed": -1}, r"seed \(=-1\) must be >= 0"),
        ({"workers": 0, "executor": "process"}, r"workers \(=0\) must be >= 1"),
        ({"executor": "serial", "scheduler": "tcp://127.0.0.1:1"}, "--scheduler is for"),
        ({"executor": "proces"}, "did you mean 'process'"),
    ],
)
def test_bad_options(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ExperimentError, match=message):
        run(**options)


def test_executor_registry() -> None:
    assert set(EXECUTORS) == {"serial", "process"}  # and "dask", imported when chosen
    assert get_executor("process", 2).workers == 2


def test_progress_reports_every_task_up_to_the_total() -> None:
    for executor in ("serial", "process"):
        seen: list[tuple[int, int]] = []
        run(executor=executor, workers=2, progress=lambda d, t, seen=seen: seen.append((d, t)))
        assert seen[-1] == (18, 18)
        assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def sleepy_simulate(
    scenario: Scenario, backorder: Backorder, seed: np.random.SeedSequence
) -> ReplicationMetrics:
    time.sleep(0.05)
    return fake_simulate(scenario, backorder, seed)


def test_process_progress_moves_one_replication_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each worker reports every replication as it ends, not only its whole chunk: with one
    chunk of 9 replications per worker, progress starts long before a chunk is done."""
    monkeypatch.setattr(executors, "CHUNKS_PER_WORKER", 1)
    start = time.perf_counter()
    seen: list[tuple[int, int, float]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total, time.perf_counter() - start))

    run(executor="process", workers=2, simulate=sleepy_simulate, progress=progress)
    assert [(d, t) for d, t, _ in seen] == [(k, 18) for k in range(1, 19)]
    first, last = seen[0][2], seen[-1][2]
    assert first < 0.5 * last  # per chunk, the first report would come with the first chunk


def test_a_failing_replication_says_where() -> None:
    for executor in ("serial", "process"):
        with pytest.raises(ValueError, match="model bug") as info:
            run(executor=executor, workers=2, simulate=failing_simulate)
        assert any("honest-eta" in note for note in info.value.__notes__)
    assert multiprocessing.active_children() == []


def test_interrupt_shuts_the_pool_down() -> None:
    with pytest.raises(KeyboardInterrupt):
        run(executor="process", workers=2, simulate=interrupted_simulate)
    assert multiprocessing.active_children() == []


def test_batch_split_keeps_order() -> None:
    scenario = loaded().scenario
    seeds = replication_seeds(1, 5)
    batch = Batch(
        name="p",
        scenario=scenario,
        backorder=Backorder(),
        tasks=tuple(Task(0, r, s) for r, s in enumerate(seeds)),
        simulate=fake_simulate,
    )
    parts = batch.split(2)
    assert [len(p.tasks) for p in parts] == [2, 2, 1]
    assert [t.replication for p in parts for t in p.tasks] == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError):
        batch.split(0)


# the library API (real loader and model, tiny scenario)


TINY_RUN = {
    **SCENARIO,
    "horizon_days": 40,
    "products": {"widget": SCENARIO["products"]["widget"]},  # type: ignore[index]
    "policies": SCENARIO["policies"][:2],  # type: ignore[index]
}


def test_api_run_from_a_mapping_and_from_a_loaded_scenario() -> None:
    from simulator import load_scenario
    from simulator import run as api_run

    result = api_run(TINY_RUN, executor="serial", replications=2)
    assert isinstance(result, RunResult)
    assert list(result.policies) == ["lost-sales", "backorder-all"]
    assert result.to_dict()["policies"]["lost-sales"]["metrics"]["fill_rate"]["n"] == 2
    assert "fill_rate" in result.table()

    loaded_scenario = load_scenario(TINY_RUN, ["seed=11"])
    again = api_run(loaded_scenario, executor="serial", replications=2)
    assert again.seed == 11
    with pytest.raises(ValueError, match="sets are applied when loading"):
        api_run(loaded_scenario, sets=["seed=3"])


def test_package_exports() -> None:
    import simulator

    assert set(simulator.__all__) >= {"load_scenario", "run", "RunResult", "ScenarioError"}
    assert simulator.RunResult is RunResult
    assert isinstance(simulator.__version__, str)
    with pytest.raises(AttributeError):
        _ = simulator.nothing_here


def test_batches_split_into_nearly_equal_parts() -> None:
    from simulator.experiment.executors import Batch, Task

    tasks = tuple(Task(0, r, np.random.SeedSequence(r)) for r in range(20))
    batch = Batch("p", None, None, tasks, None)  # type: ignore[arg-type]
    sizes = [len(part.tasks) for part in batch.parts(8)]
    assert sizes == [3, 3, 3, 3, 2, 2, 2, 2]
    assert [t.replication for part in batch.parts(8) for t in part.tasks] == list(range(20))
    assert len(batch.parts(50)) == 20
    with pytest.raises(ValueError):
        batch.parts(0)
