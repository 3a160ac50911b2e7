"""Goodwill: customers remember, and potential customers order with probability G.

The level G (DESIGN.md §1, Goodwill) starts at 1. A bad experience multiplies it by
(1 - loss), never below the floor; between bad experiences 1 - G decays as
exp(-Δt / recovery_days). The arrival process gives *potential* customers; each draws a
uniform V from the product's own ``goodwill`` stream and orders iff V < G(t).

Between bad experiences G is a known function of time, and the test V < G(t) can be
written as ``key > threshold``: with recovery, ``key = t + R·log(1 - V)`` and ``threshold =
t0 + R·log(1 - G(t0))``; without, ``key = -V`` and ``threshold = -G``. Each potential
customer's key is computed once, with NumPy, when their arrival time is read; the threshold
changes only at bad experiences. So a run of plain customers is still booked in one step:
the potential customers whose key beats the threshold are the run.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator
from itertools import compress
from typing import TYPE_CHECKING

import numpy as np

from simulator.metrics.ledger import ON_TIME_TOLERANCE
from simulator.model.customers import ArrivalQueue, CustomerSource
from simulator.scenario.schema import Goodwill
from simulator.streams import RandomStreams

if TYPE_CHECKING:
    from simulator.model.store import Store
    from simulator.policies.allocation import BackorderBatch, BackorderEntry

NEVER_LOWER = -math.inf
"""The threshold while G is exactly 1: every potential customer orders."""


class GoodwillLevel:
    """The level G of one product (or of the store): its path, its integral, its losses."""

    __slots__ = (
        "_acc",
        "_area_at_warmup",
        "_watched",
        "cancelled_order",
        "expected_wait",
        "floor",
        "g",
        "late_order",
        "lost_order",
        "recovery",
        "since",
        "threshold",
        "warmup",
        "watches",
    )

    def __init__(self, spec: Goodwill, warmup: float, expected_wait: float = 3.0) -> None:
        self.lost_order = spec.lost_order
        self.cancelled_order = spec.cancelled_order
        self.late_order = spec.late_order
        self.recovery = spec.recovery_days
        """Days for 1 - G to fall by a factor e; None: G never recovers."""
        self.floor = spec.floor
        self.warmup = warmup
        self.g = 1.0
        """G at ``since``, just after the last bad experience."""
        self.since = 0.0
        self._acc = 0.0
        """The integral of G from 0 to ``since``."""
        self._area_at_warmup: float | None = None
        """The integral from 0 to the warm-up, once a bad experience comes after it."""
        self.threshold = NEVER_LOWER
        """A potential customer orders iff their key is greater than this."""
        self.expected_wait = expected_wait
        self.watches: list[tuple[float, int, BackorderEntry, int]] = []
        """Promises to check, a heap of (due, order watched, entry, index in a batch or -1)."""
        self._watched = 0

    def level(self, t: float) -> float:
        """G at ``t`` (not before the last bad experience)."""
        if self.recovery is None:
            return self.g
        return 1.0 - (1.0 - self.g) * math.exp(-(t - self.since) / self.recovery)

    def area(self, t: float) -> float:
        """The integral of G from 0 to ``t`` (not before the last bad experience): exact,
        the path being exponential between bad experiences."""
        span = t - self.since
        if self.recovery is None:
            return self._acc + self.g * span
        r = self.recovery
        return self._acc + span + (1.0 - self.g) * r * math.expm1(-span / r)

    def window_area(self, horizon: float) -> float:
        """The integral of G over [warmup, horizon], at the horizon."""
        start = self._area_at_warmup
        if start is None:
            start = self.area(self.warmup)
        return max(self.area(horizon) - start, 0.0)

    def hit(self, t: float, loss: float) -> None:
        """A bad experience at ``t``, after the promises that passed by then."""
        if self.watches:
            self.catch_up(t)
        self._apply(t, loss)

    def _apply(self, t: float, loss: float) -> None:
        """G becomes max(floor, G(t)·(1 - loss)) at ``t`` (level, integral and threshold
        written out: this runs once per bad experience)."""
        since = self.since
        if t < since:
            raise AssertionError(f"goodwill hit at {t} before the last one at {since}")
        if since <= self.warmup < t:
            self._area_at_warmup = self.area(self.warmup)
        g, r, span = self.g, self.recovery, t - since
        if r is None:
            level = g
            self._acc += g * span
        else:
            decay = math.expm1(-span / r)  # exp(-span/r) - 1
            level = g - (1.0 - g) * decay
            self._acc += span + (1.0 - g) * r * decay
        g = level * (1.0 - loss)
        if g < self.floor:
            g = self.floor
        self.g = g
        self.since = t
        if g >= 1.0:
            self.threshold = NEVER_LOWER
        elif r is None:
            self.threshold = -g
        else:
            self.threshold = t + r * math.log1p(-g)

    # -- promises passing unfilled (late_order), checked lazily -------------------------------
    def watch(self, due: float, entry: BackorderEntry, index: int = -1) -> None:
        """Cost ``late_order`` at ``due`` if ``entry`` (with ``index`` >= 0: customer
        ``index`` of a batch) is still unfilled then."""
        self._watched += 1
        heapq.heappush(self.watches, (due, self._watched, entry, index))

    def next_due(self) -> float:
        """The earliest promise still open (``math.inf`` if none): watches of orders that
        were filled in time are dropped (a batch's moves on to its first customer still
        waiting)."""
        watches = self.watches
        while watches:
            due, _, entry, index = watches[0]
            if index < 0:
                if not entry.closed:
                    return due
                heapq.heappop(watches)
                continue
            batch: BackorderBatch = entry  # type: ignore[assignment]
            first = batch.first
            if index >= first:
                return due
            heapq.heappop(watches)
            if first < len(batch.times):
                self.watch(
                    batch.times[first] + self.expected_wait + ON_TIME_TOLERANCE, batch, first
                )
        return math.inf

    def catch_up(self, t: float, inclusive: bool = True) -> None:
        """Cost ``late_order`` for every watched promise that passed unfilled before ``t``
        (or at it, if ``inclusive``), in time order.

        A promise is not an event of its own: it is settled here, before anything that
        depends on G or could fill the order (a potential customer's decision, another bad
        experience, a shipment from the backlog, the end of the run). Since the backlog
        ships nothing between those moments, the result is that of checking each promise
        at its time.
        """
        watches = self.watches
        wait = self.expected_wait
        while watches and (watches[0][0] < t or (inclusive and watches[0][0] == t)):
            due, _, entry, index = heapq.heappop(watches)
            if index < 0:
                if not entry.closed:
                    self._apply(due, self.late_order)
                continue
            batch: BackorderBatch = entry  # type: ignore[assignment]
            times = batch.times
            if index < batch.first:  # shipped in time: watch the first still waiting
                if batch.first < len(times):
                    first = batch.first
                    self.watch(times[first] + wait + ON_TIME_TOLERANCE, batch, first)
                continue
            while True:  # this customer, and the next ones of the batch due before t
                self._apply(due, self.late_order)
                index += 1
                if index == len(times):
                    break
                due = times[index] + wait + ON_TIME_TOLERANCE
                if not (due < t or (inclusive and due == t)) or (watches and due >= watches[0][0]):
                    self.watch(due, batch, index)
                    break

    def _set_threshold(self) -> None:
        g = self.g
        if g >= 1.0:
            self.threshold = NEVER_LOWER
        elif self.recovery is None:
            self.threshold = -g
        else:
            self.threshold = self.since + self.recovery * math.log1p(-g)

    def keys(self, times: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
        """The keys of potential customers arriving at ``times`` with draws ``uniforms``
        (overwritten)."""
        keys = np.negative(uniforms, out=uniforms)  # in place: -V
        if self.recovery is not None:
            np.log1p(keys, out=keys)
            keys *= self.recovery
            keys += times
        return keys


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
