"""The backlog: open backorders, kept in the policy's allocation order.

Free stock goes to the backlog in this order (``fifo``: oldest first; ``smallest_first`` /
``largest_first``: by the units backordered at order time, ties oldest first). Entries that
close in the middle (a cancellation) are marked closed and dropped when they reach the head.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Iterator
from typing import Any, ClassVar


class BackorderEntry:
    """One customer's open backorder: the short part of one order."""

    __slots__ = (
        "closed",
        "deadline",
        "first_quote",
        "key",
        "ledger",
        "placed",
        "quote",
        "remaining",
        "seq",
        "short",
        "version",
    )

    def __init__(
        self, seq: int, placed: float, short: int, ledger: Any, key: tuple[int, int]
    ) -> None:
        self.seq = seq
        """Arrival order of the customer (ties in allocation go to the smaller)."""
        self.placed = placed
        """Time the customer ordered."""
        self.short = short
        """Units backordered at order time."""
        self.remaining = short
        """Units still unshipped."""
        self.ledger = ledger
        """Where this customer's counts go (the warm-up ledger or the window ledger)."""
        self.key = key
        """Position in allocation order (see ``Backlog.key_for``)."""
        self.closed = False
        self.deadline = float("inf")
        """When the customer cancels what is still unshipped."""
        self.first_quote: float | None = None
        """The date first quoted (on-time and lateness are measured against it)."""
        self.quote: float | None = None
        """The date most recently quoted (delay updates move it)."""
        self.version = 0
        """Bumped when the deadline moves, so stale patience events can be ignored."""


class BackorderBatch(BackorderEntry):
    """Several customers' backorders booked in one step: consecutive orders of ``units`` each,
    placed at ``times``, none with a quote or a patience limit. They are served in order,
    each customer whole."""

    __slots__ = ("first", "times", "units")

    def __init__(
        self, seq: int, times: list[float], units: int, ledger: Any, key: tuple[int, int]
    ) -> None:
        # BackorderEntry.__init__ written out: one batch is booked per run of customers
        self.seq = seq
        self.placed = times[0]
        self.short = self.remaining = units * len(times)
        self.ledger = ledger
        self.key = key
        self.closed = False
        self.deadline = math.inf
        self.first_quote = None
        self.quote = None
        self.version = 0
        self.times = times
        """Order times of the customers, oldest first."""
        self.units = units
        """Units each customer backordered."""
        self.first = 0
        """Index in ``times`` of the first customer not yet shipped."""


class Backlog:
    """Open backorders in allocation order. Subclasses fix the order."""

    name: ClassVar[str]

    def __len__(self) -> int:
        raise NotImplementedError

    def key_for(self, short: int, seq: int) -> tuple[int, int]:
        """The allocation key of a new entry: smaller keys are served first."""
        raise NotImplementedError

    def push(self, entry: BackorderEntry) -> None:
        raise NotImplementedError

    def head(self) -> BackorderEntry | None:
        """The open entry served next, or None."""
        raise NotImplementedError

    def last(self) -> BackorderEntry | None:
        """The entry pushed last, if it is served last (FIFO; else None)."""
        return None

    def entries(self) -> Iterator[BackorderEntry]:
        """Every open entry, in no particular order."""
        raise NotImplementedError

    def units_ahead(self, key: tuple[int, int]) -> int:
        """Units still owed to open entries served before an entry with this key."""
        return sum(e.remaining for e in self.entries() if e.key < key)


class FifoBacklog(Backlog):
    """Oldest order first."""

    name = "fifo"

    def __init__(self) -> None:
        self._queue: deque[BackorderEntry] = deque()

    def __len__(self) -> int:
        return len(self._queue)

    def key_for(self, short: int, seq: int) -> tuple[int, int]:
        return (0, seq)

    def push(self, entry: BackorderEntry) -> None:
        self._queue.append(entry)

    def head(self) -> BackorderEntry | None:
        queue = self._queue
        while queue and queue[0].closed:
            queue.popleft()
        return queue[0] if queue else None

    def last(self) -> BackorderEntry | None:
        queue = self._queue
        return queue[-1] if queue else None

    def entries(self) -> Iterator[BackorderEntry]:
        return (e for e in self._queue if not e.closed)


class SizeBacklog(Backlog):
    """By units backordered, smallest (sign +1) or largest (sign -1) first; ties oldest first."""

    sign: ClassVar[int]

    def __init__(self) -> None:
        self._heap: list[tuple[tuple[int, int], BackorderEntry]] = []

    def __len__(self) -> int:
        return len(self._heap)

    def key_for(self, short: int, seq: int) -> tuple[int, int]:
        return (self.sign * short, seq)

    def push(self, entry: BackorderEntry) -> None:
        heapq.heappush(self._heap, (entry.key, entry))

    def head(self) -> BackorderEntry | None:
        heap = self._heap
        while heap and heap[0][1].closed:
            heapq.heappop(heap)
        return heap[0][1] if heap else None

    def entries(self) -> Iterator[BackorderEntry]:
        return (e for _, e in self._heap if not e.closed)


class SmallestFirstBacklog(SizeBacklog):
    name = "smallest_first"
    sign = 1


class LargestFirstBacklog(SizeBacklog):
    name = "largest_first"
    sign = -1


REGISTRY: dict[str, type[Backlog]] = {
    cls.name: cls for cls in (FifoBacklog, SmallestFirstBacklog, LargestFirstBacklog)
}
"""YAML ``allocation`` name -> backlog class."""
