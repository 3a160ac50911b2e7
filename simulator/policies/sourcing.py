"""Sourcing rules: which suppliers a product's replenishment order goes to.

Each YAML ``sourcing.rule`` name maps to one small class through ``REGISTRY``. A rule
splits an order quantity into ``(supplier, units)`` parts; ties between suppliers go by
preference order (the order of ``sourcing.suppliers``).
"""

from __future__ import annotations

from typing import ClassVar

from simulator.model.suppliers import Supplier
from simulator.scenario.schema import SourcingSpec


class SourcingRule:
    """Base class: the product's suppliers in preference order, and how to choose."""

    name: ClassVar[str]

    def __init__(self, spec: SourcingSpec, suppliers: list[Supplier], product: str = "") -> None:
        self.spec = spec
        self.suppliers = suppliers
        """In preference order; the first is the primary (see ``backup_share``)."""
        self.product = product
        """The product whose orders this rule places (its unit cost differs by supplier)."""

    def split(self, quantity: int) -> list[tuple[Supplier, int]]:
        """The supplier orders to place now for ``quantity`` units (no unit lost)."""
        return [(self.choose(), quantity)]

    def choose(self) -> Supplier:
        """The supplier a whole order would go to now."""
        raise NotImplementedError

    def expected_delivery(self, at: float) -> float:
        """When an order placed at ``at`` would be expected to arrive (all its parts)."""
        return max(s.expected_delivery(at) for s, _ in self.split_shape())

    def split_shape(self) -> list[tuple[Supplier, float]]:
        return [(self.choose(), 1.0)]


class Single(SourcingRule):
    """Always the first supplier."""

    name = "single"

    def choose(self) -> Supplier:
        return self.suppliers[0]

    def split(self, quantity: int) -> list[tuple[Supplier, int]]:
        return [(self.suppliers[0], quantity)]  # the common case, without a choice to make


def _earliest(suppliers: list[Supplier]) -> Supplier:
    best = suppliers[0]
    best_time = best.expected_delivery()
    for s in suppliers[1:]:
        t = s.expected_delivery()
        if t < best_time:
            best, best_time = s, t
    return best


class Failover(SourcingRule):
    """The first supplier that is up and expected within ``switch_after_days``, else the
    earliest expected delivery."""

    name = "failover"

    def choose(self) -> Supplier:
        limit = self.spec.switch_after_days
        assert limit is not None
        for s in self.suppliers:
            if not s.down and s.expected_delivery() - s.clock.now <= limit:
                return s
        return _earliest(self.suppliers)


class Fastest(SourcingRule):
    """The earliest expected delivery."""

    name = "fastest"

    def choose(self) -> Supplier:
        return _earliest(self.suppliers)


class Cheapest(SourcingRule):
    """The lowest unit cost of this rule's product (ties by preference order)."""

    name = "cheapest"

    def choose(self) -> Supplier:
        return min(self.suppliers, key=lambda s: s.unit_cost(self.product))


class Split(SourcingRule):
    """Every order divided by ``fractions`` with largest-remainder rounding."""

    name = "split"

    def split(self, quantity: int) -> list[tuple[Supplier, int]]:
        fractions = self.spec.fractions
        assert fractions is not None
        return [
            (s, units)
            for s, units in zip(self.suppliers, largest_remainder(quantity, fractions), strict=True)
            if units > 0
        ]

    def choose(self) -> Supplier:  # pragma: no cover - split never sends a whole order
        return self.suppliers[0]

    def split_shape(self) -> list[tuple[Supplier, float]]:
        fractions = self.spec.fractions
        assert fractions is not None
        return [(s, f) for s, f in zip(self.suppliers, fractions, strict=True) if f > 0]


def largest_remainder(quantity: int, fractions: list[float]) -> list[int]:
    """Whole units per share, summing to ``quantity``; leftover units go to the largest
    remainders (ties to the earlier supplier)."""
    total = sum(fractions)
    exact = [quantity * f / total for f in fractions]
    parts = [int(x) for x in exact]
    leftover = quantity - sum(parts)
    order = sorted(range(len(fractions)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:leftover]:
        parts[i] += 1
    return parts


REGISTRY: dict[str, type[SourcingRule]] = {
    cls.name: cls for cls in (Single, Failover, Split, Fastest, Cheapest)
}
"""YAML ``rule`` name -> class."""


def make_sourcing(
    spec: SourcingSpec, suppliers: dict[str, Supplier], product: str = ""
) -> SourcingRule:
    """The rule object for the sourcing block of product ``product``."""
    return REGISTRY[spec.rule](spec, [suppliers[sid] for sid in spec.suppliers], product)
