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

NEVER_ORDERS = [NEVER_LOWER]
"""The key of a customer who beats no threshold: :meth:`GoodwillLevel.catch_up` thins one."""


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
        """G becomes max(floor, G(t)·(1 - loss)) at ``t`` (level and integral written out:
        this runs once per bad experience)."""
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
        self._set_threshold()

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
            end = len(batch.times)
            due = (
                batch.times[first] + self.expected_wait + ON_TIME_TOLERANCE
                if first < end
                else math.inf
            )
            self._watched = _give_back(watches, batch, first, end, due, self._watched)
        return math.inf

    def catch_up(self, t: float, inclusive: bool = True) -> None:
        """Cost ``late_order`` for every watched promise that passed unfilled before ``t``
        (or at it, if ``inclusive``), in time order: :meth:`thin` with no customer but one
        at ``t`` (or just before it) who never orders.

        A promise is not an event of its own: it is settled here, before anything that
        depends on G or could fill the order (a potential customer's decision, another bad
        experience, a shipment from the backlog, the end of the run). Since the backlog
        ships nothing between those moments, the result is that of checking each promise
        at its time.
        """
        if not inclusive:
            t = math.nextafter(t, -math.inf)
        if self.watches and self.watches[0][0] <= t:  # (else nothing has passed yet)
            self.thin([t], NEVER_ORDERS, 0, 1)

    def thin(
        self, times: list[float], keys: list[float], lo: int, most: int
    ) -> tuple[list[float], int]:
        """The times of the potential customers from ``times[lo]`` on (``keys[k]`` is the key
        of ``times[lo + k]``, one key each) who order, at most ``most`` of them, and how many
        potential customers that takes, while the promises watched pass: the run ships
        nothing, so they pass unfilled.

        The promises and the customers are taken in one merged pass, in time order: each
        promise due by a customer's time costs ``late_order`` before that customer decides
        (a customer at a promise's time comes after its check), then the customer orders iff
        their key beats the threshold. The promises come in the order of the heap of
        watches, a batch's customers one after another (the one at the top is taken out
        and written back when another watch's promise comes first, or at the end). The run
        ends with its ``most``-th order; the promises after it are left for later.
        """
        watches = self.watches
        g, since, acc, threshold = self.g, self.since, self._acc, self.threshold
        r, floor, keep = self.recovery, self.floor, 1.0 - self.late_order
        warmup, wait = self.warmup, self.expected_wait
        seq = self._watched
        expm1, log1p, inf = math.expm1, math.log1p, math.inf
        heappop = heapq.heappop
        ordered: list[float] = []
        append = ordered.append
        batch: BackorderBatch | None = None
        """The batch whose promises are passing, taken from the top of the heap (whose entry
        is written back when another watch's promise comes first, or at the end)."""
        placed: list[float] = []
        j = end = 0
        other = nxt = inf
        due = watches[0][0] if watches else inf
        i, left = lo, most
        for key in keys:
            t = times[i]
            i += 1
            while due <= t:  # a promise passes before this customer decides
                if batch is None:  # the watch at the top of the heap
                    _, _, entry, index = watches[0]
                    if index < 0:  # one backorder
                        heappop(watches)
                        nxt = watches[0][0] if watches else inf
                        if entry.closed:
                            due = nxt
                            continue
                    else:
                        batch = entry  # type: ignore[assignment]
                        assert batch is not None
                        placed, j, end = batch.times, index, len(batch.times)
                        if j < batch.first:  # shipped in time: watch the first still waiting
                            j = batch.first
                            due = placed[j] + wait + ON_TIME_TOLERANCE if j < end else inf
                            seq = _give_back(watches, batch, j, end, due, seq)
                            batch = None
                            due = watches[0][0] if watches else inf
                            continue
                        n = len(watches)  # the other watches' next promise (heap's second)
                        if n == 1:
                            other = inf
                        elif n == 2 or watches[1][0] < watches[2][0]:
                            other = watches[1][0]
                        else:
                            other = watches[2][0]
                # the promise ``due`` passes: _apply, written out (to the last bit)
                if since <= warmup < due:  # across the warm-up: the level's own step
                    self.g, self.since, self._acc = g, since, acc
                    self._apply(due, self.late_order)
                    g, since, acc, threshold = self.g, self.since, self._acc, self.threshold
                elif r is None:
                    acc += g * (due - since)
                    g *= keep
                    if g < floor:
                        g = floor
                    since = due
                    threshold = -g if g < 1.0 else NEVER_LOWER
                else:
                    span = due - since
                    decay = expm1(-span / r)  # exp(-span/r) - 1
                    lost = 1.0 - g
                    acc += span + lost * r * decay
                    g = (g - lost * decay) * keep  # G(due), less the loss
                    if g < floor:
                        g = floor
                    since = due
                    threshold = due + r * log1p(-g) if g < 1.0 else NEVER_LOWER
                if batch is None:  # the single backorder's, done
                    due = nxt
                    continue
                j += 1
                due = placed[j] + wait + ON_TIME_TOLERANCE if j < end else inf
                if not due < other:  # another watch comes first: give the batch back
                    seq = _give_back(watches, batch, j, end, due, seq)
                    batch = None
                    due = watches[0][0] if watches else inf
            if key > threshold:
                append(t)
                left -= 1
                if not left:  # the run's last order
                    break
        if batch is not None:
            seq = _give_back(watches, batch, j, end, due, seq)
        self.g, self.since, self._acc, self.threshold, self._watched = (
            g,
            since,
            acc,
            threshold,
            seq,
        )
        return ordered, i - lo

    def _set_threshold(self) -> None:
        """The threshold of G just after the last bad experience (``g`` at ``since``)."""
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


def _give_back(
    watches: list[Watch], batch: BackorderBatch, j: int, end: int, due: float, seq: int
) -> int:
    """Put ``batch`` back at the top of the heap watching its customer ``j`` (due ``due``),
    or drop it if none is left; returns the last watch number given."""
    if j < end:
        seq += 1
        heapq.heapreplace(watches, (due, seq, batch, j))
    else:
        heapq.heappop(watches)
    return seq
