"""Refund status: each refund of the verified order, in plain words."""

from __future__ import annotations

from datetime import date

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.language import conversation_language
from actions.locale_format import local_date, local_money, store_words
from actions.order_access import NoAccess, verified_store_order
from actions.replies import Reply, send
from common.languages import DEFAULT_LANGUAGE
from common.outcomes import value_field
from integrations.store.models import Order, Refund

# Returns that are on their way back or being checked: their refund is still to come.
_OPEN_RETURNS = ("authorized", "received")


def describe_refund(refund: Refund, *, today: date, language: str = DEFAULT_LANGUAGE) -> Reply:
    values = {
        "amount": local_money(refund.amount, refund.currency, language=language),
        "method": store_words(refund.method, language=language),
        "requested_on": local_date(refund.created_at, today=today, language=language),
    }
    if refund.status == "issued":
        issued = refund.issued_at or refund.created_at
        values["issued_on"] = local_date(issued, today=today, language=language)
        return Reply("utter_refund_issued", values)
    if refund.status == "pending":
        values["expected_by"] = local_date(refund.expected_by, today=today, language=language)
        return Reply("utter_refund_pending", values)
    return Reply("utter_refund_failed", values)


def describe_refunds(
    order: Order, *, today: date, language: str = DEFAULT_LANGUAGE
) -> list[Reply]:
    """Every refund of the order; or, when there is none, why (an open return, or nothing)."""
    number = order.order_number
    if order.refunds:
        # The refunds' total goes with the reply, for the KPI report's "refunds queried".
        value = value_field(sum(r.amount for r in order.refunds), order.refunds[0].currency)
        intro = Reply(
            "utter_refunds_intro", {"order_number": number, "count": len(order.refunds), **value}
        )
        return [
            intro,
            *(describe_refund(r, today=today, language=language) for r in order.refunds),
        ]
    open_return = next((r for r in order.returns if r.status in _OPEN_RETURNS), None)
    if open_return is not None:
        response = (
            "utter_refund_awaiting_return"
            if open_return.status == "authorized"
            else "utter_refund_return_received"
        )
        return [Reply(response, {"order_number": number, "rma_number": open_return.rma_number})]
    return [Reply("utter_refund_none", {"order_number": number})]


class ActionRefundStatus(Action):
    def name(self) -> str:
        return "action_refund_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            _, order = await verified_store_order(dispatcher, tracker)
        except NoAccess as denied:
            return denied.events
        replies = describe_refunds(
            order, today=date.today(), language=conversation_language(tracker)
        )
        send(dispatcher, replies)
        if any(r.response == "utter_refund_failed" for r in replies):
            return [SlotSet("handoff_reason", "refund_failed")]
        return []
