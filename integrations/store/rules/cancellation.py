"""Whether an order may be cancelled now: Shopdesk's own rule, for every backend."""

from __future__ import annotations

from typing import Literal

from integrations.store.rules.facts import ALREADY_SHIPPED, OrderFacts, Refusal

CancelDecision = Literal["cancel", "already_cancelled"]


def cancellation(order: OrderFacts) -> CancelDecision | Refusal:
    """``"cancel"`` when the order may be cancelled now, ``"already_cancelled"`` when there
    is nothing to do (a retry), or the refusal."""
    if order.cancelled:
        return "already_cancelled"
    if order.shipped or order.status != "processing":
        return Refusal(ALREADY_SHIPPED, "the order has already shipped")
    return "cancel"
