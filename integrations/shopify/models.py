"""What comes back from Shopify's Admin GraphQL API, reduced to the fields Shopdesk reads.

Parsed strictly with pydantic from the documents in `documents/` (field names as Shopify
spells them, camelCase): a missing field or a wrong type is `ShopifyServerError`, never a
half-understood answer. Enum values stay strings (Shopify adds values in new versions).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

T = TypeVar("T")


class ShopifyModel(BaseModel):
    model_config = ConfigDict(
        frozen=True, alias_generator=to_camel, populate_by_name=True, extra="ignore"
    )


class Nodes(ShopifyModel, Generic[T]):
    """A connection read through its `nodes`."""

    nodes: tuple[T, ...]


class Money(ShopifyModel):
    amount: Decimal
    currency_code: str


class MoneyBag(ShopifyModel):
    shop_money: Money


class MailingAddress(ShopifyModel):
    name: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    zip: str | None = None
    country_code_v2: str | None = None


class ZipOnly(ShopifyModel):
    zip: str | None


class TrackingInfo(ShopifyModel):
    company: str | None
    number: str | None
    url: str | None


class Product(ShopifyModel):
    id: str
    tags: tuple[str, ...]


class LineItem(ShopifyModel):
    id: str
    name: str
    title: str
    sku: str | None
    quantity: int
    # Units still on the order (after removals and refunds with restock).
    current_quantity: int
    original_unit_price_set: MoneyBag
    product: Product | None


class LineItemRef(ShopifyModel):
    id: str


class FulfillmentLineItem(ShopifyModel):
    id: str
    quantity: int | None
    line_item: LineItemRef


class Fulfillment(ShopifyModel):
    id: str
    status: str
    display_status: str | None
    created_at: datetime
    estimated_delivery_at: datetime | None
    in_transit_at: datetime | None
    delivered_at: datetime | None
    tracking_info: tuple[TrackingInfo, ...]
    fulfillment_line_items: Nodes[FulfillmentLineItem]


class Transaction(ShopifyModel):
    status: str
    kind: str
    gateway: str | None
    processed_at: datetime | None


class Refund(ShopifyModel):
    id: str
    created_at: datetime | None
    total_refunded_set: MoneyBag
    transactions: Nodes[Transaction]


class ReturnedFulfillmentLineItem(ShopifyModel):
    line_item: LineItemRef


class ReturnLineItem(ShopifyModel):
    quantity: int
    customer_note: str | None = None
    return_reason_note: str | None = None
    fulfillment_line_item: ReturnedFulfillmentLineItem | None = None


class Return(ShopifyModel):
    id: str
    name: str
    status: str
    created_at: datetime
    return_line_items: Nodes[ReturnLineItem]


class OrderSummary(ShopifyModel):
    id: str
    name: str
    email: str | None
    created_at: datetime
    cancelled_at: datetime | None
    display_fulfillment_status: str
    shipping_address: ZipOnly | None


class Order(ShopifyModel):
    id: str
    name: str
    email: str | None
    created_at: datetime
    processed_at: datetime
    cancelled_at: datetime | None
    display_financial_status: str | None
    display_fulfillment_status: str
    currency_code: str
    payment_gateway_names: tuple[str, ...]
    subtotal_price_set: MoneyBag
    total_shipping_price_set: MoneyBag
    total_price_set: MoneyBag
    shipping_address: MailingAddress | None
    line_items: Nodes[LineItem]
    fulfillments: tuple[Fulfillment, ...]
    refunds: tuple[Refund, ...]
    returns: Nodes[Return]


class FulfillmentLineItemRef(ShopifyModel):
    id: str
    line_item: LineItemRef


class ReturnableLineItem(ShopifyModel):
    # Units of it Shopify would accept in a return now.
    quantity: int
    fulfillment_line_item: FulfillmentLineItemRef


class FulfillmentRef(ShopifyModel):
    id: str


class ReturnableFulfillment(ShopifyModel):
    id: str
    fulfillment: FulfillmentRef
    returnable_fulfillment_line_items: Nodes[ReturnableLineItem]


class CreatedReturn(ShopifyModel):
    id: str
    name: str
    status: str
    created_at: datetime


class Job(ShopifyModel):
    id: str
    done: bool


class Shop(ShopifyModel):
    name: str
    myshopify_domain: str
    currency_code: str
    # What the store writes around an order's number ("#" by default).
    order_number_format_prefix: str
    order_number_format_suffix: str


class AccessScope(ShopifyModel):
    handle: str


class AppInstallation(ShopifyModel):
    access_scopes: tuple[AccessScope, ...]


class Health(ShopifyModel):
    shop: Shop
    current_app_installation: AppInstallation

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(s.handle for s in self.current_app_installation.access_scopes)


class ThrottleStatus(ShopifyModel):
    maximum_available: float
    currently_available: float
    restore_rate: float


class QueryCost(ShopifyModel):
    """`extensions.cost` of an answer."""

    requested_query_cost: float | None
    actual_query_cost: float | None
    throttle_status: ThrottleStatus


class AccessToken(ShopifyModel):
    """The answer of the client-credentials exchange (snake_case, as OAuth spells it)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    access_token: str
    scope: str = ""
    expires_in: float | None = None


class ReturnLineRequest(ShopifyModel):
    """One line of a return to request or create."""

    fulfillment_line_item_id: str
    quantity: int
    # A `ReturnReason` value (SIZE_TOO_SMALL, DEFECTIVE, OTHER...).
    return_reason: str
    note: str | None = None
