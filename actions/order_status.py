"""Order status: where is my order, in plain words, for verified shoppers only."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.order_access import NoAccess, verified_store_order
from actions.replies import Reply, money, plain_date, send
from integrations.store.models import Order, Shipment

logger = logging.getLogger(__name__)

_SHIPMENT_RESPONSES = {
    "label_created": "utter_shipment_label_created",
    "in_transit": "utter_shipment_in_transit",
    "out_for_delivery": "utter_shipment_out_for_delivery",
    "delivered": "utter_shipment_delivered",
    "exception": "utter_shipment_exception",
}


def describe_order(order: Order, *, today: date) -> list[Reply]:
    """What to tell the shopper about an order's status (plain data in, replies out)."""
    number = order.order_number
    refund_note = _refund_note(order, today=today)
    if order.status == "cancelled":
        on = f" on {plain_date(order.cancelled_at, today=today)}" if order.cancelled_at else ""
        values = {"order_number": number, "cancelled_on": on, "refund_note": refund_note}
        return [Reply("utter_order_cancelled", values)]
    returned = Reply("utter_order_returned", {"order_number": number, "refund_note": refund_note})
    if not order.shipments:
        if order.status in ("returned", "refunded"):
            return [returned]
        if order.status in ("processing", "pending", "paid"):
            placed_on = plain_date(order.placed_at, today=today)
            values = {"order_number": number, "placed_on": placed_on}
            return [Reply("utter_order_processing", values)]
        values = {"order_number": number, "status": order.status}
        return [Reply("utter_order_status_unknown", values)]

    replies: list[Reply] = []
    if len(order.shipments) > 1:
        count = len(order.shipments)
        replies.append(Reply("utter_order_summary_multi", {"order_number": number, "count": count}))
    replies += [_describe_shipment(order, shipment, today=today) for shipment in order.shipments]
    if order.status in ("returned", "refunded"):
        replies.append(returned)
    return replies


def _describe_shipment(order: Order, shipment: Shipment, *, today: date) -> Reply:
    response = _SHIPMENT_RESPONSES.get(shipment.status)
    if response is None:
        return Reply("utter_order_status_unknown",
                     {"order_number": order.order_number, "status": shipment.status})
    names = [line.name for line in order.lines if line.line_id in set(shipment.line_ids)]
    items = _items(names) if len(order.shipments) > 1 else f"Order {order.order_number}"
    values: dict[str, Any] = {
        "items": items,
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number or "not available yet",
        "tracking_url": shipment.tracking_url or "",
        "eta": plain_date(shipment.eta, today=today),
        "delivered_on": plain_date(shipment.delivered_at, today=today),
    }
    return Reply(response, values)


def _items(names: list[str]) -> str:
    if not names:
        return "One parcel"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _refund_note(order: Order, *, today: date) -> str:
    notes = []
    for refund in order.refunds:
        amount = money(refund.amount, refund.currency)
        if refund.status == "issued":
            when = plain_date(refund.issued_at, today=today) if refund.issued_at else "already"
            notes.append(f"A refund of {amount} was issued {when} to {refund.method}.")
        elif refund.status == "pending":
            notes.append(f"A refund of {amount} to {refund.method} is being processed.")
        elif refund.status == "failed":
            notes.append(f"A refund of {amount} to {refund.method} did not go through; "
                         "our team will be in touch.")
    return " ".join(notes)


class ActionOrderStatus(Action):
    def name(self) -> str:
        return "action_order_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            _, order = await verified_store_order(dispatcher, tracker)
        except NoAccess as refused:
            return refused.events
        send(dispatcher, describe_order(order, today=date.today()))
        return []
