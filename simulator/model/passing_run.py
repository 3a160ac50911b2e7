"""A run of potential customers while promises pass (goodwill, DESIGN.md §1).

During a stock-out, the promises of the backlog's plain customers pass one after another
while new potential customers arrive. Within a run (nothing ships), each promise due by a
customer's time has passed unfilled and costs ``late_order`` before that customer decides,
and G changes as each passes. The promises and the customers are taken in one merged
pass, in time order: the promises in the order the level's heap of watches gives them (a
batch's customers one after another, as
:meth:`GoodwillLevel.catch_up <simulator.model.goodwill.GoodwillLevel.catch_up>` settles
them), each with the arithmetic of
:meth:`GoodwillLevel._pass <simulator.model.goodwill.GoodwillLevel._pass>` (to the last
bit); then the customer orders iff their key beats the threshold. The run ends with its
``most``-th order, and the promises after it are left for later.
"""

from __future__ import annotations

import heapq
import math
from typing import TYPE_CHECKING

import numpy as np

from simulator.metrics.ledger import ON_TIME_TOLERANCE
from simulator.model.goodwill import NEVER_LOWER

if TYPE_CHECKING:
    from simulator.model.goodwill import GoodwillLevel, Watch
    from simulator.policies.allocation import BackorderBatch


def thin_while_promises_pass(
    level: GoodwillLevel, times: list[float], keys: np.ndarray, lo: int, stop: int, most: int
) -> tuple[list[float], int]:
    """The times of the potential customers ``times[lo:stop]`` (keys ``keys[lo:stop]``) who
    order, at most ``most`` of them, and how many potential customers that takes, while the
    promises ``level`` watches pass: the run ships nothing, so they pass unfilled. A
    customer at a promise's time comes after its check.

    The level is left as :meth:`~simulator.model.goodwill.GoodwillLevel.catch_up` at the
    run's last customer leaves it.
    """
    watches = level.watches
    g, since, acc, threshold = level.g, level.since, level._acc, level.threshold
    r, floor, keep = level.recovery, level.floor, 1.0 - level.late_order
    warmup, wait = level.warmup, level.expected_wait
    seq = level._watched
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
    i = lo
    for key in keys[lo:stop].tolist():
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
            # the promise ``due`` passes: GoodwillLevel._pass for one
            if since <= warmup < due:  # across the warm-up: the level's own step
                level.g, level.since, level._acc = g, since, acc
                level._apply(due, level.late_order)
                g, since, acc, threshold = level.g, level.since, level._acc, level.threshold
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
            if len(ordered) == most:
                break
    if batch is not None:
        seq = _give_back(watches, batch, j, end, due, seq)
    level.g, level.since, level._acc, level.threshold, level._watched = (
        g,
        since,
        acc,
        threshold,
        seq,
    )
    return ordered, i - lo


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
