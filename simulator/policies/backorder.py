"""The backorder policy: whether a short order is offered as a backorder, and taken."""

from __future__ import annotations

import math

from simulator.scenario.schema import Backorder, Customers


class BackorderPolicy:
    """A scenario policy's ``backorder`` block, with the decisions of DESIGN.md §1 step 3.

    The store asks two questions about the short part of an order: does the policy *offer*
    it as a backorder (otherwise it is refused), and does the customer *take* it (otherwise
    it is declined)?
    """

    def __init__(self, spec: Backorder, customers: Customers) -> None:
        self.spec = spec
        self.allow = spec.allow
        self.partial_fill = spec.partial_fill
        self.max_backlog_units = spec.max_backlog_units
        self.max_quoted_wait_days = spec.max_quoted_wait_days
        self.quote_eta = spec.quote_eta
        self.padding = spec.eta_padding_days
        self.delay_updates = spec.delay_updates
        self.eta_update_min_days = spec.eta_update_min_days
        self.allocation = spec.allocation
        self.accept_probability = customers.accept_probability
        self.needs_eta = spec.allow and (spec.quote_eta or spec.max_quoted_wait_days is not None)
        """Whether an ETA must be worked out for every short order."""

    def offers(self, backlog_units: int, short: int, quoted_wait: float | None) -> bool:
        """Whether the short part is offered: allowed, within the backlog cap and the wait cap.

        ``quoted_wait`` is ETA - now (``math.inf`` when nothing will ever cover it), or None
        when no ETA is needed.
        """
        if not self.allow:
            return False
        if self.max_backlog_units is not None and backlog_units + short > self.max_backlog_units:
            return False
        if quoted_wait is None:
            return True
        if quoted_wait == math.inf:
            return False
        cap = self.max_quoted_wait_days
        return cap is None or quoted_wait <= cap

    def customer_takes(
        self, quoted_wait: float | None, max_quoted_wait: float | None, u: float
    ) -> bool:
        """Whether the customer accepts the offered backorder.

        Told an ETA, they decline if it is later than their ``max_quoted_wait_days``; they
        also decline unless their uniform draw ``u`` is below ``accept_probability``.
        """
        if (
            self.quote_eta
            and max_quoted_wait is not None
            and quoted_wait is not None
            and quoted_wait > max_quoted_wait
        ):
            return False
        return u < self.accept_probability
