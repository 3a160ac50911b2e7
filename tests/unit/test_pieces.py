"""One replication of a catalogue cut into pieces of independent parts, run as tasks: the
same metrics to the last bit as the whole model at once, in this process and on a process
pool; when the cut is made; and a part's model is freed once it is reduced.
(The Dask LocalCluster's run of the same catalogue is in test_dask.py.)"""

from __future__ import annotations

import itertools
import weakref
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pytest
from catalogue_fakes import PRODUCTS, catalogue

from simulator.experiment import parts, run_experiment
from simulator.experiment.executors import Batch, Task, split_target
from simulator.model import piecewise, simulation
from simulator.scenario import load_scenario
from simulator.streams import replication_seeds


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut even this small catalogue: a piece may hold a single product."""
    monkeypatch.setattr(parts, "MIN_PIECE_PRODUCTS", 1)


def test_pieces_in_any_order_give_exactly_the_whole_models_metrics() -> None:
    loaded = load_scenario(catalogue())
    assert len(piecewise.layout(loaded.scenario).groups) == 12
    for policy in loaded.policies:
        seed = replication_seeds(3, 2)[1]
        whole = simulation.run_model(simulation.build(policy.scenario, policy.backorder, seed))
        assert simulation.simulate(policy.scenario, policy.backorder, seed) == whole
        singles = [
            piecewise.run_piece(policy.scenario, policy.backorder, seed, k, k + 1)
            for k in reversed(range(12))
        ]
        assert piecewise.combine(policy.scenario, singles) == whole
        assert list(whole.products) == list(loaded.scenario.products)  # the scenario's order
        uneven = [
            piecewise.run_piece(policy.scenario, policy.backorder, seed, 0, 5),
            piecewise.run_piece(policy.scenario, policy.backorder, seed, 5, 12),
        ]
        assert piecewise.combine(policy.scenario, uneven) == whole


def test_a_missing_piece_is_an_error_never_a_smaller_store() -> None:
    loaded = load_scenario(catalogue())
    policy = loaded.policies[1]
    seed = replication_seeds(3, 1)[0]
    got = [piecewise.run_piece(policy.scenario, policy.backorder, seed, 0, 4)]
    with pytest.raises(ValueError, match="end at part 4, not at its last part"):
        piecewise.combine(policy.scenario, got)
    got.append(piecewise.run_piece(policy.scenario, policy.backorder, seed, 6, 12))
    with pytest.raises(ValueError, match="do not join at part 4"):
        piecewise.combine(policy.scenario, got)
    with pytest.raises(ValueError, match="not within"):
        piecewise.run_piece(policy.scenario, policy.backorder, seed, 5, 13)


def test_serial_pool_and_pieces_give_the_same_numbers(
    small_pieces: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One replication, two policies, two workers: the pool runs each replication as pieces
    (several tasks), and every number equals the serial run's."""
    loaded = load_scenario(catalogue())
    serial = run_experiment(loaded, executor="serial").to_dict()
    cuts: list[parts.Split] = []
    combined: list[Any] = []
    submitted: list[Any] = []
    split, combine, submit = parts.split, parts.Split.combine, ProcessPoolExecutor.submit

    def spy_split(*args: Any) -> parts.Split | None:
        cut = split(*args)
        if cut is not None:
            cuts.append(cut)
        return cut

    def spy_combine(self: parts.Split, results: Any) -> Any:
        combined.extend(results)
        return combine(self, results)

    def spy_submit(self: ProcessPoolExecutor, function: Any, *args: Any) -> Any:
        submitted.append(args[0])
        return submit(self, function, *args)

    monkeypatch.setattr(parts, "split", spy_split)
    monkeypatch.setattr(parts.Split, "combine", spy_combine)
    monkeypatch.setattr(ProcessPoolExecutor, "submit", spy_submit)
    pool = run_experiment(loaded, executor="process", workers=2).to_dict()
    assert pool == serial
    assert len(cuts) == 1
    # 2 tasks for 2 workers (target 8): each replication is cut into 4 pieces of ~3 products
    assert len(cuts[0].batches) == 8
    assert all(isinstance(chunk.simulate, parts.Piece) for chunk in submitted)
    assert len(submitted) == 8  # every piece its own task
    pieces = [outcome for _, _, outcome in combined]
    assert all(isinstance(piece, piecewise.PieceResult) for piece in pieces)
    assert sorted(len(piece.products) for piece in pieces) == [3, 3, 3, 3, 4, 4, 4, 4]


def test_replications_enough_for_the_workers_are_not_cut(
    small_pieces: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2 policies x 4 replications fill 2 workers' 8 chunks: nothing is cut."""
    loaded = load_scenario(catalogue(horizon_days=30, replications=4))
    cuts: list[parts.Split | None] = []
    split = parts.split
    monkeypatch.setattr(parts, "split", lambda *args: cuts.append(split(*args)) or cuts[-1])
    serial = run_experiment(loaded, executor="serial").to_dict()
    assert run_experiment(loaded, executor="process", workers=2).to_dict() == serial
    assert cuts == [None]


def _batch(scenario: Any, backorder: Any, replications: int, simulate: Any = None) -> Batch:
    seeds = replication_seeds(1, replications)
    tasks = tuple(Task(0, r, s) for r, s in enumerate(seeds))
    return Batch("p", scenario, backorder, tasks, simulate or simulation.simulate)


def test_the_rule_for_cutting(small_pieces: None) -> None:
    policy = load_scenario(catalogue()).policies[0]
    scenario, backorder = policy.scenario, policy.backorder
    # one worker: never cut
    assert parts.split([_batch(scenario, backorder, 1)], split_target(1)) is None
    # 1 task on 2 workers (target 8): 8 pieces; on 4 workers: 12, one per part (no more)
    assert len(parts.split([_batch(scenario, backorder, 1)], split_target(2)).batches) == 8
    assert len(parts.split([_batch(scenario, backorder, 1)], split_target(4)).batches) == 12
    # 3 tasks on 2 workers: ceil(8 / 3) = 3 pieces each; 8 tasks or more: not cut
    assert len(parts.split([_batch(scenario, backorder, 3)], split_target(2)).batches) == 3
    assert parts.split([_batch(scenario, backorder, 8)], split_target(2)) is None
    # a replaced model (a test's fake) is never cut
    fake = _batch(scenario, backorder, 1, simulate=lambda *args: None)
    assert parts.split([fake], split_target(2)) is None


def test_the_rule_in_products(monkeypatch: pytest.MonkeyPatch) -> None:
    """A piece holds at least MIN_PIECE_PRODUCTS products and at most about
    MAX_PIECE_PRODUCTS; a catalogue whose products all interact is one part, never cut."""
    scenario = load_scenario(catalogue()).scenario
    monkeypatch.setattr(parts, "MIN_PIECE_PRODUCTS", 5)
    assert parts.piece_count(scenario, tasks=1, target=8) == PRODUCTS // 5
    assert parts.piece_count(scenario, tasks=8, target=8) == 1
    monkeypatch.setattr(parts, "MIN_PIECE_PRODUCTS", 1)
    monkeypatch.setattr(parts, "MAX_PIECE_PRODUCTS", 4)
    assert parts.piece_count(scenario, tasks=100, target=8) == 4  # ceil(14 / 4)
    tied = load_scenario(
        catalogue(), ["suppliers.main.servers=2", "suppliers.workshop.servers=null"]
    ).scenario
    assert len(piecewise.layout(tied).groups) == 1
    assert parts.piece_count(tied, tasks=1, target=8) == 1


def test_pieces_hold_about_the_same_number_of_products() -> None:
    scenario = load_scenario(catalogue()).scenario
    sizes = [len(g) for g in piecewise.layout(scenario).groups]
    for count in range(1, 15):
        cut = parts.pieces(scenario, count)
        assert cut[0].first == 0 and cut[-1].stop == len(sizes)
        assert all(a.stop == b.first for a, b in itertools.pairwise(cut))
        assert len(cut) == min(count, len(sizes))
        held = [sum(sizes[p.first : p.stop]) for p in cut]
        assert max(held) - min(held) <= max(sizes)  # the part of three is never cut


def test_a_part_is_freed_once_reduced(monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory holds one part's model at a time: with the young generations collected after
    every product, part k - 1 is gone when part k is built (a part holds reference cycles,
    so only the collector frees it)."""
    policy = load_scenario(catalogue()).policies[1]
    monkeypatch.setattr(piecewise, "COLLECT_PRODUCTS", 1)
    alive: list[weakref.ref[Any]] = []
    build_part = piecewise.build_part

    def spy(*args: Any) -> simulation.Part:
        assert [ref() for ref in alive if ref() is not None] == []
        part = build_part(*args)
        alive.append(weakref.ref(part.env))  # in cycles with the part's processes
        return part

    monkeypatch.setattr(piecewise, "build_part", spy)
    result = simulation.simulate(policy.scenario, policy.backorder, np.random.SeedSequence(4))
    assert len(alive) == 12
    assert len(result.products) == PRODUCTS
    monkeypatch.setattr(piecewise, "COLLECT_PRODUCTS", 10**9)  # never collected: it fails
    alive.clear()
    with pytest.raises(AssertionError):
        simulation.simulate(policy.scenario, policy.backorder, np.random.SeedSequence(4))
