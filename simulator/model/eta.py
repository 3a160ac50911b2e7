"""ETA quotes: when the store expects a short part to be covered (DESIGN.md §1, ETA quotes)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.policies.allocation import Backlog, BackorderEntry
    from simulator.policies.backorder import BackorderPolicy
    from simulator.policies.replenishment import ReplenishmentPolicy
    from simulator.policies.sourcing import SourcingRule


class EtaQuotes:
    """The quoting methods of :class:`~simulator.model.store.Store` (a mixin)."""

    if not TYPE_CHECKING:  # no __dict__ of its own: the store declares its slots
        __slots__ = ()

    if TYPE_CHECKING:  # the store's state these methods use
        backlog: Backlog
        on_hand: int
        policy: BackorderPolicy
        replenishment: ReplenishmentPolicy
        reserved_for: BackorderEntry | None
        review_period: float | None
        sourcing: SourcingRule

    def _units_ahead(self, key: tuple[int, int]) -> int:
        """Units owed to backorders served before one with allocation key ``key``: those
        ahead in allocation order, and the one the stock is kept for."""
        ahead = self.backlog.units_ahead(key)
        kept = self.reserved_for
        if kept is not None and kept.key > key:
            ahead += kept.remaining
        return ahead

    # -- ETA ---------------------------------------------------------------------------------
    def eta(self, now: float, needed: int) -> float:
        """When ``needed`` units (the backlog ahead plus this customer's) are expected covered.

        On-hand stock counts first, then open supplier orders by expected arrival; what no
        open order covers gets the expected arrival of the order the policy places at the
        next review. ``math.inf`` if nothing will cover it. Padding is included.
        """
        covered = self.on_hand
        when = now
        if covered < needed:
            arrivals: list[tuple[float, int]] = []
            for supplier in self.sourcing.suppliers:
                for t, order in supplier.expected_arrivals():
                    if order.store is self:
                        arrivals.append((t, order.quantity))
            arrivals.sort(key=lambda a: a[0])
            for t, quantity in arrivals:
                covered += quantity
                if covered >= needed:
                    when = t
                    break
            else:
                if not self.replenishment.places_orders:
                    return math.inf
                when = self.sourcing.expected_delivery(self._next_review(now))
        return max(when, now) + self.policy.padding

    def _next_review(self, now: float) -> float:
        if self.review_period is None:
            return now
        return (math.floor(now / self.review_period + 1e-12) + 1) * self.review_period
