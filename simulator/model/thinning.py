"""Thinning: which potential customers order, with goodwill G (DESIGN.md §1, Goodwill).

Each potential customer draws a uniform from the product's own ``goodwill`` stream, turned
into a key when their arrival time is read (see :mod:`simulator.model.goodwill`); they order
iff their key beats the level's threshold at that moment. A run of plain customers is
booked in one step as without goodwill: the potential customers whose key beats the
threshold are the run, and promises that pass during the run (the run ships nothing, so
they pass unfilled) change the threshold as they pass.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Generator, Iterator
from math import exp, sqrt
from typing import TYPE_CHECKING, Any

import numpy as np
from simpy.events import Event

from simulator.distributions import BLOCK
from simulator.metrics.ledger import ON_TIME_TOLERANCE
from simulator.model.customers import ArrivalQueue, CustomerSource
from simulator.model.goodwill import NEVER_LOWER, GoodwillLevel
from simulator.model.lone_thinning import lone_thinning_process
from simulator.scenario.schema import Goodwill
from simulator.streams import RandomStreams

if TYPE_CHECKING:
    from simulator.model.clock import Clock
    from simulator.model.store import Store


class KeyedArrivals(ArrivalQueue):
    """An arrival queue that also holds each potential customer's goodwill key (a NumPy
    array beside the list of times: keys are compared in bulk, rarely one by one), and the
    times again as a NumPy array (to pick a run's orders in bulk)."""

    __slots__ = ("_keys", "_level", "_rng", "_stamps", "keys", "stamps")

    def __init__(
        self, blocks: Iterator[np.ndarray], level: GoodwillLevel, rng: np.random.Generator
    ) -> None:
        self._level = level
        self._rng = rng
        self._keys = np.empty(4 * BLOCK)
        self._stamps = np.empty(4 * BLOCK)
        """Room for the keys and times: filled from the start, moved back when the times
        drop their served prefix (no new arrays per block)."""
        self.keys = self._keys[:0]
        """``keys[i]`` belongs to the customer at ``times[i]``."""
        self.stamps = self._stamps[:0]
        """``stamps[i]`` is ``times[i]``."""
        super().__init__(blocks)

    def _more(self) -> bool:
        # ArrivalQueue._more, with the keys and the times as an array kept beside the times
        block = next(self._blocks, None)
        if block is None:
            self._exhausted = True
            return False
        times, pos = self.times, self.pos
        kept = len(times)
        keys, stamps = self._keys, self._stamps
        if pos > BLOCK:  # keep memory flat: drop what has been served (keys and times too)
            del times[:pos]
            self.pos = 0
            kept -= pos
            keys[:kept] = keys[pos : pos + kept]
            stamps[:kept] = stamps[pos : pos + kept]
        times.extend(block.tolist())
        end = kept + len(block)
        if end > len(keys):
            keys = self._keys = np.concatenate((keys[:kept], np.empty(end)))
            stamps = self._stamps = np.concatenate((stamps[:kept], np.empty(end)))
        # each potential customer draws one uniform, in arrival order, turned into a key
        # in place
        drawn = keys[kept:end]
        self._rng.random(out=drawn)
        self._level.keys(block, drawn)
        stamps[kept:end] = block
        self.keys = keys[:end]
        self.stamps = stamps[:end]
        return True


class Thinning:
    """The potential customers of one product, each ordering with probability G: plain
    customers (who draw nothing), whose runs are booked in one step."""

    lone = False
    """Whether the product is alone in its part, with a level of its own: then
    :meth:`process` serves its customers (set by :func:`attach_goodwill`)."""

    def __init__(
        self, source: CustomerSource, level: GoodwillLevel, streams: RandomStreams, pid: str
    ) -> None:
        self.source = source
        self.store: Store = source.store
        self.level = level
        self.rng = streams.generator("product", pid, "goodwill")
        self.size = source.constant_size
        """The order size of the product's customers, when they draw nothing (then runs of
        them may be booked in one step; see :class:`DrawnThinning` for the others)."""
        self.recovery = level.recovery
        self._bound = np.empty(())
        """The threshold as a NumPy scalar array, for comparing keys in bulk."""
        self.shared = False
        """Whether the level is shared with other products of the part (``scope: store``)."""
        source.plain = False  # the customer process hands every customer to serve()
        source.thinning = self

    def process(self, clock: Clock) -> Generator[Event, Any, None]:
        """The customer process of a :attr:`lone` product (model/lone_thinning.py)."""
        return lone_thinning_process(clock, self)

    def queue(self) -> KeyedArrivals:
        """The arrival queue of the potential customers, with their keys."""
        return KeyedArrivals(self.source.blocks, self.level, self.rng)

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
        those whose key beats the threshold order. Then, as long as the customer process
        would come straight back for the next one (this product's customers are the only
        ones left in its part, and nothing is scheduled before the next), serve them too.
        Returns how many were served since the queue's position (the last run's)."""
        serve_run = self._serve_run
        count = serve_run(t, arrivals, queue, heap, horizon, warmup)
        while len(heap) == 1:
            nxt = arrivals.pos + count
            times = arrivals.times
            if nxt >= len(times):
                break  # (the next block is read by the customer process)
            t = times[nxt]
            if t >= queue[0][0] or t > horizon:
                break
            arrivals.pos = nxt
            count = serve_run(t, arrivals, queue, heap, horizon, warmup)
        return count

    def _serve_run(
        self,
        t: float,
        arrivals: KeyedArrivals,
        queue: list[tuple[float, int, int, object]],
        heap: list[tuple[float, int]],
        horizon: float,
        warmup: float,
    ) -> int:
        """Serve the potential customer at ``t`` (or a run of them, booked in one step).
        Returns how many were served."""
        store, level = self.store, self.level
        watches = level.watches
        if watches and watches[0][0] <= t:
            level.catch_up(t)
        size = self.size
        # store.bookable_run(size) and the run's end, written out (this runs once per run)
        run = store.fillable_run(size)
        if run > 1:
            book = store.fill_run
            limit = queue[0][0] if store.alone else store.own_events_from(t)
        else:
            run = store.backorder_run(size)
            if run <= 1:
                return self._single(t, arrivals)
            book = store.backorder_many
            limit = queue[0][0] if store.alone else store.own_events_from(t)
            if store.late_checks:  # no promise of the run's own may pass within it
                wait = t + store.expected_wait + ON_TIME_TOLERANCE
                if wait < limit:
                    limit = wait
        if self.shared:
            limit = self._limit(limit, queue, heap)
        if t < warmup < limit:
            limit = warmup
        # enough potential customers for ``run`` orders at the level G has now: the mean
        # number, run / G, and 4 standard deviations more (too few would cut the run short
        # and leave its rest to another run: about half the runs, with the mean alone)
        threshold = level.threshold
        most = run
        if threshold != NEVER_LOWER:
            g, r = level.g, self.recovery
            if r is not None:
                g = 1.0 - (1.0 - g) * exp((level.since - t) / r)
            g = g if g > 0.05 else 0.05
            most = int((run + 4.0 * sqrt(run * (1.0 - g)) + 1.0) / g) + 1
        # arrivals.run_before(limit, most), written out while no block needs reading
        times, pos = arrivals.times, arrivals.pos
        end, most_end = len(times), pos + most
        if limit > horizon:
            stop = bisect_right(times, horizon, pos, most_end if most_end < end else end)
            if stop == end < most_end:
                stop = pos + arrivals.run_before(horizon, True, most)
        else:
            stop = bisect_left(times, limit, pos, most_end if most_end < end else end)
            if stop == end < most_end:
                stop = pos + arrivals.run_before(limit, False, most)
        count = stop - pos
        if count <= 1:
            return self._single(t, arrivals)
        pos = arrivals.pos  # (reading more arrivals may have dropped the served ones)
        stop = pos + count
        last = arrivals.times[stop - 1]
        if watches and watches[0][0] <= last and level.next_due() <= last:
            ordered, count = self._one_by_one(arrivals, pos, stop, run)
        elif threshold == NEVER_LOWER:  # G is 1 over the whole run
            if count <= run:
                store.customers.potential_orders += count
                book(arrivals.times, pos, stop, size)  # everyone orders
                return count
            ordered = arrivals.times[pos : pos + run]
            count = run
        else:  # G is one curve over the whole run
            bound = self._bound
            bound[()] = threshold  # (NumPy compares with an array faster than a float)
            hits = (arrivals.keys[pos:stop] > bound).nonzero()[0]
            if len(hits) > run:  # the run ends with its run-th order
                count = int(hits[run - 1]) + 1
                hits = hits[:run]
            ordered = arrivals.stamps[pos:stop][hits].tolist()
        ledger = store.customers
        ledger.potential_orders += count
        n = len(ordered)
        if n > 1:
            book(ordered, 0, n, size)
        elif n:
            store.on_customer(ordered[0], size, None, None, 0.0)
        if n < count:
            ledger.orders_lost_to_goodwill += count - n
            ledger.units_lost_to_goodwill += (count - n) * size
        return count

    def _single(self, t: float, arrivals: KeyedArrivals) -> int:
        """Serve the one potential customer at ``t`` (promises due by then are settled)."""
        size = self.size
        ledger = self.store.customers
        ledger.potential_orders += 1
        if arrivals.keys[arrivals.pos] > self.level.threshold:
            self.store.on_customer(t, size, None, None, 0.0)
        else:
            ledger.orders_lost_to_goodwill += 1
            ledger.units_lost_to_goodwill += size
        return 1

    def _one_by_one(
        self, arrivals: KeyedArrivals, lo: int, stop: int, most: int
    ) -> tuple[list[float], int]:
        """The times of the potential customers from ``lo`` (before ``stop``) who order, at
        most ``most`` of them, and how many potential customers that takes, while promises
        pass during the run (:meth:`GoodwillLevel.thin`)."""
        return self.level.thin(arrivals.times, arrivals.keys[lo:stop].tolist(), lo, most)

    def _limit(
        self,
        limit: float,
        queue: list[tuple[float, int, int, object]],
        heap: list[tuple[float, int]],
    ) -> float:
        """With a level shared by other products: the time before which a run (of a product
        whose own events come no earlier than ``limit``) meets nothing of theirs that could
        change it (their events and customers)."""
        limit = min(limit, queue[0][0])
        for nxt, _ in heap[1:3]:  # the earliest of the other products' next customers
            limit = min(limit, nxt)
        return limit


class DrawnThinning(Thinning):
    """The potential customers of a product whose customers draw traits: served one by
    one (a potential customer who does not order draws their traits all the same)."""

    def serve(
        self,
        t: float,
        arrivals: KeyedArrivals,
        queue: list[tuple[float, int, int, object]],
        heap: list[tuple[float, int]],
        horizon: float,
        warmup: float,
    ) -> int:
        """Serve the potential customer at ``t``: they order if their key beats the
        threshold. Returns 1."""
        store, level = self.store, self.level
        if level.watches:
            level.catch_up(t)
        size, patience, max_wait, u = self.source.draw()
        ledger = store.customers
        ledger.potential_orders += 1
        if arrivals.keys[arrivals.pos] > level.threshold:
            store.on_customer(t, size, patience, max_wait, u)
        else:
            ledger.orders_lost_to_goodwill += 1
            ledger.units_lost_to_goodwill += size
        return 1


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
        source = sources[pid]
        kind = Thinning if source.plain else DrawnThinning
        thinning = kind(source, level, streams, pid)
        thinning.shared = shared is not None and len(stores) > 1
        thinning.lone = kind is Thinning and len(stores) == 1 and store.alone
