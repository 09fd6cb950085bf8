"""Database rows → rule facts and → API JSON. Money leaves as decimal strings."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from integrations.store import rules
from integrations.store.configured_policy import StorePolicy
from store.models import Order, Refund, ReturnAuthorization, Shipment


def money(cents: int) -> str:
    return str((Decimal(cents) / 100).quantize(Decimal("0.01")))


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def returned_quantities(order: Order) -> dict[int, int]:
    counts: dict[int, int] = {}
    for rma in order.returns:
        if rma.status == "rejected":
            continue
        for line in rma.lines:
            counts[line.line_id] = counts.get(line.line_id, 0) + line.quantity
    return counts


def order_facts(order: Order) -> rules.OrderFacts:
    returned = returned_quantities(order)
    delivered_on: dict[int, date] = {}
    for shipment in order.shipments:
        if shipment.status == "delivered" and shipment.delivered_at is not None:
            for line in shipment.lines:
                delivered_on[line.id] = shipment.delivered_at.date()
    return rules.OrderFacts(
        status=order.status,
        shipped=any(s.shipped_at is not None for s in order.shipments),
        lines=tuple(
            rules.LineFacts(
                line_id=line.id,
                quantity=line.quantity,
                final_sale=line.product.final_sale,
                returned_quantity=returned.get(line.id, 0),
                delivered_on=delivered_on.get(line.id),
            )
            for line in order.lines
        ),
    )


def shipment_json(shipment: Shipment) -> dict[str, Any]:
    return {
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "tracking_url": shipment.tracking_url,
        "status": shipment.status,
        "eta": _iso(shipment.eta),
        "shipped_at": _iso(shipment.shipped_at),
        "delivered_at": _iso(shipment.delivered_at),
        "line_ids": [line.id for line in shipment.lines],
    }


def return_json(rma: ReturnAuthorization, *, currency: str) -> dict[str, Any]:
    return {
        "rma_number": rma.rma_number,
        "status": rma.status,
        "reason": rma.reason,
        "comment": rma.comment,
        "label_url": rma.label_url,
        "instructions": rma.instructions,
        "refund_amount": money(rma.refund_cents),
        "currency": currency,
        "created_at": _iso(rma.created_at),
        "lines": [{"line_id": line.line_id, "quantity": line.quantity} for line in rma.lines],
    }


def refund_json(refund: Refund, *, policy: StorePolicy) -> dict[str, Any]:
    expected = None
    if refund.status == "pending":
        expected = (refund.created_at + timedelta(days=policy.refund_processing_days)).date()
    return {
        "amount": money(refund.amount_cents),
        "currency": refund.currency,
        "status": refund.status,
        "method": refund.method,
        "created_at": _iso(refund.created_at),
        "issued_at": _iso(refund.issued_at),
        "expected_by": _iso(expected),
    }


def eligibility_json(order: Order, *, today: date, policy: StorePolicy) -> dict[str, Any]:
    verdicts = rules.order_eligibility(order_facts(order), today=today, policy=policy)
    return {
        "order_number": order.order_number,
        "return_window_days": policy.return_window_days,
        "eligible": any(v.eligible for v in verdicts),
        "lines": [
            {
                "line_id": v.line_id,
                "eligible": v.eligible,
                "returnable_quantity": v.returnable_quantity,
                "return_by": _iso(v.return_by),
                "refusal_code": v.refusal.code if v.refusal else None,
                "refusal_message": v.refusal.message if v.refusal else None,
            }
            for v in verdicts
        ],
    }


def order_json(order: Order, *, today: date, policy: StorePolicy) -> dict[str, Any]:
    facts = order_facts(order)
    verdicts = {v.line_id: v for v in rules.order_eligibility(facts, today=today, policy=policy)}
    returned = returned_quantities(order)
    subtotal = sum(line.unit_price_cents * line.quantity for line in order.lines)
    return {
        "order_number": order.order_number,
        "status": order.status,
        "placed_at": _iso(order.placed_at),
        "cancelled_at": _iso(order.cancelled_at),
        "currency": order.currency,
        "subtotal": money(subtotal),
        "shipping": money(order.shipping_cents),
        "total": money(order.total_cents),
        "payment_method": order.payment_method,
        "customer": {"name": order.customer.name, "email": order.customer.email},
        "shipping_address": {
            "name": order.ship_name,
            "line1": order.ship_line1,
            "line2": order.ship_line2,
            "city": order.ship_city,
            "postcode": order.ship_postcode,
            "country": order.ship_country,
        },
        "can_cancel": rules.cancellation(facts) == "cancel",
        "can_change_address": rules.address_change_refusal(facts) is None,
        "lines": [
            {
                "line_id": line.id,
                "sku": line.product.sku,
                "name": line.product.name,
                "category": line.product.category,
                "quantity": line.quantity,
                "unit_price": money(line.unit_price_cents),
                "final_sale": line.product.final_sale,
                "returned_quantity": returned.get(line.id, 0),
                "returnable_quantity": verdicts[line.id].returnable_quantity,
            }
            for line in order.lines
        ],
        "shipments": [shipment_json(s) for s in order.shipments],
        "returns": [return_json(r, currency=order.currency) for r in order.returns],
        "refunds": [refund_json(r, policy=policy) for r in order.refunds],
    }
