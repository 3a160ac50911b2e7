"""The lazy line map (simulator/scenario/paths.py LazyLineMap) the fast YAML reader gives:
built by the first read or change through any dict method, and a plain dict when copied
or pickled."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

from simulator.scenario.paths import LazyLineMap

FULL: dict[tuple[Any, ...], tuple[str, int | None]] = {(): ("f", 1), ("a",): ("f", 1)}


def lazy() -> LazyLineMap:
    return LazyLineMap(lambda: dict(FULL))


@pytest.mark.parametrize(
    "use",
    [
        lambda m: m[("a",)],
        lambda m: m.get(("a",)),
        lambda m: ("a",) in m,
        lambda m: list(m),
        lambda m: list(reversed(m)),
        len,
        bool,
        lambda m: m.keys(),
        lambda m: m.values(),
        lambda m: m.items(),
        lambda m: dict(m),
        lambda m: {**m},
        lambda m: m == FULL,
        lambda m: FULL == m,  # noqa: SIM300 - the plain dict on the left
        lambda m: m != FULL,
        repr,
        lambda m: m.copy(),
        lambda m: m | {},
        lambda m: {} | m,
        lambda m: m.setdefault(("a",)),
        lambda m: {}.update(m),
    ],
)
def test_the_lazy_line_map_is_built_by_any_read(use: Any) -> None:
    lines = lazy()
    assert not lines.built
    use(lines)
    assert lines.built
    assert dict(lines.items()) == FULL


@pytest.mark.parametrize(
    "change",
    [
        lambda m: m.__setitem__(("b",), ("f", 2)),
        lambda m: m.update({("b",): ("f", 2)}),
        lambda m: m.__ior__({("b",): ("f", 2)}),
    ],
)
def test_the_lazy_line_map_is_built_before_a_change(change: Any) -> None:
    lines = lazy()
    change(lines)
    assert lines == {**FULL, ("b",): ("f", 2)}
    lines = lazy()
    del lines[("a",)]
    assert lines == {(): ("f", 1)}
    lines = lazy()
    assert lines.pop(("a",)) == ("f", 1) and lines.popitem() == ((), ("f", 1)) and not lines


def test_a_copy_or_pickle_of_the_lazy_line_map_is_a_plain_dict() -> None:
    for made in (copy.copy(lazy()), copy.deepcopy(lazy()), pickle.loads(pickle.dumps(lazy()))):
        assert type(made) is dict and made == FULL
