"""Replenishment policies: how much a product orders given its inventory position.

Each YAML ``replenishment.policy`` name maps to one small class through ``REGISTRY``. A
policy only answers "how many units to order now"; when it is asked (after every event, or
every ``review_period_days``) is the store's business.
"""

from __future__ import annotations

from typing import Any, ClassVar

from simulator.scenario.schema import (
    BaseStockSpec,
    NoReplenishmentSpec,
    ReplenishmentSpec,
    RQSpec,
    SSSpec,
)

NEVER = -(2**62)
"""A trigger no inventory position reaches."""


class ReplenishmentPolicy:
    """Base class: decides an order quantity from the inventory position (IP)."""

    name: ClassVar[str]
    places_orders: ClassVar[bool] = True
    """False for a policy that never orders (an uncovered backorder can then never be filled)."""
    trigger: int
    """The policy orders exactly when IP <= trigger (checked first, on the hot path)."""

    def __init__(self, spec: Any) -> None:
        raise NotImplementedError

    def order_quantity(self, inventory_position: int) -> int:
        """Units to order now, given IP = on hand + on order - backlog."""
        raise NotImplementedError


class BaseStock(ReplenishmentPolicy):
    """If IP < S, order S - IP."""

    name = "base_stock"

    def __init__(self, spec: BaseStockSpec) -> None:
        self.level = spec.level
        self.trigger = spec.level - 1

    def order_quantity(self, inventory_position: int) -> int:
        return self.level - inventory_position if inventory_position < self.level else 0


class RQ(ReplenishmentPolicy):
    """If IP <= r, order n·Q with n = ceil((r + 1 - IP) / Q): the fewest batches lifting IP
    above r."""

    name = "rQ"

    def __init__(self, spec: RQSpec) -> None:
        self.reorder_point = spec.reorder_point
        self.batch = spec.order_quantity
        self.trigger = spec.reorder_point

    def order_quantity(self, inventory_position: int) -> int:
        if inventory_position > self.reorder_point:
            return 0
        batches = -(-(self.reorder_point + 1 - inventory_position) // self.batch)
        return batches * self.batch


class SS(ReplenishmentPolicy):
    """If IP <= s, order up to S."""

    name = "sS"

    def __init__(self, spec: SSSpec) -> None:
        self.reorder_point = spec.reorder_point
        self.order_up_to = spec.order_up_to
        self.trigger = spec.reorder_point

    def order_quantity(self, inventory_position: int) -> int:
        if inventory_position > self.reorder_point:
            return 0
        return self.order_up_to - inventory_position


class NoReplenishment(ReplenishmentPolicy):
    """Never order."""

    name = "none"
    places_orders = False

    def __init__(self, spec: NoReplenishmentSpec) -> None:
        self.trigger = NEVER

    def order_quantity(self, inventory_position: int) -> int:
        return 0


REGISTRY: dict[str, type[ReplenishmentPolicy]] = {
    cls.name: cls for cls in (BaseStock, RQ, SS, NoReplenishment)
}
"""YAML policy name -> class."""


def make_replenishment(spec: ReplenishmentSpec) -> ReplenishmentPolicy:
    """The policy object for a scenario's ``replenishment`` block."""
    return REGISTRY[spec.policy](spec)
