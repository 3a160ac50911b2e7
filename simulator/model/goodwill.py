"""Goodwill: customers remember, and potential customers order with probability G.

The level G (DESIGN.md §1, Goodwill) starts at 1. A bad experience multiplies it by
(1 - loss), never below the floor; between bad experiences 1 - G decays as
exp(-Δt / recovery_days). The arrival process gives *potential* customers; each draws a
uniform V from the product's own ``goodwill`` stream and orders iff V < G(t).

Between bad experiences G is a known function of time, and the test V < G(t) can be
written as ``key > threshold``: with recovery, ``key = t + R·log(1 - V)`` and ``threshold =
t0 + R·log(1 - G(t0))``; without, ``key = -V`` and ``threshold = -G``. The threshold changes
only at bad experiences, so runs of plain customers can still be booked in one step
(:mod:`simulator.model.thinning`).
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right
from typing import TYPE_CHECKING

import numpy as np

from simulator.metrics.ledger import ON_TIME_TOLERANCE
from simulator.scenario.schema import Goodwill

if TYPE_CHECKING:
    from simulator.policies.allocation import BackorderBatch, BackorderEntry

    Watch = tuple[float, int, BackorderEntry, int]
    """A promise to check: (due, order watched, entry, index in a batch or -1)."""

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
        self.watches: list[Watch] = []
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

    def _pass(self, dues: list[float]) -> None:
        """Cost ``late_order`` at each of ``dues`` (in time order, none before the last bad
        experience): :meth:`_apply` for each, written out as one loop (a long backlog passes
        its promises one after another)."""
        g, since, acc, r = self.g, self.since, self._acc, self.recovery
        floor, keep = self.floor, 1.0 - self.late_order
        if since <= self.warmup < dues[-1]:  # the warm-up falls among them: one at a time
            for due in dues:
                self._apply(due, self.late_order)
            return
        if dues[0] < since:
            raise AssertionError(f"goodwill hit at {dues[0]} before the last one at {since}")
        if r is None:
            for due in dues:
                acc += g * (due - since)
                g *= keep
                if g < floor:
                    g = floor
                since = due
        else:
            expm1 = math.expm1
            for due in dues:
                span = due - since
                decay = expm1(-span / r)  # exp(-span/r) - 1
                lost = 1.0 - g
                acc += span + lost * r * decay
                g = (g - lost * decay) * keep  # G(due), less the loss
                if g < floor:
                    g = floor
                since = due
        self.g, self.since, self._acc = g, since, acc
        self.threshold = _threshold(g, since, r)

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
        while watches:
            due, _, entry, index = watches[0]
            if due > t or (due == t and not inclusive):
                return
            if index < 0:
                heapq.heappop(watches)
                if not entry.closed:
                    self._apply(due, self.late_order)
                continue
            batch: BackorderBatch = entry  # type: ignore[assignment]
            times = batch.times
            end = len(times)
            if index < batch.first:  # shipped in time: watch the first still waiting
                index = batch.first
            else:
                # this customer, and the next ones of the batch due by t and before the
                # other watches' next promise (the heap's second smallest)
                n = len(watches)
                if n == 1:
                    other = math.inf
                elif n == 2 or watches[1][0] < watches[2][0]:
                    other = watches[1][0]
                else:
                    other = watches[2][0]
                if t < other:
                    bound, at_bound = t, inclusive
                else:
                    bound, at_bound = other, False
                dues = [due]
                index += 1
                if index < end:
                    due = times[index] + wait + ON_TIME_TOLERANCE
                    if due < bound or (at_bound and due == bound):
                        # more than one: find the last by bisection (the dues are sorted),
                        # near the order time that is due at the bound, then exactly
                        stop = bisect_right(times, bound - wait - ON_TIME_TOLERANCE, index, end)
                        if stop <= index:
                            stop = index + 1
                        while stop > index + 1:
                            last = times[stop - 1] + wait + ON_TIME_TOLERANCE
                            if last < bound or (at_bound and last == bound):
                                break
                            stop -= 1
                        while stop < end:
                            last = times[stop] + wait + ON_TIME_TOLERANCE
                            if not (last < bound or (at_bound and last == bound)):
                                break
                            stop += 1
                        if stop == index + 1:
                            dues.append(due)
                        else:
                            dues += [x + wait + ON_TIME_TOLERANCE for x in times[index:stop]]
                        index = stop
                self._pass(dues)
            if index < end:  # the batch's next customer replaces its watch
                self._watched += 1
                due = times[index] + wait + ON_TIME_TOLERANCE
                heapq.heapreplace(watches, (due, self._watched, batch, index))
            else:
                heapq.heappop(watches)

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


def _threshold(g: float, since: float, recovery: float | None) -> float:
    """The threshold of the level ``g`` just after a bad experience at ``since``."""
    if g >= 1.0:
        return NEVER_LOWER
    if recovery is None:
        return -g
    return since + recovery * math.log1p(-g)
