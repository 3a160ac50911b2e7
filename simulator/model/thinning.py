"""Thinning: which potential customers order, with goodwill G (DESIGN.md §1, Goodwill).

Each potential customer draws a uniform from the product's own ``goodwill`` stream, turned
into a key when their arrival time is read (see :mod:`simulator.model.goodwill`); they order
iff their key beats the level's threshold at that moment. A run of plain customers is
booked in one step as without goodwill: the potential customers whose key beats the
threshold are the run, and promises that pass during the run (the run ships nothing, so
they pass unfilled) change the threshold as they pass.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from itertools import compress
from typing import TYPE_CHECKING

import numpy as np

from simulator.metrics.ledger import ON_TIME_TOLERANCE
from simulator.model.customers import ArrivalQueue, CustomerSource
from simulator.model.goodwill import NEVER_LOWER, GoodwillLevel
from simulator.scenario.schema import Goodwill
from simulator.streams import RandomStreams

if TYPE_CHECKING:
    from simulator.model.store import Store


class KeyedArrivals(ArrivalQueue):
    """An arrival queue that also holds each potential customer's goodwill key (a NumPy
    array beside the list of times: keys are compared in bulk, rarely one by one)."""

    __slots__ = ("_level", "_new", "_rng", "keys")

    def __init__(
        self, blocks: Iterator[np.ndarray], level: GoodwillLevel, rng: np.random.Generator
    ) -> None:
        self._level = level
        self._rng = rng
        self.keys = np.empty(0)
        """``keys[i]`` belongs to the customer at ``times[i]``."""
        self._new = self.keys
        super().__init__(self._keyed(blocks))

    def _keyed(self, blocks: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
        """The blocks of arrival times, each drawing one uniform per potential customer."""
        for block in blocks:
            self._new = self._level.keys(block, self._rng.random(len(block)))
            yield block

    def _more(self) -> bool:
        pos = self.pos
        more = super()._more()
        if more:
            # the served prefix of the times may have been dropped: drop its keys too
            kept = self.keys if self.pos == pos else self.keys[pos:]
            self.keys = np.concatenate((kept, self._new))
        return more


class Thinning:
    """The potential customers of one product, each ordering with probability G."""

    def __init__(
        self, source: CustomerSource, level: GoodwillLevel, streams: RandomStreams, pid: str
    ) -> None:
        self.source = source
        self.store: Store = source.store
        self.level = level
        self.rng = streams.generator("product", pid, "goodwill")
        self.plain = source.plain
        """Whether the product's customers draw nothing (runs of them may be booked)."""
        self.shared = False
        """Whether the level is shared with other products of the part (``scope: store``)."""
        source.plain = False  # the customer process hands every customer to serve()
        source.thinning = self

    def queue(self) -> KeyedArrivals:
        """The arrival queue of the potential customers, with their keys."""
        return KeyedArrivals(self.source.blocks, self.level, self.rng)

    def _missed(self, count: int, units: int) -> None:
        ledger = self.store.customers
        ledger.orders_lost_to_goodwill += count
        ledger.units_lost_to_goodwill += units

    def serve(
        self,
        t: float,
        arrivals: KeyedArrivals,
        queue: list[tuple[float, int, int, object]],
        heap: list[tuple[float, int]],
        horizon: float,
        warmup: float,
    ) -> int:
        """Serve the potential customer at ``t`` (or a run of them, booked in one step):
        those whose key beats the threshold order. Returns how many were served."""
        store, level = self.store, self.level
        ledger = store.customers
        if level.watches:
            level.catch_up(t)
        if not self.plain:
            size, patience, max_wait, u = self.source.draw()
            ledger.potential_orders += 1
            if arrivals.keys[arrivals.pos] > self.level.threshold:
                store.on_customer(t, size, patience, max_wait, u)
            else:
                self._missed(1, size)
            return 1
        size = self.source.constant_size
        run, book = store.bookable_run(size)
        threshold = level.threshold
        count = 0
        if run > 1:
            if self.shared or store.late_checks:
                limit = self._limit(t, queue, heap, book == store.backorder_many)
            else:
                limit = queue[0][0] if store.alone else store.own_events_from(t)
            if t < warmup < limit:
                limit = warmup
            # enough potential customers for ``run`` orders, at the level G has now
            most = run
            if threshold != NEVER_LOWER:
                g, r = level.g, level.recovery
                if r is not None:
                    g = 1.0 - (1.0 - g) * math.exp((level.since - t) / r)
                most = int(run / (g if g > 0.05 else 0.05)) + 1
            if limit > horizon:
                count = arrivals.run_before(horizon, True, most)
            else:
                count = arrivals.run_before(limit, False, most)
        pos = arrivals.pos  # (reading more arrivals may have dropped the served ones)
        keys = arrivals.keys
        if count <= 1:
            ledger.potential_orders += 1
            if keys[pos] > threshold:
                store.on_customer(t, size, None, None, 0.0)
            else:
                ledger.orders_lost_to_goodwill += 1
                ledger.units_lost_to_goodwill += size
            return 1
        times, stop = arrivals.times, pos + count
        due = level.next_due() if level.watches else math.inf
        if due > times[stop - 1]:  # G is one curve over the whole run
            if threshold == NEVER_LOWER:
                if count <= run:
                    ledger.potential_orders += count
                    book(times, pos, stop, size)  # everyone orders
                    return count
                ordered, mask = times[pos : pos + run], None
                count = run
            else:
                mask = (keys[pos:stop] > threshold).tolist()
                ordered = list(compress(times[pos:stop], mask))
                if len(ordered) > run:  # the run ends with its run-th order
                    count = _position(mask, run) + 1
                    del ordered[run:]
        else:
            ordered, count = self._one_by_one(times, keys, pos, stop, run, due)
        ledger.potential_orders += count
        n = len(ordered)
        if n == 1:
            store.on_customer(ordered[0], size, None, None, 0.0)
        elif n:
            book(ordered, 0, n, size)
        if n < count:
            ledger.orders_lost_to_goodwill += count - n
            ledger.units_lost_to_goodwill += (count - n) * size
        return count

    def _one_by_one(
        self, times: list[float], keys: np.ndarray, lo: int, stop: int, most: int, due: float
    ) -> tuple[list[float], int]:
        """The times of the potential customers from ``lo`` (before ``stop``) who order, at
        most ``most`` of them, and how many potential customers that takes, while promises
        pass during the run: the run ships nothing, so they pass unfilled, and G changes as
        each passes."""
        level = self.level
        threshold = level.threshold
        ordered: list[float] = []
        take = ordered.append
        room = most
        served = 0
        for x, k in zip(times[lo:stop], keys[lo:stop].tolist(), strict=True):
            served += 1
            if x >= due:  # a customer at the due time comes after the check
                level.catch_up(x)
                due = level.next_due()
                threshold = level.threshold
            if k > threshold:
                take(x)
                room -= 1
                if not room:
                    break
        return ordered, served

    def _limit(
        self,
        t: float,
        queue: list[tuple[float, int, int, object]],
        heap: list[tuple[float, int]],
        backorders: bool,
    ) -> float:
        """The time before which a run from ``t`` meets nothing that could change G but the
        promises already watched (settled within the run): the run's own customers all ship
        at once or are all simply backordered; the run's first customer's own promise; and,
        with a shared level, anything of other products (their events and customers)."""
        store = self.store
        limit = queue[0][0] if store.alone else store.own_events_from(t)
        if self.shared:
            limit = min(limit, queue[0][0])
            for nxt, _ in heap[1:3]:  # the earliest of the other products' next customers
                limit = min(limit, nxt)
        if backorders and store.late_checks:
            limit = min(limit, t + store.expected_wait + ON_TIME_TOLERANCE)
        return limit


def _position(mask: list[bool], k: int) -> int:
    """The index of the ``k``-th True in ``mask`` (k >= 1, and there are that many)."""
    return list(compress(range(len(mask)), mask))[k - 1]


def attach_goodwill(
    spec: Goodwill | None,
    stores: dict[str, Store],
    sources: dict[str, CustomerSource],
    streams: RandomStreams,
    warmup: float,
) -> None:
    """Give the products of one part of the model their goodwill (none when ``spec`` is
    None): one level per product, or one shared by all (``scope: store``)."""
    if spec is None:
        return
    wait = next(iter(stores.values())).expected_wait
    shared = GoodwillLevel(spec, warmup, wait) if spec.scope == "store" else None
    for pid, store in stores.items():
        level = shared or GoodwillLevel(spec, warmup, wait)
        store.goodwill = level
        store.late_checks = spec.late_order > 0
        thinning = Thinning(sources[pid], level, streams, pid)
        thinning.shared = shared is not None and len(stores) > 1
