"""Order status: where is my order, in plain words, for verified shoppers only."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.language import conversation_language
from actions.locale_format import (
    join_names,
    local_date,
    local_money,
    not_available,
    one_parcel,
    order_label,
    store_words,
)
from actions.order_access import NoAccess, verified_store_order
from actions.replies import Reply, send
from common.languages import DEFAULT_LANGUAGE
from integrations.store.models import Order, Shipment

logger = logging.getLogger(__name__)

_SHIPMENT_RESPONSES = {
    "label_created": "utter_shipment_label_created",
    "in_transit": "utter_shipment_in_transit",
    "out_for_delivery": "utter_shipment_out_for_delivery",
    "delivered": "utter_shipment_delivered",
    "exception": "utter_shipment_exception",
}


def describe_order(order: Order, *, today: date, language: str = DEFAULT_LANGUAGE) -> list[Reply]:
    """What to tell the shopper about an order's status (plain data in, replies out), with
    dates, amounts and phrases in `language`."""
    number = order.order_number
    refund_note = _refund_note(order, today=today, language=language)
    if order.status == "cancelled":
        on = ""
        if order.cancelled_at:
            when = local_date(order.cancelled_at, today=today, language=language)
            on = _ON_DATE.get(language, _ON_DATE[DEFAULT_LANGUAGE]).format(date=when)
        values = {"order_number": number, "cancelled_on": on, "refund_note": refund_note}
        return [Reply("utter_order_cancelled", values)]
    returned = Reply("utter_order_returned", {"order_number": number, "refund_note": refund_note})
    if not order.shipments:
        if order.status in ("returned", "refunded"):
            return [returned]
        if order.status in ("processing", "pending", "paid"):
            placed_on = local_date(order.placed_at, today=today, language=language)
            values = {"order_number": number, "placed_on": placed_on}
            return [Reply("utter_order_processing", values)]
        values = {"order_number": number, "status": order.status}
        return [Reply("utter_order_status_unknown", values)]

    replies: list[Reply] = []
    if len(order.shipments) > 1:
        count = len(order.shipments)
        replies.append(Reply("utter_order_summary_multi", {"order_number": number, "count": count}))
    replies += [
        _describe_shipment(order, shipment, today=today, language=language)
        for shipment in order.shipments
    ]
    if order.status in ("returned", "refunded"):
        replies.append(returned)
    return replies


def _describe_shipment(order: Order, shipment: Shipment, *, today: date, language: str) -> Reply:
    response = _SHIPMENT_RESPONSES.get(shipment.status)
    if response is None:
        return Reply("utter_order_status_unknown",
                     {"order_number": order.order_number, "status": shipment.status})
    names = [line.name for line in order.lines if line.line_id in set(shipment.line_ids)]
    if len(order.shipments) > 1:
        items = join_names(names, language=language) or one_parcel(language=language)
    else:
        items = order_label(order.order_number, language=language)
    values: dict[str, Any] = {
        "items": items,
        "carrier": store_words(shipment.carrier, language=language),
        "tracking_number": shipment.tracking_number or not_available(language=language),
        "tracking_url": shipment.tracking_url or "",
        "eta": local_date(shipment.eta, today=today, language=language),
        "delivered_on": local_date(shipment.delivered_at, today=today, language=language),
    }
    return Reply(response, values)


# " on 3 March" after "was cancelled", in each language
_ON_DATE = {"en": " on {date}", "de": " am {date}", "fr": " le {date}", "es": " el {date}"}
# a refund's state in a sentence: issued on a date, issued (no date), pending, failed
_REFUND_NOTES = {
    "en": ("A refund of {amount} was issued {date} to {method}.",
           "A refund of {amount} was issued already to {method}.",
           "A refund of {amount} to {method} is being processed.",
           "A refund of {amount} to {method} did not go through; our team will be in touch."),
    "de": ("Eine Erstattung von {amount} wurde am {date} auf {method} veranlasst.",
           "Eine Erstattung von {amount} wurde bereits auf {method} veranlasst.",
           "Eine Erstattung von {amount} auf {method} wird bearbeitet.",
           "Eine Erstattung von {amount} auf {method} ist nicht durchgegangen; unser Team "
           "meldet sich bei Ihnen."),
    "fr": ("Un remboursement de {amount} a été effectué le {date} sur {method}.",
           "Un remboursement de {amount} a déjà été effectué sur {method}.",
           "Un remboursement de {amount} sur {method} est en cours.",
           "Un remboursement de {amount} sur {method} n'a pas abouti ; notre équipe va vous "
           "contacter."),
    "es": ("Se emitió un reembolso de {amount} el {date} a {method}.",
           "Ya se emitió un reembolso de {amount} a {method}.",
           "Un reembolso de {amount} a {method} está en trámite.",
           "Un reembolso de {amount} a {method} no se ha podido completar; nuestro equipo se "
           "pondrá en contacto con usted."),
}


def _refund_note(order: Order, *, today: date, language: str) -> str:
    dated, undated, pending, failed = _REFUND_NOTES.get(language, _REFUND_NOTES[DEFAULT_LANGUAGE])
    notes = []
    for refund in order.refunds:
        values = {
            "amount": local_money(refund.amount, refund.currency, language=language),
            "method": store_words(refund.method, language=language),
        }
        if refund.status == "issued" and refund.issued_at:
            when = local_date(refund.issued_at, today=today, language=language)
            notes.append(dated.format(date=when, **values))
        elif refund.status == "issued":
            notes.append(undated.format(**values))
        elif refund.status == "pending":
            notes.append(pending.format(**values))
        elif refund.status == "failed":
            notes.append(failed.format(**values))
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
        language = conversation_language(tracker)
        send(dispatcher, describe_order(order, today=date.today(), language=language))
        return []
