"""What the store returns, as frozen dataclasses parsed strictly from JSON.

Any missing key or wrong type raises ``MalformedResponse``; the client turns that into
``StoreUnavailable`` so a half-understood answer is never acted upon.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

T = TypeVar("T")

ORDER_STATUSES = frozenset(
    {"processing", "shipped", "delivered", "cancelled", "returned", "refunded"}
)
SHIPMENT_STATUSES = frozenset(
    {"label_created", "in_transit", "out_for_delivery", "delivered", "exception"}
)
REFUND_STATUSES = frozenset({"pending", "issued", "failed"})

# Shopdesk's own words where a platform gives none (the Shopify adapter's); the actions say
# them in the shopper's language (actions/phrases.py), anything else as the store wrote it.
ORIGINAL_PAYMENT = "your original payment method"
STORE_CREDIT = "store credit"
UNNAMED_CARRIER = "the carrier"
LABEL_BY_EMAIL = (
    "The store reviews the request and emails you the return label and instructions; "
    "your refund is issued once the parcel is back."
)


class MalformedResponse(ValueError):
    """The JSON does not have the documented shape."""


def _obj(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise MalformedResponse(f"{what}: expected an object")
    return data


def _get(data: Mapping[str, Any], key: str) -> Any:
    if key not in data:
        raise MalformedResponse(f"missing key {key!r}")
    return data[key]


def _str(data: Mapping[str, Any], key: str) -> str:
    value = _get(data, key)
    if not isinstance(value, str):
        raise MalformedResponse(f"{key}: expected a string")
    return value


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = _get(data, key)
    if value is not None and not isinstance(value, str):
        raise MalformedResponse(f"{key}: expected a string or null")
    return value


def _int(data: Mapping[str, Any], key: str) -> int:
    value = _get(data, key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise MalformedResponse(f"{key}: expected an integer")
    return value


def _bool(data: Mapping[str, Any], key: str) -> bool:
    value = _get(data, key)
    if not isinstance(value, bool):
        raise MalformedResponse(f"{key}: expected a boolean")
    return value


def _money(data: Mapping[str, Any], key: str) -> Decimal:
    # Money travels as a decimal string ("89.00"), never a float.
    value = _str(data, key)
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise MalformedResponse(f"{key}: expected a decimal string") from None
    if not amount.is_finite():
        raise MalformedResponse(f"{key}: expected a finite amount")
    return amount


def _enum(data: Mapping[str, Any], key: str, allowed: frozenset[str]) -> str:
    value = _str(data, key)
    if value not in allowed:
        raise MalformedResponse(f"{key}: unknown value {value!r}")
    return value


def _datetime(data: Mapping[str, Any], key: str) -> datetime:
    value = _str(data, key)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise MalformedResponse(f"{key}: expected an ISO 8601 datetime") from None
    if parsed.tzinfo is None:
        raise MalformedResponse(f"{key}: expected a timezone-aware datetime")
    return parsed


def _opt_datetime(data: Mapping[str, Any], key: str) -> datetime | None:
    return None if _get(data, key) is None else _datetime(data, key)


def _opt_date(data: Mapping[str, Any], key: str) -> date | None:
    value = _get(data, key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedResponse(f"{key}: expected a date string")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise MalformedResponse(f"{key}: expected an ISO 8601 date") from None


def _list(data: Mapping[str, Any], key: str, parse: Callable[[Any], T]) -> tuple[T, ...]:
    value = _get(data, key)
    if not isinstance(value, list):
        raise MalformedResponse(f"{key}: expected a list")
    return tuple(parse(item) for item in value)


def _int_item(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise MalformedResponse("expected an integer")
    return value


def _str_item(value: Any) -> str:
    if not isinstance(value, str):
        raise MalformedResponse("expected a string")
    return value


@dataclass(frozen=True)
class Address:
    name: str
    line1: str
    city: str
    postcode: str
    country: str
    line2: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Address:
        d = _obj(data, "address")
        return cls(
            name=_str(d, "name"),
            line1=_str(d, "line1"),
            line2=_opt_str(d, "line2"),
            city=_str(d, "city"),
            postcode=_str(d, "postcode"),
            country=_str(d, "country"),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "line1": self.line1,
            "line2": self.line2,
            "city": self.city,
            "postcode": self.postcode,
            "country": self.country,
        }


@dataclass(frozen=True)
class Customer:
    name: str
    email: str

    @classmethod
    def from_json(cls, data: Any) -> Customer:
        d = _obj(data, "customer")
        return cls(name=_str(d, "name"), email=_str(d, "email"))


@dataclass(frozen=True)
class OrderLine:
    line_id: int
    sku: str
    name: str
    category: str
    quantity: int
    unit_price: Decimal
    final_sale: bool
    returned_quantity: int
    returnable_quantity: int

    @classmethod
    def from_json(cls, data: Any) -> OrderLine:
        d = _obj(data, "line")
        return cls(
            line_id=_int(d, "line_id"),
            sku=_str(d, "sku"),
            name=_str(d, "name"),
            category=_str(d, "category"),
            quantity=_int(d, "quantity"),
            unit_price=_money(d, "unit_price"),
            final_sale=_bool(d, "final_sale"),
            returned_quantity=_int(d, "returned_quantity"),
            returnable_quantity=_int(d, "returnable_quantity"),
        )


@dataclass(frozen=True)
class Shipment:
    carrier: str
    tracking_number: str
    tracking_url: str
    status: str
    eta: date | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    line_ids: tuple[int, ...]

    @classmethod
    def from_json(cls, data: Any) -> Shipment:
        d = _obj(data, "shipment")
        return cls(
            carrier=_str(d, "carrier"),
            tracking_number=_str(d, "tracking_number"),
            tracking_url=_str(d, "tracking_url"),
            status=_enum(d, "status", SHIPMENT_STATUSES),
            eta=_opt_date(d, "eta"),
            shipped_at=_opt_datetime(d, "shipped_at"),
            delivered_at=_opt_datetime(d, "delivered_at"),
            line_ids=_list(d, "line_ids", _int_item),
        )


@dataclass(frozen=True)
class ReturnLine:
    """One line of a return: used both to request a return and in the RMA that comes back."""

    line_id: int
    quantity: int

    @classmethod
    def from_json(cls, data: Any) -> ReturnLine:
        d = _obj(data, "return line")
        return cls(line_id=_int(d, "line_id"), quantity=_int(d, "quantity"))

    def to_json(self) -> dict[str, Any]:
        return {"line_id": self.line_id, "quantity": self.quantity}


@dataclass(frozen=True)
class ReturnAuthorization:
    rma_number: str
    status: str
    reason: str
    comment: str | None
    label_url: str
    instructions: str
    refund_amount: Decimal
    currency: str
    created_at: datetime
    lines: tuple[ReturnLine, ...]

    @classmethod
    def from_json(cls, data: Any) -> ReturnAuthorization:
        d = _obj(data, "return")
        return cls(
            rma_number=_str(d, "rma_number"),
            status=_str(d, "status"),
            reason=_str(d, "reason"),
            comment=_opt_str(d, "comment"),
            label_url=_str(d, "label_url"),
            instructions=_str(d, "instructions"),
            refund_amount=_money(d, "refund_amount"),
            currency=_str(d, "currency"),
            created_at=_datetime(d, "created_at"),
            lines=_list(d, "lines", ReturnLine.from_json),
        )


@dataclass(frozen=True)
class Refund:
    amount: Decimal
    currency: str
    status: str
    method: str
    created_at: datetime
    issued_at: datetime | None
    # While pending: the day the refund should have landed by (store policy).
    expected_by: date | None

    @classmethod
    def from_json(cls, data: Any) -> Refund:
        d = _obj(data, "refund")
        return cls(
            amount=_money(d, "amount"),
            currency=_str(d, "currency"),
            status=_enum(d, "status", REFUND_STATUSES),
            method=_str(d, "method"),
            created_at=_datetime(d, "created_at"),
            issued_at=_opt_datetime(d, "issued_at"),
            expected_by=_opt_date(d, "expected_by"),
        )


@dataclass(frozen=True)
class Order:
    order_number: str
    status: str
    placed_at: datetime
    cancelled_at: datetime | None
    currency: str
    subtotal: Decimal
    shipping: Decimal
    total: Decimal
    payment_method: str
    customer: Customer
    shipping_address: Address
    can_cancel: bool
    can_change_address: bool
    lines: tuple[OrderLine, ...]
    shipments: tuple[Shipment, ...]
    returns: tuple[ReturnAuthorization, ...]
    refunds: tuple[Refund, ...]

    @classmethod
    def from_json(cls, data: Any) -> Order:
        d = _obj(data, "order")
        return cls(
            order_number=_str(d, "order_number"),
            status=_enum(d, "status", ORDER_STATUSES),
            placed_at=_datetime(d, "placed_at"),
            cancelled_at=_opt_datetime(d, "cancelled_at"),
            currency=_str(d, "currency"),
            subtotal=_money(d, "subtotal"),
            shipping=_money(d, "shipping"),
            total=_money(d, "total"),
            payment_method=_str(d, "payment_method"),
            customer=Customer.from_json(_get(d, "customer")),
            shipping_address=Address.from_json(_get(d, "shipping_address")),
            can_cancel=_bool(d, "can_cancel"),
            can_change_address=_bool(d, "can_change_address"),
            lines=_list(d, "lines", OrderLine.from_json),
            shipments=_list(d, "shipments", Shipment.from_json),
            returns=_list(d, "returns", ReturnAuthorization.from_json),
            refunds=_list(d, "refunds", Refund.from_json),
        )


@dataclass(frozen=True)
class ShippingMethod:
    code: str
    name: str
    cost: Decimal
    min_days: int
    max_days: int

    @classmethod
    def from_json(cls, data: Any) -> ShippingMethod:
        d = _obj(data, "shipping method")
        return cls(
            code=_str(d, "code"),
            name=_str(d, "name"),
            cost=_money(d, "cost"),
            min_days=_int(d, "min_days"),
            max_days=_int(d, "max_days"),
        )


@dataclass(frozen=True)
class StorePolicy:
    currency: str
    return_window_days: int
    max_units_per_return: int
    final_sale_returnable: bool
    refund_processing_days: int
    free_shipping_threshold: Decimal
    shipping_countries: tuple[str, ...]
    return_reasons: tuple[str, ...]
    shipping_methods: tuple[ShippingMethod, ...]

    @classmethod
    def from_json(cls, data: Any) -> StorePolicy:
        d = _obj(data, "policy")
        return cls(
            currency=_str(d, "currency"),
            return_window_days=_int(d, "return_window_days"),
            max_units_per_return=_int(d, "max_units_per_return"),
            final_sale_returnable=_bool(d, "final_sale_returnable"),
            refund_processing_days=_int(d, "refund_processing_days"),
            free_shipping_threshold=_money(d, "free_shipping_threshold"),
            shipping_countries=_list(d, "shipping_countries", _str_item),
            return_reasons=_list(d, "return_reasons", _str_item),
            shipping_methods=_list(d, "shipping_methods", ShippingMethod.from_json),
        )


@dataclass(frozen=True)
class LineEligibility:
    line_id: int
    eligible: bool
    returnable_quantity: int
    return_by: date | None
    # Why not, when not eligible: not_delivered, return_window_expired, final_sale,
    # already_returned, order_cancelled.
    refusal_code: str | None

    @classmethod
    def from_json(cls, data: Any) -> LineEligibility:
        d = _obj(data, "line eligibility")
        eligible = _bool(d, "eligible")
        refusal = _opt_str(d, "refusal_code")
        if eligible == (refusal is not None):
            raise MalformedResponse("refusal_code must be set exactly when not eligible")
        return cls(
            line_id=_int(d, "line_id"),
            eligible=eligible,
            returnable_quantity=_int(d, "returnable_quantity"),
            return_by=_opt_date(d, "return_by"),
            refusal_code=refusal,
        )


@dataclass(frozen=True)
class ReturnEligibility:
    order_number: str
    return_window_days: int
    eligible: bool
    lines: tuple[LineEligibility, ...]

    @classmethod
    def from_json(cls, data: Any) -> ReturnEligibility:
        d = _obj(data, "eligibility")
        return cls(
            order_number=_str(d, "order_number"),
            return_window_days=_int(d, "return_window_days"),
            eligible=_bool(d, "eligible"),
            lines=_list(d, "lines", LineEligibility.from_json),
        )


@dataclass(frozen=True)
class OrderSummary:
    """One of a customer's orders, enough to offer it as a choice."""

    order_number: str
    placed_at: datetime
    status: str

    @classmethod
    def from_json(cls, data: Any) -> OrderSummary:
        d = _obj(data, "order summary")
        return cls(
            order_number=_str(d, "order_number"),
            placed_at=_datetime(d, "placed_at"),
            status=_enum(d, "status", ORDER_STATUSES),
        )
