"""Time in the model: events at absolute times, ordered as DESIGN.md §1 orders ties.

Events that fall at the same instant are processed in this order: deliveries, disruption
changes, reviews, cancellations (and delay updates), customers. SimPy breaks ties by an
integer priority, then by scheduling order; we schedule at the *absolute* time (no
``now + delay`` rounding) so that ties that are exact in the scenario stay exact.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappush
from typing import Any

import simpy
from simpy.events import Event

WARMUP = -1
"""The warm-up snapshot goes before anything else at its instant."""
DELIVERY = 1
DISRUPTION = 2
REVIEW = 3
CANCELLATION = 4
CUSTOMER = 5
HORIZON = 9
"""The end of the run goes after everything else at the horizon (the window is closed)."""


class At(Event):
    """An event that fires at absolute time ``time`` with tie-break ``priority``; with a
    ``callback``, a scheduled action that needs no process of its own (it gets the event,
    whose ``value`` is ``value``)."""

    def __init__(
        self,
        env: simpy.Environment,
        time: float,
        priority: int,
        callback: Callable[[Event], None] | None = None,
        value: Any = None,
    ) -> None:
        self.env = env
        self.callbacks = [] if callback is None else [callback]
        self._value = value
        self._ok = True
        queue: list[Any] = env._queue
        heappush(queue, (time, priority, next(env._eid), self))


class Clock:
    """The model's notion of *now*.

    Customers that arrive before the next scheduled event are handled inline, without a
    SimPy event each (see :mod:`simulator.model.customers`), so the model's time can run
    ahead of ``env.now``. Each handler sets ``clock.now`` before anything that reads it (an
    immediately filled order, which reads nothing, sets it only if it places an order).
    """

    __slots__ = ("env", "horizon", "now", "warmup")

    def __init__(self, env: simpy.Environment, warmup: float, horizon: float) -> None:
        self.env = env
        self.now = 0.0
        self.warmup = warmup
        self.horizon = horizon

    def call(self, time: float, priority: int, fn: Callable[[Any], None], arg: Any = None) -> At:
        """Schedule ``fn(arg)`` at absolute ``time``."""
        return At(self.env, time, priority, lambda _event: fn(arg))

    def at(self, time: float, priority: int) -> At:
        """An event a process can yield to wait until absolute ``time``."""
        return At(self.env, time, priority)
