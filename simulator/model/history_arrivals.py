"""Customers from an orders history: replayed as recorded, or resampled in blocks of days.

A :class:`HistoryArrivals` source is a :class:`CustomerSource` whose arrival times and order
sizes come from the history instead of a rate and an order-size distribution; everything
else about a customer (the traits each draws from its own stream at arrival) is the same.

- ``replay``: the recorded orders (time, quantity), identical in every replication;
- ``bootstrap``: a moving-block bootstrap. Day k·b to (k+1)·b of the run (b =
  ``block_days``) copies the orders of b consecutive days of the history starting at a
  day drawn uniformly from 0 .. D − b (D the days the history covers), keeping each order's
  time within the block and its quantity, from the stream ``(product, ID,
  history_blocks)``. Whole blocks keep the within-week pattern and short-range dependence
  of the history; where they come from in the year is not kept.

Every recorded order is used, including those of out-of-stock days (what was recorded is
what is replayed).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import numpy as np

from simulator.distributions import BLOCK, Sampler
from simulator.history.orders import ProductOrders, load_orders
from simulator.model.customers import CustomerSource
from simulator.model.store import Store
from simulator.scenario.schema import Customers, Demand, HistoryDemand
from simulator.streams import RandomStreams

_NO_RATE = Demand(rate_per_day=0.0)
"""The rate-based part of a history source: none (arrivals come from the history)."""


class _Recorded:
    """Hands out recorded order sizes in time order, as a sampler hands out draws."""

    __slots__ = ("_sizes",)

    def __init__(self, quantities: np.ndarray) -> None:
        self._sizes: list[float] = quantities.astype(float).tolist()[::-1]

    def __call__(self) -> float:
        return self._sizes.pop()


def bootstrap_orders(
    orders: ProductOrders, days: int, block_days: int, horizon: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Times and quantities of a block-bootstrap resample covering [0, horizon]."""
    blocks = int(np.ceil(horizon / block_days)) + 1
    starts = rng.integers(0, days - block_days + 1, size=blocks)
    times = orders.times
    first = np.searchsorted(times, starts, side="left")
    last = np.searchsorted(times, starts + block_days, side="left")
    pieces_t: list[np.ndarray] = []
    pieces_q: list[np.ndarray] = []
    for k, (start, i, j) in enumerate(zip(starts.tolist(), first, last, strict=True)):
        pieces_t.append(times[i:j] - start + k * block_days)
        pieces_q.append(orders.quantities[i:j])
    t = np.concatenate(pieces_t) if pieces_t else np.zeros(0)
    q = np.concatenate(pieces_q) if pieces_q else np.zeros(0, dtype=np.int64)
    keep = t <= horizon
    return t[keep], q[keep]


class HistoryArrivals(CustomerSource):
    """The customers of one product whose demand is a history (see the module docstring)."""

    def __init__(
        self,
        pid: str,
        demand: HistoryDemand,
        customers: Customers,
        store: Store,
        streams: RandomStreams,
        horizon: float,
        block: int = BLOCK,
    ) -> None:
        super().__init__(pid, _NO_RATE, customers, store, streams, block)
        history = load_orders(demand.history, demand.start)
        orders = history.products[demand.product or pid]
        if demand.mode == "replay":
            keep = orders.times <= horizon
            times, quantities = orders.times[keep], orders.quantities[keep]
        else:
            rng = streams.generator("product", pid, "history_blocks")
            times, quantities = bootstrap_orders(
                orders, history.days, demand.block_days, horizon, rng
            )
        self.rate = len(times) / horizon if horizon > 0 else 0.0
        self.blocks = _chunks(times, block)
        self._size = cast(Sampler, _Recorded(quantities))
        self.plain = False
        """Sizes differ from order to order: every customer is served one at a time."""


def _chunks(times: np.ndarray, block: int) -> Iterator[np.ndarray]:
    for i in range(0, len(times), block):
        yield times[i : i + block]
