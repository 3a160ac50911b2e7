"""Customers: Poisson arrivals per product (with seasonal windows), order sizes and traits.

One SimPy process per product generates its customers. Customers that arrive before the
next scheduled event (a delivery, a review, a disruption change, a patience deadline) cannot
be affected by anything else, so the process hands them to the store inline, one after
another, and yields to SimPy only when another event comes first. That keeps one SimPy event
per *batch* of customers instead of one per customer, with the same results.

Every customer draws each trait from its own stream at arrival, so customer *i* of a
replication is the same person under every policy (common random numbers). A trait that
cannot matter in this scenario (no patience limit, acceptance probability 1) is not drawn.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
from simpy.events import Event

from simulator.distributions import BLOCK, Constant, Sampler
from simulator.model import clock as prio
from simulator.model.clock import Clock
from simulator.model.store import Store
from simulator.scenario.schema import Customers, Demand, Seasonality
from simulator.streams import RandomStreams

if TYPE_CHECKING:
    from simulator.model.thinning import Thinning


class RateSchedule:
    """The arrival rate over time: ``rate_per_day`` times every active window's multiplier."""

    def __init__(self, rate: float, windows: list[Seasonality]) -> None:
        self.rate = rate
        self.windows = windows

    def segment(self, t: float) -> tuple[float, float]:
        """The rate at ``t`` and the time until which it stays the same."""
        rate = self.rate
        until = math.inf
        for w in self.windows:
            length = w.end_day - w.start_day
            if t < w.start_day:
                until = min(until, w.start_day)
                continue
            if w.always_on:
                rate *= w.multiplier
                continue
            if w.repeat_every_days is None:
                if t < w.end_day:
                    rate *= w.multiplier
                    until = min(until, w.end_day)
                continue
            offset = (t - w.start_day) % w.repeat_every_days
            if offset < length:
                rate *= w.multiplier
                until = min(until, t + (length - offset))
            else:
                until = min(until, t + (w.repeat_every_days - offset))
        return rate, until

    def advance(self, t: float, work: float, horizon: float = math.inf) -> float:
        """The time at which ``work`` units of cumulative rate have passed since ``t``
        (``math.inf`` if that is after ``horizon``: windows with multiplier 0 may keep the
        rate at 0 forever)."""
        while True:
            rate, until = self.segment(t)
            span = until - t
            if rate > 0 and work <= rate * span:
                return t + work / rate
            if until == math.inf or until > horizon:
                return math.inf
            if rate > 0:
                work -= rate * span
            # guard against a boundary that floating point leaves exactly at t
            t = until if until > t else math.nextafter(t, math.inf)


def arrival_blocks(
    demand: Demand, rng: np.random.Generator, block: int = BLOCK, horizon: float = math.inf
) -> Iterator[np.ndarray]:
    """Arrival times of a (possibly seasonal) Poisson process, in order, a block at a time
    (a seasonal process stops at the first arrival after ``horizon``)."""
    rate = demand.rate_per_day
    if rate <= 0:
        return
    t = 0.0
    if not demand.seasonality:
        while True:
            times = rng.standard_exponential(block)
            times.cumsum(out=times)
            times /= rate
            times += t
            yield times
            t = float(times[-1])
    schedule = RateSchedule(rate, demand.seasonality)
    while True:
        seasonal: list[float] = []
        for work in rng.standard_exponential(block).tolist():
            t = schedule.advance(t, work, horizon)
            if t > horizon:
                break
            seasonal.append(t)
        yield np.asarray(seasonal, dtype=float)
        if t > horizon:
            return


class CustomerSource:
    """The customers of one product: arrival times and the traits each customer draws."""

    thinning: Thinning | None = None
    """With goodwill: decides which potential customers order (model/thinning.py)."""

    def __init__(
        self,
        pid: str,
        demand: Demand,
        customers: Customers,
        store: Store,
        streams: RandomStreams,
        block: int = BLOCK,
    ) -> None:
        self.store = store
        self.rate = demand.rate_per_day
        self.blocks = arrival_blocks(
            demand, streams.generator("product", pid, "arrivals"), block, store.clock.horizon
        )
        order_size = demand.order_size
        if isinstance(order_size, Constant):  # nothing to draw: no stream needed
            self._size: Sampler | None = None
            self.constant_size = int(order_size.value)
        else:
            self._size = order_size.sampler(streams.generator("product", pid, "order_size"))
            self.constant_size = 1
        self._patience = (
            customers.patience_days.sampler(
                streams.generator("product", pid, "patience"), nonnegative=True
            )
            if customers.patience_days is not None
            else None
        )
        self._max_quoted_wait = (
            customers.max_quoted_wait_days.sampler(
                streams.generator("product", pid, "max_quoted_wait"), nonnegative=True
            )
            if customers.max_quoted_wait_days is not None
            else None
        )
        p = customers.accept_probability
        self._accept_rng = streams.generator("product", pid, "accept") if 0.0 < p < 1.0 else None
        self._uniforms: list[float] = []
        self.plain = (
            self._size is None
            and self._patience is None
            and self._max_quoted_wait is None
            and self._accept_rng is None
        )
        """Customers carry nothing to draw: every order is the same constant size."""

    def _u(self) -> float:
        buf = self._uniforms
        if not buf:
            assert self._accept_rng is not None
            buf.extend(self._accept_rng.random(BLOCK)[::-1].tolist())
        return buf.pop()

    def draw(self) -> tuple[int, float | None, float | None, float]:
        """The next customer's order size and traits, as :meth:`serve` draws them."""
        size = self._size
        patience, max_wait = self._patience, self._max_quoted_wait
        return (
            int(size()) if size is not None else self.constant_size,
            patience() if patience is not None else None,
            max_wait() if max_wait is not None else None,
            self._u() if self._accept_rng is not None else 0.0,
        )

    def serve(self, t: float) -> None:
        """Draw the next customer's order size and traits, and hand the order to the store."""
        size = self._size
        patience, max_wait = self._patience, self._max_quoted_wait
        self.store.on_customer(
            t,
            int(size()) if size is not None else self.constant_size,
            patience() if patience is not None else None,
            max_wait() if max_wait is not None else None,
            self._u() if self._accept_rng is not None else 0.0,
        )


class ArrivalQueue:
    """One product's upcoming arrival times, read from its stream a block at a time."""

    __slots__ = ("_blocks", "_exhausted", "pos", "times")

    def __init__(self, blocks: Iterator[np.ndarray]) -> None:
        self._blocks = blocks
        self._exhausted = False
        self.times: list[float] = []
        self.pos = 0
        """Index in ``times`` of the next customer."""

    def _more(self) -> bool:
        block = next(self._blocks, None)
        if block is None:
            self._exhausted = True
            return False
        if self.pos > BLOCK:  # keep memory flat: drop what has been served
            del self.times[: self.pos]
            self.pos = 0
        self.times.extend(block.tolist())
        return True

    def next_time(self) -> float:
        """The next customer's arrival time (``math.inf`` if there is none)."""
        while self.pos >= len(self.times):
            if self._exhausted or not self._more():
                return math.inf
        return self.times[self.pos]

    def run_before(self, limit: float, inclusive: bool, most: int) -> int:
        """How many of the next customers (at most ``most``) arrive before ``limit`` (or at
        it, if ``inclusive``)."""
        cut = bisect.bisect_right if inclusive else bisect.bisect_left
        while True:
            times, pos = self.times, self.pos
            stop = cut(times, limit, pos, min(len(times), pos + most))
            if stop < len(times) or stop - pos >= most or self._exhausted or not self._more():
                return stop - pos


def customer_process(clock: Clock, sources: list[CustomerSource]) -> Generator[Event, Any, None]:
    """The SimPy process of every customer of one part of the model (its products).

    Customers of all the part's products come in time order. Each is served inline when
    nothing else is scheduled before it; otherwise the process first waits for what is, so
    deliveries, reviews, disruption changes and cancellations at or before its arrival time
    go first.
    """
    queue = clock.env._queue  # peek without a call
    horizon = clock.horizon
    warmup = clock.warmup
    # A heap holds each product's next customer. Products meet only through their own
    # events and the orders they place, so for a product whose customers draw nothing, a
    # run of its customers that all ship whole at once, or are all simply backordered,
    # without triggering an order, is booked in one step up to that product's next own
    # event (while other products' customers come in between). A product alone in its
    # part books up to the part's next event of any kind, and its run may end with the
    # customer who triggers a replenishment order.
    if len(sources) == 1 and sources[0].plain and sources[0].thinning is None:
        yield from _lone_plain_process(clock, sources[0])
        return
    if len(sources) == 1 and sources[0].thinning is not None and sources[0].thinning.lone:
        yield from sources[0].thinning.process(clock)  # the same, with goodwill
        return
    queues = [
        ArrivalQueue(source.blocks) if source.thinning is None else source.thinning.queue()
        for source in sources
    ]
    heap = [(q.next_time(), i) for i, q in enumerate(queues)]
    heap = [entry for entry in heap if entry[0] <= horizon]
    heapq.heapify(heap)
    while heap:
        t, i = heap[0]
        while t >= queue[0][0]:
            # Something is scheduled first: wait for it. An event that goes before a
            # customer at its time can be waited on directly (the process resumes right
            # after it); otherwise (the horizon) wait for the customer's own time.
            _, priority, _, first = queue[0]
            if priority < prio.CUSTOMER:
                yield first
            else:
                yield clock.at(t, prio.CUSTOMER)
                break
        source, arrivals = sources[i], queues[i]
        served = 1
        if source.plain:
            store, size = source.store, source.constant_size
            run, book = store.bookable_run(size)
            count = 0
            if run > 1:
                # Alone in its part, every scheduled event concerns this product (or its
                # suppliers, whose state an order placed by the run's last customer reads).
                limit = queue[0][0] if store.alone else store.own_events_from(t)
                if t < warmup < limit:
                    limit = warmup
                if limit > horizon:
                    count = arrivals.run_before(horizon, True, run)
                else:
                    count = arrivals.run_before(limit, False, run)
            if count > 1:
                book(arrivals.times, arrivals.pos, arrivals.pos + count, size)
                served = count
            else:
                store.on_customer(t, size, None, None, 0.0)
        elif source.thinning is None:
            source.serve(t)
        else:
            served = source.thinning.serve(t, arrivals, queue, heap, horizon, warmup)  # type: ignore[arg-type]
        arrivals.pos += served
        nxt = arrivals.next_time()
        if nxt <= horizon:
            heapq.heapreplace(heap, (nxt, i))
        else:
            heapq.heappop(heap)


def _lone_plain_process(clock: Clock, source: CustomerSource) -> Generator[Event, Any, None]:
    """:func:`customer_process` for a part of one product whose customers draw nothing: the
    same steps in the same order, without the heap of products (the common case, kept
    lean: it runs once per run of customers)."""
    queue = clock.env._queue
    horizon = clock.horizon
    warmup = clock.warmup
    store, size = source.store, source.constant_size
    arrivals = ArrivalQueue(source.blocks)
    times = arrivals.times  # the same list throughout (refilled in place)
    book = store.book_lone_run
    t = arrivals.next_time()
    while t <= horizon:
        while t >= queue[0][0]:
            _, priority, _, first = queue[0]
            if priority < prio.CUSTOMER:
                yield first
            else:
                yield clock.at(t, prio.CUSTOMER)
                break
        limit = queue[0][0]  # alone: every scheduled event concerns this product
        if t < warmup < limit:
            limit = warmup
        count = book(arrivals, limit, horizon, size)
        if count:
            pos = arrivals.pos + count
        else:
            store.on_customer(t, size, None, None, 0.0)
            pos = arrivals.pos + 1
        arrivals.pos = pos
        t = times[pos] if pos < len(times) else arrivals.next_time()
