"""Whether a return may be made: Shopdesk's own rule, the one answer to "why was this
return refused?" whatever the platform.

The return window and the limits come from the store's configuration (`ReturnTerms`: the
store's policy), final sale from the line (a product tag the store names, on Shopify), the
units already returned from the platform. Checked in order: cancelled order, not delivered,
final sale, nothing left to return, return window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from integrations.store.rules.facts import (
    ALREADY_RETURNED,
    FINAL_SALE,
    NOT_DELIVERED,
    ORDER_CANCELLED,
    QUANTITY_EXCEEDED,
    RETURN_WINDOW_EXPIRED,
    LineFacts,
    OrderFacts,
    Refusal,
)


class ReturnTerms(Protocol):
    """The parts of a store's policy the return rule reads."""

    @property
    def return_window_days(self) -> int: ...

    @property
    def max_units_per_return(self) -> int: ...

    @property
    def final_sale_returnable(self) -> bool: ...


@dataclass(frozen=True)
class LineEligibility:
    line_id: int
    eligible: bool
    returnable_quantity: int
    refusal: Refusal | None
    # Last day a return may be started; None while not delivered.
    return_by: date | None


@dataclass(frozen=True)
class RequestedLine:
    line_id: int
    quantity: int


def return_deadline(delivered_on: date, policy: ReturnTerms) -> date:
    """Last day a return may be started for an item delivered on ``delivered_on``."""
    return delivered_on + timedelta(days=policy.return_window_days)


def line_eligibility(
    line: LineFacts, *, order: OrderFacts, today: date, policy: ReturnTerms
) -> LineEligibility:
    """May this line be returned today, and how many units of it?

    Checked in order: cancelled order, not delivered, final sale, nothing left to return,
    return window. The window includes its last day: delivered on day D with a 30-day
    window, a return may start up to and including D + 30.
    """
    return_by = return_deadline(line.delivered_on, policy) if line.delivered_on else None
    remaining = max(line.quantity - line.returned_quantity, 0)

    def refuse(code: str, message: str) -> LineEligibility:
        return LineEligibility(line.line_id, False, 0, Refusal(code, message), return_by)

    if order.cancelled:
        return refuse(ORDER_CANCELLED, "the order was cancelled")
    if line.delivered_on is None or return_by is None:
        return refuse(NOT_DELIVERED, "the item has not been delivered yet")
    if line.final_sale and not policy.final_sale_returnable:
        return refuse(FINAL_SALE, "final-sale items cannot be returned")
    if remaining == 0:
        return refuse(ALREADY_RETURNED, "every unit of this item is already being returned")
    if today > return_by:
        return refuse(
            RETURN_WINDOW_EXPIRED,
            f"the {policy.return_window_days}-day return window ended on {return_by.isoformat()}",
        )
    return LineEligibility(line.line_id, True, remaining, None, return_by)


def order_eligibility(
    order: OrderFacts, *, today: date, policy: ReturnTerms
) -> tuple[LineEligibility, ...]:
    return tuple(
        line_eligibility(line, order=order, today=today, policy=policy) for line in order.lines
    )


class UnknownLine(ValueError):
    """A requested line is not part of the order (a bad request, not a rule refusal)."""


def check_return_request(
    order: OrderFacts,
    requested: Sequence[RequestedLine],
    *,
    today: date,
    policy: ReturnTerms,
) -> Refusal | None:
    """None when every requested line may be returned in the requested quantity.

    Raises ``UnknownLine`` for a line id that is not on the order or listed twice.
    """
    by_id = {e.line_id: e for e in order_eligibility(order, today=today, policy=policy)}
    seen: set[int] = set()
    for item in requested:
        if item.line_id not in by_id or item.line_id in seen:
            raise UnknownLine(item.line_id)
        seen.add(item.line_id)
    for item in requested:
        verdict = by_id[item.line_id]
        if verdict.refusal is not None:
            return verdict.refusal
        if item.quantity > verdict.returnable_quantity:
            return Refusal(
                QUANTITY_EXCEEDED,
                f"line {item.line_id}: at most {verdict.returnable_quantity} unit(s) "
                "can be returned",
            )
    total = sum(item.quantity for item in requested)
    if total > policy.max_units_per_return:
        return Refusal(
            QUANTITY_EXCEEDED,
            f"a single return may contain at most {policy.max_units_per_return} units",
        )
    return None
