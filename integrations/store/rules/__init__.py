"""Shopdesk's own rules over any platform's order data, one module per rule: returns,
cancellation, address change. Plain functions over plain data (no database, no HTTP),
shared by every backend, so a refusal has one reason and one code whatever the platform."""

from integrations.store.rules.address import (
    Address,
    FieldError,
    address_change_refusal,
    format_postcode,
    normalize_postcode,
    validate_address,
)
from integrations.store.rules.cancellation import CancelDecision, cancellation
from integrations.store.rules.facts import (
    ALREADY_RETURNED,
    ALREADY_SHIPPED,
    FINAL_SALE,
    NOT_DELIVERED,
    ORDER_CANCELLED,
    QUANTITY_EXCEEDED,
    RETURN_WINDOW_EXPIRED,
    LineFacts,
    OrderFacts,
    Refusal,
)
from integrations.store.rules.returns import (
    LineEligibility,
    RequestedLine,
    ReturnTerms,
    UnknownLine,
    check_return_request,
    line_eligibility,
    order_eligibility,
    return_deadline,
)

__all__ = [
    "ALREADY_RETURNED",
    "ALREADY_SHIPPED",
    "FINAL_SALE",
    "NOT_DELIVERED",
    "ORDER_CANCELLED",
    "QUANTITY_EXCEEDED",
    "RETURN_WINDOW_EXPIRED",
    "Address",
    "CancelDecision",
    "FieldError",
    "LineEligibility",
    "LineFacts",
    "OrderFacts",
    "Refusal",
    "RequestedLine",
    "ReturnTerms",
    "UnknownLine",
    "address_change_refusal",
    "cancellation",
    "check_return_request",
    "format_postcode",
    "line_eligibility",
    "normalize_postcode",
    "order_eligibility",
    "return_deadline",
    "validate_address",
]
