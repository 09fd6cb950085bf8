"""Shopify's data as the port's models (integrations/store/shopify_orders.py): plain
functions over the Admin API's shapes, no server."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from integrations.shopify import models as shopify
from integrations.store.errors import StoreUnavailable
from integrations.store.models import ReturnLine
from integrations.store.shopify_orders import (
    numeric_id,
    order_facts,
    order_from_shopify,
    refund_from_shopify,
)

WHEN = "2026-11-30T10:00:00Z"


def refund(*states: str, gateway: str = "shopify_payments") -> shopify.Refund:
    return shopify.Refund.model_validate({
        "id": "gid://shopify/Refund/1",
        "createdAt": WHEN,
        "totalRefundedSet": {"shopMoney": {"amount": "25.00", "currencyCode": "GBP"}},
        "transactions": {"nodes": [
            {"status": s, "kind": "REFUND", "gateway": gateway,
             "processedAt": WHEN if s == "SUCCESS" else None}
            for s in states
        ]},
    })


@pytest.mark.parametrize(
    ("states", "expected"),
    [(("SUCCESS",), "issued"), (("FAILURE", "SUCCESS"), "issued"), (("PENDING",), "pending"),
     (("AWAITING_RESPONSE",), "pending"), ((), "pending"), (("FAILURE", "ERROR"), "failed")],
)
def test_a_refund_is_issued_only_once_a_transaction_succeeded(states, expected) -> None:
    found = refund_from_shopify(refund(*states), "GBP", refund_processing_days=5)
    assert found.status == expected
    assert (found.expected_by == date(2026, 12, 5)) == (expected == "pending")


def test_a_gift_card_refund_is_store_credit() -> None:
    found = refund_from_shopify(refund("SUCCESS", gateway="gift_card"), "GBP",
                                refund_processing_days=5)
    assert (found.method, found.issued_at) == ("store credit", datetime.fromisoformat(WHEN))


def test_ids_are_the_numbers_of_shopifys_gids() -> None:
    assert numeric_id("gid://shopify/LineItem/100231") == 100231
    with pytest.raises(StoreUnavailable):
        numeric_id("gid://shopify/LineItem/abc")


def _order(
    *, display_status: str | None, delivered: bool, tags: list[str], returns: list | None = None
) -> shopify.Order:
    money = {"shopMoney": {"amount": "10.00", "currencyCode": "GBP"}}
    line = {"id": "gid://shopify/LineItem/11", "name": "Tee", "title": "Tee", "sku": "T",
            "quantity": 2, "currentQuantity": 2, "originalUnitPriceSet": money,
            "product": {"id": "gid://shopify/Product/1", "tags": tags}}
    fulfillments = [] if display_status is None else [{
        "id": "gid://shopify/Fulfillment/1", "status": "SUCCESS",
        "displayStatus": display_status, "createdAt": WHEN, "estimatedDeliveryAt": None,
        "inTransitAt": WHEN, "deliveredAt": WHEN if delivered else None,
        "trackingInfo": [{"company": "UPS", "number": "1Z", "url": None}],
        "fulfillmentLineItems": {"nodes": [
            {"id": "gid://shopify/FulfillmentLineItem/7", "quantity": 2,
             "lineItem": {"id": line["id"]}}
        ]},
    }]
    return shopify.Order.model_validate({
        "id": "gid://shopify/Order/1", "name": "#1001", "email": "a@example.com",
        "createdAt": WHEN, "processedAt": WHEN, "cancelledAt": None,
        "displayFinancialStatus": "PAID",
        "displayFulfillmentStatus": "FULFILLED" if fulfillments else "UNFULFILLED",
        "currencyCode": "GBP", "paymentGatewayNames": ["shopify_payments"],
        "subtotalPriceSet": money, "totalShippingPriceSet": money, "totalPriceSet": money,
        "shippingAddress": {"name": "A B", "address1": "1 Road", "address2": None,
                            "city": "Leeds", "zip": "LS1 4AP", "countryCodeV2": "GB"},
        "lineItems": {"nodes": [line]}, "fulfillments": fulfillments, "refunds": [],
        "returns": {"nodes": returns or []},
    })


def convert(raw: shopify.Order, returnable):
    return order_from_shopify(raw, returnable, number="1001", final_sale_tag="final-sale",
                              refund_processing_days=5)


def test_an_unfulfilled_order_may_be_cancelled_and_readdressed() -> None:
    order = convert(_order(display_status=None, delivered=False, tags=[]), {})
    assert (order.status, order.can_cancel, order.can_change_address) == (
        "processing", True, True
    )


def test_a_label_alone_is_not_shipped() -> None:
    order = convert(_order(display_status="LABEL_PURCHASED", delivered=False, tags=[]), {})
    assert [s.status for s in order.shipments] == ["label_created"]
    assert order.status == "processing" and order.can_cancel


def test_delivered_with_units_left_to_return_and_the_final_sale_tag() -> None:
    raw = _order(display_status="DELIVERED", delivered=True, tags=["Final-Sale "])
    returnable = {11: [("gid://shopify/FulfillmentLineItem/7", 1)]}
    order = convert(raw, returnable)
    (line,) = order.lines
    assert (order.status, line.final_sale, line.returnable_quantity) == ("delivered", True, 1)
    (facts,) = order_facts(order, returnable).lines
    # Shopify will take back one of two: the other is already returned (or refunded).
    assert (facts.returned_quantity, facts.delivered_on) == (1, date(2026, 11, 30))


def test_a_return_already_made_is_worth_its_units_at_the_prices_paid() -> None:
    returned = {"id": "gid://shopify/Return/5", "name": "#1001-R1", "status": "OPEN",
                "createdAt": WHEN, "returnLineItems": {"nodes": [
                    {"quantity": 1, "customerNote": None, "returnReasonNote": None,
                     "fulfillmentLineItem": {"lineItem": {"id": "gid://shopify/LineItem/11"}}},
                ]}}
    raw = _order(display_status="DELIVERED", delivered=True, tags=[], returns=[returned])
    (made,) = convert(raw, {11: [("gid://shopify/FulfillmentLineItem/7", 1)]}).returns
    assert (made.rma_number, made.status, made.lines, made.refund_amount, made.currency) == (
        "#1001-R1", "authorized", (ReturnLine(11, 1),), Decimal("10.00"), "GBP"
    )
