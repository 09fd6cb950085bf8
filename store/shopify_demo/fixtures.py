"""The demo orders in Shopify's shapes: the reference store's seed (store/seed.py: the same
customers, emails, items and states), named as Shopify names orders ("#10023").

Objects are plain dicts keyed by the Admin schema's field names, so graphql-core's default
resolver reads them; dates are relative to `today`, as in the seed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from store.catalogue import load_catalogue
from store.seed import (
    CUSTOMERS,
    DEMO_ORDERS,
    FREE_SHIPPING_CENTS,
    ORDER_PRODUCTS,
    STANDARD_SHIPPING_CENTS,
    TRACKING_URLS,
    OrderSpec,
)

CURRENCY = "GBP"
GATEWAY = "shopify_payments"
DEFAULT_NAME_PREFIX = "#"

# The reference store's shipment states as Shopify's Fulfillment.displayStatus.
DISPLAY_STATUS = {
    "label_created": "LABEL_PURCHASED",
    "in_transit": "IN_TRANSIT",
    "out_for_delivery": "OUT_FOR_DELIVERY",
    "delivered": "DELIVERED",
    "exception": "FAILURE",
}
# The reference store's refund states as the refund transaction's status.
TRANSACTION_STATUS = {"issued": "SUCCESS", "pending": "PENDING", "failed": "FAILURE"}
# The reference store's return states as Shopify's ReturnStatus.
RETURN_STATUS = {
    "authorized": "OPEN",
    "received": "OPEN",
    "refunded": "CLOSED",
    "rejected": "DECLINED",
}
# The seed's reasons as Shopify's ReturnReason.
RETURN_REASON = {
    "wrong_size": "SIZE_TOO_SMALL",
    "damaged": "DEFECTIVE",
    "not_as_described": "NOT_AS_DESCRIBED",
    "changed_mind": "UNWANTED",
    "arrived_late": "OTHER",
    "other": "OTHER",
}


def gid(kind: str, number: int | str) -> str:
    return f"gid://shopify/{kind}/{number}"


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def money(cents: int) -> dict[str, Any]:
    amount = (Decimal(cents) / 100).quantize(Decimal("0.01"))
    return {"shopMoney": {"amount": str(amount), "currencyCode": CURRENCY}}


def _at(today: date, days_ago: int, hour: int) -> datetime:
    return datetime.combine(today - timedelta(days=days_ago), time(hour, 0), tzinfo=UTC)


def demo_orders(
    *, today: date, final_sale_tag: str = "final-sale", name_prefix: str = DEFAULT_NAME_PREFIX
) -> list[dict[str, Any]]:
    """Every demo order, as the Admin API would answer `order(id:)` for it."""
    by_sku = {p.sku: p for p in load_catalogue()}
    products = {pid: by_sku[sku] for pid, sku in ORDER_PRODUCTS}
    customers = {c[0]: c for c in CUSTOMERS}
    return [
        _order(spec, today=today, products=products, customer=customers[spec.customer_id],
               final_sale_tag=final_sale_tag, name_prefix=name_prefix)
        for spec in DEMO_ORDERS
    ]


def _order(
    spec: OrderSpec,
    *,
    today: date,
    products: dict[int, Any],
    customer: tuple[Any, ...],
    final_sale_tag: str,
    name_prefix: str,
) -> dict[str, Any]:
    _, email, name, postcode, street, city, _card = customer
    number = int(spec.number)
    lines = []
    for pos, (pid, quantity) in enumerate(spec.lines, start=1):
        product = products[pid]
        lines.append({
            "id": gid("LineItem", number * 10 + pos),
            "name": product.name,
            "title": product.name,
            "sku": product.sku,
            "quantity": quantity,
            "currentQuantity": quantity,
            "originalUnitPriceSet": money(product.price_cents),
            "product": {
                "id": gid("Product", pid),
                "tags": [final_sale_tag] if product.final_sale else [],
            },
            "_unit_cents": product.price_cents,
        })
    subtotal = sum(line["_unit_cents"] * line["quantity"] for line in lines)
    shipping = 0 if subtotal >= FREE_SHIPPING_CENTS else STANDARD_SHIPPING_CENTS
    placed = _at(today, spec.placed_days_ago, 9)

    fulfillments = []
    for n, ship in enumerate(spec.shipments, start=1):
        shipped = (
            _at(today, ship.shipped_days_ago, 16) if ship.shipped_days_ago is not None else None
        )
        eta = (
            datetime.combine(today + timedelta(days=ship.eta_in_days), time(18, 0), tzinfo=UTC)
            if ship.eta_in_days is not None
            else None
        )
        fulfillments.append({
            "id": gid("Fulfillment", number * 10 + n),
            "status": "SUCCESS",
            "displayStatus": DISPLAY_STATUS[ship.status],
            "createdAt": iso(shipped or placed),
            "estimatedDeliveryAt": iso(eta),
            "inTransitAt": iso(shipped) if ship.status != "label_created" else None,
            "deliveredAt": iso(_at(today, ship.delivered_days_ago, 12))
            if ship.delivered_days_ago is not None
            else None,
            "trackingInfo": [{
                "company": ship.carrier,
                "number": ship.tracking_number,
                "url": TRACKING_URLS[ship.carrier].format(ship.tracking_number),
            }],
            "fulfillmentLineItems": {"nodes": [
                {
                    "id": gid("FulfillmentLineItem", (number * 10 + pos) * 10 + n),
                    "quantity": lines[pos - 1]["quantity"],
                    "lineItem": lines[pos - 1],
                }
                for pos in ship.line_numbers
            ]},
        })

    def fulfillment_line(pos: int) -> dict[str, Any]:
        line_id = lines[pos - 1]["id"]
        return next(
            item
            for f in fulfillments
            for item in f["fulfillmentLineItems"]["nodes"]
            if item["lineItem"]["id"] == line_id
        )

    returns = [
        {
            "id": gid("Return", number * 10 + n),
            "name": f"{name_prefix}{spec.number}-R{n}",
            "status": RETURN_STATUS[ret.status],
            "createdAt": iso(_at(today, ret.days_ago, 11)),
            "returnLineItems": {"nodes": [
                {
                    "__typename": "ReturnLineItem",
                    "quantity": qty,
                    "returnReason": RETURN_REASON.get(ret.reason, "OTHER"),
                    "returnReasonNote": "",
                    "fulfillmentLineItem": fulfillment_line(pos),
                }
                for pos, qty in ret.line_quantities.items()
            ]},
        }
        for n, ret in enumerate(spec.returns, start=1)
    ]
    refunds = []
    for n, refund in enumerate(spec.refunds, start=1):
        cents = refund.amount_cents if refund.amount_cents is not None else subtotal + shipping
        processed = (
            _at(today, refund.issued_days_ago, 14) if refund.issued_days_ago is not None else None
        )
        refunds.append({
            "id": gid("Refund", number * 10 + n),
            "createdAt": iso(_at(today, refund.created_days_ago, 13)),
            "totalRefundedSet": money(cents),
            "transactions": {"nodes": [{
                "status": TRANSACTION_STATUS[refund.status],
                "kind": "REFUND",
                "gateway": "gift_card" if refund.method == "store credit" else GATEWAY,
                "processedAt": iso(processed),
            }]},
            "_cents": cents,
        })
    order = {
        "id": gid("Order", number),
        "name": f"{name_prefix}{spec.number}",
        "email": email,
        "createdAt": iso(placed),
        "processedAt": iso(placed),
        "cancelledAt": iso(_at(today, spec.cancelled_days_ago, 10))
        if spec.cancelled_days_ago is not None
        else None,
        "currencyCode": CURRENCY,
        "paymentGatewayNames": [GATEWAY],
        "subtotalPriceSet": money(subtotal),
        "totalShippingPriceSet": money(shipping),
        "totalPriceSet": money(subtotal + shipping),
        "shippingAddress": {
            "name": name,
            "firstName": name.split()[0],
            "lastName": name.split()[-1],
            "address1": street,
            "address2": None,
            "city": city,
            "zip": postcode,
            "countryCodeV2": "GB",
        },
        "lineItems": {"nodes": lines},
        "fulfillments": fulfillments,
        "refunds": refunds,
        "returns": {"nodes": returns},
        "_total_cents": subtotal + shipping,
    }
    refresh_statuses(order)
    return order


def refresh_statuses(order: dict[str, Any]) -> None:
    """Order-level display statuses, derived from its parts as Shopify derives them."""
    fulfilled = {
        item["lineItem"]["id"]: item["quantity"]
        for f in order["fulfillments"]
        if f["status"] == "SUCCESS"
        for item in f["fulfillmentLineItems"]["nodes"]
    }
    lines = order["lineItems"]["nodes"]
    if not fulfilled:
        order["displayFulfillmentStatus"] = "UNFULFILLED"
    elif all(fulfilled.get(line["id"], 0) >= line["quantity"] for line in lines):
        order["displayFulfillmentStatus"] = "FULFILLED"
    else:
        order["displayFulfillmentStatus"] = "PARTIALLY_FULFILLED"
    refunded = sum(
        r["_cents"]
        for r in order["refunds"]
        if any(t["status"] == "SUCCESS" for t in r["transactions"]["nodes"])
    )
    if refunded >= order["_total_cents"]:
        order["displayFinancialStatus"] = "REFUNDED"
    elif refunded > 0:
        order["displayFinancialStatus"] = "PARTIALLY_REFUNDED"
    else:
        order["displayFinancialStatus"] = "PAID"
