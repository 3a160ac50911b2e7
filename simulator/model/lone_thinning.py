"""The customer process of a lone product with goodwill whose customers draw nothing.

:func:`~simulator.model.customers.customer_process` for a part of one product (``alone``)
whose level is its own and whose potential customers are plain (a
:class:`~simulator.model.thinning.Thinning`): the same steps in the same order as the heap
loop with :meth:`Thinning.serve <simulator.model.thinning.Thinning.serve>`, without the heap
of products, with :meth:`Thinning._serve_run` and the store's ``fillable_run`` /
``backorder_run`` written out (this runs once per run of potential customers). Its runs
start and end where the heap loop's do, so the numbers are the same to the last digit.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Generator
from math import exp, sqrt
from typing import TYPE_CHECKING, Any

from simpy.events import Event

from simulator.metrics.ledger import ON_TIME_TOLERANCE
from simulator.model import clock as prio
from simulator.model.goodwill import NEVER_LOWER
from simulator.policies.replenishment import NEVER

if TYPE_CHECKING:
    from simulator.model.clock import Clock
    from simulator.model.thinning import Thinning


def lone_thinning_process(clock: Clock, thinning: Thinning) -> Generator[Event, Any, None]:
    """Serve the potential customers of ``thinning``'s product, alone in its part, to the
    horizon: each run of them booked in one step as :meth:`Thinning._serve_run` does."""
    queue = clock.env._queue  # peek without a call
    horizon, warmup = clock.horizon, clock.warmup
    store, level = thinning.store, thinning.level
    size, recovery = thinning.size, thinning.recovery
    watches = level.watches  # (the same list throughout: changed in place)
    single, one_by_one = thinning._single, thinning._one_by_one
    fill, backorder = store.fill_run, store.backorder_many
    simple = store.simple_backorders and not (size > 1 and store.policy.partial_fill)
    late_checks = store.late_checks
    bound = thinning._bound
    arrivals = thinning.queue()
    times = arrivals.times  # the same list throughout (refilled in place)
    t = arrivals.next_time()
    while t <= horizon:
        while t >= queue[0][0]:
            # Something is scheduled first: wait for it (as the heap loop does).
            _, priority, _, first = queue[0]
            if priority < prio.CUSTOMER:
                yield first
            else:
                yield clock.at(t, prio.CUSTOMER)
                break
        count = 0
        if watches and watches[0][0] <= t:
            level.catch_up(t)
        # store.fillable_run(size), else store.backorder_run(size), written out (alone)
        on_hand, backlog, trigger = store.on_hand, store.backlog_units, store.order_trigger
        if trigger == NEVER:
            ahead = (1 << 30) + 1
        else:
            ahead = (on_hand + store.on_order - backlog - trigger - 1) // size + 1
        run = 0 if backlog else min(on_hand // size, ahead)
        limit = queue[0][0]  # alone: every scheduled event concerns this product
        book: Callable[[list[float], int, int, int], None] = fill
        if run <= 1:
            if simple and (backlog or on_hand < size):
                run = ahead
            if run <= 1:
                count = single(t, arrivals)
            else:
                book = backorder
                if late_checks:  # no promise of the run's own may pass within it
                    wait = t + store.expected_wait + ON_TIME_TOLERANCE
                    if wait < limit:
                        limit = wait
        if not count:
            if t < warmup < limit:
                limit = warmup
            # enough potential customers for ``run`` orders at the level G has now: the mean
            # number, run / G, and 4 standard deviations more (too few would cut the run short
            # and leave its rest to another run: about half the runs, with the mean alone)
            threshold = level.threshold
            most = run
            if threshold != NEVER_LOWER:
                g = level.g
                if recovery is not None:
                    g = 1.0 - (1.0 - g) * exp((level.since - t) / recovery)
                g = g if g > 0.05 else 0.05
                most = int((run + 4.0 * sqrt(run * (1.0 - g)) + 1.0) / g) + 1
            # arrivals.run_before(limit, most), written out while no block needs reading
            pos = arrivals.pos
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
                count = single(t, arrivals)
            else:
                pos = arrivals.pos  # (reading more arrivals may have dropped the served ones)
                stop = pos + count
                last = times[stop - 1]
                ledger = store.customers
                if watches and watches[0][0] <= last and level.next_due() <= last:
                    ordered, count = one_by_one(arrivals, pos, stop, run)
                elif threshold == NEVER_LOWER:  # G is 1 over the whole run
                    if count <= run:
                        ledger.potential_orders += count
                        book(times, pos, stop, size)  # everyone orders
                        ordered = None
                    else:
                        ordered = times[pos : pos + run]
                        count = run
                else:  # G is one curve over the whole run
                    bound[()] = threshold  # (NumPy compares with an array faster than a float)
                    hits = (arrivals.keys[pos:stop] > bound).nonzero()[0]
                    if len(hits) > run:  # the run ends with its run-th order
                        count = int(hits[run - 1]) + 1
                        hits = hits[:run]
                    ordered = arrivals.stamps[pos:stop][hits].tolist()
                if ordered is not None:
                    ledger.potential_orders += count
                    n = len(ordered)
                    if n > 1:
                        book(ordered, 0, n, size)
                    elif n:
                        store.on_customer(ordered[0], size, None, None, 0.0)
                    if n < count:
                        ledger.orders_lost_to_goodwill += count - n
                        ledger.units_lost_to_goodwill += (count - n) * size
        pos = arrivals.pos + count
        arrivals.pos = pos
        t = times[pos] if pos < len(times) else arrivals.next_time()
