"""Store rules as plain functions over plain data: no database, no HTTP.

The service turns database rows into these dataclasses, asks the rules, and acts on the
answer. Refusals carry a stable ``code`` that the API returns and the bot maps to a reply.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from store.policy import StorePolicy

# Refusal codes (part of the API contract).
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


def return_deadline(delivered_on: date, policy: StorePolicy) -> date:
    """Last day a return may be started for an item delivered on ``delivered_on``."""
    return delivered_on + timedelta(days=policy.return_window_days)


def line_eligibility(
    line: LineFacts, *, order: OrderFacts, today: date, policy: StorePolicy
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
    order: OrderFacts, *, today: date, policy: StorePolicy
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
    policy: StorePolicy,
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


CancelDecision = Literal["cancel", "already_cancelled"]


def cancellation(order: OrderFacts) -> CancelDecision | Refusal:
    """``"cancel"`` when the order may be cancelled now, ``"already_cancelled"`` when there
    is nothing to do (a retry), or the refusal."""
    if order.cancelled:
        return "already_cancelled"
    if order.shipped or order.status != "processing":
        return Refusal(ALREADY_SHIPPED, "the order has already shipped")
    return "cancel"


def address_change_refusal(order: OrderFacts) -> Refusal | None:
    """None when the shipping address may still be changed."""
    if order.cancelled:
        return Refusal(ORDER_CANCELLED, "the order was cancelled")
    if order.shipped or order.status != "processing":
        return Refusal(ALREADY_SHIPPED, "the order has already shipped")
    return None


# --- shipping address validation -------------------------------------------------------

# Royal Mail format, outward + inward code; spaces and case are normalised first.
_UK_POSTCODE = re.compile(r"^(GIR0AA|[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2})$")
_GENERIC_POSTCODE = re.compile(r"^[A-Z0-9][A-Z0-9 -]{1,9}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Address:
    name: str
    line1: str
    line2: str | None
    city: str
    postcode: str
    country: str


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


def normalize_postcode(value: str) -> str:
    """Upper case, no spaces: the form used for comparisons."""
    return "".join(value.split()).upper()


def format_postcode(value: str, country: str) -> str:
    compact = normalize_postcode(value)
    if country == "GB" and len(compact) > 3:
        return f"{compact[:-3]} {compact[-3:]}"
    return compact


def _text(raw: Mapping[str, Any], name: str, *, required: bool, max_len: int) -> str | None:
    value = raw.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _Invalid(name, "is required")
        return None
    if not isinstance(value, str):
        raise _Invalid(name, "must be a string")
    value = " ".join(value.split())
    if _CONTROL.search(value):
        raise _Invalid(name, "contains control characters")
    if len(value) > max_len:
        raise _Invalid(name, f"must be at most {max_len} characters")
    return value


class _Invalid(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(field, message)
        self.field = field
        self.message = message


def validate_address(
    raw: Mapping[str, Any], *, allowed_countries: Sequence[str]
) -> Address | FieldError:
    """A cleaned ``Address``, or the first ``FieldError`` (field named as in the request)."""
    try:
        name = _text(raw, "name", required=True, max_len=100)
        line1 = _text(raw, "line1", required=True, max_len=100)
        line2 = _text(raw, "line2", required=False, max_len=100)
        city = _text(raw, "city", required=True, max_len=60)
        country_raw = _text(raw, "country", required=True, max_len=2)
        postcode_raw = _text(raw, "postcode", required=True, max_len=12)
    except _Invalid as bad:
        return FieldError(bad.field, f"{bad.field} {bad.message}")
    assert name and line1 and city and country_raw and postcode_raw  # required above
    country = country_raw.upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        return FieldError("country", "country must be a two-letter ISO 3166 code")
    if country not in allowed_countries:
        return FieldError("country", f"the store does not ship to {country}")
    compact = normalize_postcode(postcode_raw)
    pattern = _UK_POSTCODE if country == "GB" else _GENERIC_POSTCODE
    if not pattern.fullmatch(compact):
        return FieldError("postcode", f"postcode is not a valid {country} postcode")
    return Address(
        name=name,
        line1=line1,
        line2=line2,
        city=city,
        postcode=format_postcode(compact, country),
        country=country,
    )
