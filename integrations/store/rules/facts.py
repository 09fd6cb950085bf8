"""What the rules know about an order: plain data every backend builds from its platform
(the reference store from its rows, the Shopify adapter from the Admin API's answers), and
the refusals the rules give, each with a stable code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Refusal codes (the reference store's API returns them; the bot words each one).
NOT_DELIVERED = "not_delivered"
RETURN_WINDOW_EXPIRED = "return_window_expired"
FINAL_SALE = "final_sale"
ALREADY_RETURNED = "already_returned"
QUANTITY_EXCEEDED = "quantity_exceeded"
ORDER_CANCELLED = "order_cancelled"
ALREADY_SHIPPED = "already_shipped"


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


@dataclass(frozen=True)
class LineFacts:
    line_id: int
    quantity: int
    final_sale: bool
    # Units already in a return (any RMA that was not rejected).
    returned_quantity: int
    # Day the shipment carrying this line was delivered; None while not delivered.
    delivered_on: date | None


@dataclass(frozen=True)
class OrderFacts:
    status: str
    # True once any shipment has left the warehouse (a label alone does not count).
    shipped: bool
    lines: tuple[LineFacts, ...]

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"
