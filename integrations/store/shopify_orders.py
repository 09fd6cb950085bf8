"""Shopify's orders as the store port's models, and the facts Shopdesk's rules judge them
by: plain functions over the Admin API's answers (integrations/shopify/models.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from integrations.shopify import models as shopify
from integrations.store import rules
from integrations.store.errors import StoreUnavailable
from integrations.store.models import (
    LABEL_BY_EMAIL,
    ORIGINAL_PAYMENT,
    STORE_CREDIT,
    UNNAMED_CARRIER,
    Address,
    Customer,
    Order,
    OrderLine,
    Refund,
    ReturnAuthorization,
    ReturnLine,
    Shipment,
)

# Fulfillment line items Shopify would accept in a return now, per line id: (id, units).
Returnable = dict[int, list[tuple[str, int]]]

# Fulfillment.displayStatus as the port's shipment states (None: not a shipment any more).
SHIPMENT_STATES: dict[str | None, str | None] = {
    "LABEL_PRINTED": "label_created",
    "LABEL_PURCHASED": "label_created",
    "CONFIRMED": "label_created",
    "SUBMITTED": "label_created",
    "CARRIER_PICKED_UP": "in_transit",
    "IN_TRANSIT": "in_transit",
    "DELAYED": "in_transit",
    "FULFILLED": "in_transit",
    "MARKED_AS_FULFILLED": "in_transit",
    "READY_FOR_PICKUP": "out_for_delivery",
    "OUT_FOR_DELIVERY": "out_for_delivery",
    "DELIVERED": "delivered",
    "PICKED_UP": "delivered",
    "ATTEMPTED_DELIVERY": "exception",
    "FAILURE": "exception",
    "NOT_DELIVERED": "exception",
    None: "in_transit",
    "CANCELED": None,
    "LABEL_VOIDED": None,
}
# Return statuses as the port's (REQUESTED: waiting for the merchant; OPEN: on its way back).
RETURN_STATES = {
    "REQUESTED": "authorized",
    "OPEN": "authorized",
    "CLOSED": "refunded",
    "DECLINED": "rejected",
    "CANCELED": "cancelled",
}
_COUNTED_RETURNS = frozenset({"REQUESTED", "OPEN", "CLOSED"})


def numeric_id(gid: str) -> int:
    """`gid://shopify/LineItem/123` -> 123 (the port's line ids are numbers)."""
    try:
        return int(gid.rsplit("/", 1)[-1])
    except ValueError:
        raise StoreUnavailable(f"unexpected Shopify id {gid!r}") from None


def order_from_shopify(
    raw: shopify.Order,
    returnable: Returnable,
    *,
    number: str,
    final_sale_tag: str,
    refund_processing_days: int,
) -> Order:
    """The port's order from Shopify's, with what Shopdesk's rules allow on it now."""
    currency = raw.currency_code
    returned = returned_units(raw)
    lines = []
    for item in raw.line_items.nodes:
        line_id = numeric_id(item.id)
        final_sale = final_sale_tag in {
            t.strip().lower() for t in (item.product.tags if item.product else ())
        }
        lines.append(OrderLine(
            line_id=line_id,
            sku=item.sku or "",
            name=item.name,
            category="",
            quantity=item.quantity,
            unit_price=item.original_unit_price_set.shop_money.amount,
            final_sale=final_sale,
            returned_quantity=returned.get(line_id, 0),
            returnable_quantity=sum(n for _, n in returnable.get(line_id, [])),
        ))
    shipments = []
    for fulfillment in raw.fulfillments:
        state = SHIPMENT_STATES.get(fulfillment.display_status, "in_transit")
        if state is None or fulfillment.status not in ("SUCCESS", "OPEN", "PENDING"):
            continue
        tracking = fulfillment.tracking_info[0] if fulfillment.tracking_info else None
        shipments.append(Shipment(
            carrier=(tracking.company if tracking and tracking.company else UNNAMED_CARRIER),
            tracking_number=(tracking.number or "") if tracking else "",
            tracking_url=(tracking.url or "") if tracking else "",
            status=state,
            eta=fulfillment.estimated_delivery_at.date()
            if fulfillment.estimated_delivery_at else None,
            shipped_at=fulfillment.in_transit_at or fulfillment.created_at,
            delivered_at=fulfillment.delivered_at,
            line_ids=tuple(
                numeric_id(i.line_item.id) for i in fulfillment.fulfillment_line_items.nodes
            ),
        ))
    refunds = tuple(
        refund_from_shopify(r, currency, refund_processing_days=refund_processing_days)
        for r in raw.refunds
    )
    status = order_status(raw, shipments)
    address = raw.shipping_address
    order = Order(
        order_number=number,
        status=status,
        placed_at=raw.created_at,
        cancelled_at=raw.cancelled_at,
        currency=currency,
        subtotal=raw.subtotal_price_set.shop_money.amount,
        shipping=raw.total_shipping_price_set.shop_money.amount,
        total=raw.total_price_set.shop_money.amount,
        payment_method=ORIGINAL_PAYMENT,
        customer=Customer(name=(address.name if address and address.name else ""),
                          email=raw.email or ""),
        shipping_address=Address(
            name=(address.name or "") if address else "",
            line1=(address.address1 or "") if address else "",
            line2=address.address2 if address else None,
            city=(address.city or "") if address else "",
            postcode=(address.zip or "") if address else "",
            country=(address.country_code_v2 or "") if address else "",
        ),
        can_cancel=False,
        can_change_address=False,
        lines=tuple(lines),
        shipments=tuple(shipments),
        returns=tuple(return_from_shopify(r, currency, prices=unit_prices(lines))
                      for r in raw.returns.nodes),
        refunds=refunds,
    )
    facts = order_facts(order, returnable)
    return replace(
        order,
        can_cancel=rules.cancellation(facts) == "cancel",
        can_change_address=rules.address_change_refusal(facts) is None,
    )

def refund_from_shopify(
    refund: shopify.Refund, currency: str, *, refund_processing_days: int
) -> Refund:
    """A refund is issued once one of its transactions succeeded (a Refund object alone
    does not mean the money arrived), failed when all failed, else pending."""
    states = [t.status for t in refund.transactions.nodes]
    if "SUCCESS" in states:
        status = "issued"
    elif states and all(s in ("FAILURE", "ERROR") for s in states):
        status = "failed"
    else:
        status = "pending"  # PENDING, AWAITING_RESPONSE, UNKNOWN: not arrived yet
    created = refund.created_at or datetime.now().astimezone()
    issued = next(
        (t.processed_at for t in refund.transactions.nodes if t.status == "SUCCESS"), None
    )
    gift_card = any(t.gateway == "gift_card" for t in refund.transactions.nodes)
    return Refund(
        amount=refund.total_refunded_set.shop_money.amount,
        currency=refund.total_refunded_set.shop_money.currency_code or currency,
        status=status,
        method=STORE_CREDIT if gift_card else ORIGINAL_PAYMENT,
        created_at=created,
        issued_at=issued,
        expected_by=(created.date() + timedelta(days=refund_processing_days))
        if status == "pending" else None,
    )

def unit_prices(lines: Sequence[OrderLine]) -> dict[int, Decimal]:
    return {line.line_id: line.unit_price for line in lines}


def refund_due(lines: Sequence[ReturnLine], prices: Mapping[int, Decimal]) -> Decimal:
    """What a return's lines are worth at the prices paid: the refund it leads to."""
    return sum((prices.get(line.line_id, Decimal(0)) * line.quantity for line in lines),
               Decimal("0.00"))


def return_from_shopify(
    ret: shopify.Return, currency: str, *, prices: Mapping[int, Decimal]
) -> ReturnAuthorization:
    """A return already on the order; its refund is its lines at the prices paid."""
    units: dict[int, int] = {}
    for item in ret.return_line_items.nodes:
        if item.fulfillment_line_item is not None:
            line_id = numeric_id(item.fulfillment_line_item.line_item.id)
            units[line_id] = units.get(line_id, 0) + item.quantity
    lines = tuple(ReturnLine(i, n) for i, n in sorted(units.items()))
    return ReturnAuthorization(
        rma_number=ret.name,
        status=RETURN_STATES.get(ret.status, "authorized"),
        reason="other",
        comment=None,
        label_url="",
        instructions=LABEL_BY_EMAIL,
        refund_amount=refund_due(lines, prices),
        currency=currency,
        created_at=ret.created_at,
        lines=lines,
    )


def return_authorization(
    *, rma_number: str, status: str, reason: str, comment: str | None,
    created_at: datetime, lines: list[ReturnLine], order: Order,
) -> ReturnAuthorization:
    return ReturnAuthorization(
        rma_number=rma_number, status=status, reason=reason, comment=comment,
        label_url="", instructions=LABEL_BY_EMAIL,
        refund_amount=refund_due(lines, unit_prices(order.lines)),
        currency=order.currency, created_at=created_at, lines=tuple(lines),
    )


def returned_units(raw: shopify.Order) -> dict[int, int]:
    units: dict[int, int] = {}
    for ret in raw.returns.nodes:
        if ret.status not in _COUNTED_RETURNS:
            continue
        for item in ret.return_line_items.nodes:
            if item.fulfillment_line_item is not None:
                line_id = numeric_id(item.fulfillment_line_item.line_item.id)
                units[line_id] = units.get(line_id, 0) + item.quantity
    return units


def order_status(raw: shopify.Order, shipments: list[Shipment]) -> str:
    if raw.cancelled_at is not None:
        return "cancelled"
    if raw.display_financial_status == "REFUNDED":
        return "refunded"
    if not shipments or all(s.status == "label_created" for s in shipments):
        return "processing"
    fully = raw.display_fulfillment_status == "FULFILLED"
    if fully and all(s.status == "delivered" for s in shipments):
        return "delivered"
    return "shipped"


def summary_status(summary: shopify.OrderSummary) -> str:
    if summary.cancelled_at is not None:
        return "cancelled"
    if summary.display_fulfillment_status in ("FULFILLED", "PARTIALLY_FULFILLED"):
        return "shipped"
    return "processing"


def order_facts(order: Order, returnable: Returnable) -> rules.OrderFacts:
    """What Shopdesk's rules need, from Shopify's order: delivery per line from its
    fulfillments, units already returned from what Shopify would still take back."""
    delivered_on: dict[int, date] = {}
    for shipment in order.shipments:
        if shipment.delivered_at is not None:
            for line_id in shipment.line_ids:
                day = shipment.delivered_at.date()
                delivered_on[line_id] = min(day, delivered_on.get(line_id, day))
    lines = []
    for line in order.lines:
        still = sum(n for _, n in returnable.get(line.line_id, []))
        delivered = line.line_id in delivered_on
        # Shopify's returnable units are the platform's word on what is left to return.
        gone = max(line.quantity - still, 0) if delivered else line.returned_quantity
        lines.append(rules.LineFacts(
            line_id=line.line_id,
            quantity=line.quantity,
            final_sale=line.final_sale,
            returned_quantity=max(gone, line.returned_quantity),
            delivered_on=delivered_on.get(line.line_id),
        ))
    shipped = any(s.status != "label_created" for s in order.shipments)
    status = order.status if order.status != "refunded" else "delivered"
    return rules.OrderFacts(status=status, shipped=shipped, lines=tuple(lines))
