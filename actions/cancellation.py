"""Cancel an order: only while it has not shipped, after an explicit yes to a summary.

Flow: `cancel_order` -> verification_form -> `action_start_cancellation` (sets
`cancel_allowed`) -> `cancel_form` (cancel_confirmed) -> `action_submit_cancellation`.
The store decides (`can_cancel`, and again when cancelling); the call is idempotent.
"""

from __future__ import annotations

import logging
from datetime import date

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.bootstrap import services
from actions.idempotency import idempotency_key
from actions.language import conversation_language
from actions.locale_format import item_names, local_date, local_money, store_words
from actions.order_access import (
    REFUSAL_DISPUTED,
    NoAccess,
    store_down,
    verified_ref,
    verified_store_order,
)
from actions.replies import Reply, send
from common.languages import DEFAULT_LANGUAGE
from common.outcomes import value_field
from integrations.store.errors import StoreError, StoreRefusal
from integrations.store.models import Order

logger = logging.getLogger(__name__)


def cannot_cancel(order: Order) -> list[Reply]:
    """Why this order cannot be cancelled, and what the shopper can do instead."""
    if order.status == "cancelled":
        return [Reply("utter_cancel_already_cancelled", {"order_number": order.order_number})]
    return [Reply("utter_cancel_refused_shipped", {"order_number": order.order_number})]


def cancellation_summary(order: Order, *, language: str = DEFAULT_LANGUAGE) -> Reply:
    return Reply(
        "utter_ask_cancel_confirmed",
        {
            "order_number": order.order_number,
            "items": item_names([line.name for line in order.lines], language=language),
            "total": local_money(order.total, order.currency, language=language),
            "payment_method": store_words(order.payment_method, language=language),
        },
    )


def cancelled_replies(
    order: Order, *, today: date, language: str = DEFAULT_LANGUAGE
) -> list[Reply]:
    # The order's value goes with the reply, for the KPI report's "cancelled before shipping".
    value = value_field(order.total, order.currency)
    refund = next((r for r in order.refunds if r.status in ("pending", "issued")), None)
    if refund is None:
        return [Reply("utter_order_cancelled_now", {"order_number": order.order_number, **value})]
    return [
        Reply(
            "utter_order_cancelled_now_refund",
            {
                "order_number": order.order_number,
                "amount": local_money(refund.amount, refund.currency, language=language),
                "method": store_words(refund.method, language=language),
                "expected_by": local_date(refund.expected_by, today=today, language=language),
                **value,
            },
        )
    ]


def cancel_key(*, sender_id: str, order_number: str) -> str:
    return idempotency_key(
        sender_id=sender_id, operation="cancel", order_number=order_number, request={}
    )


class ActionStartCancellation(Action):
    def name(self) -> str:
        return "action_start_cancellation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reset: list[EventType] = [SlotSet("cancel_confirmed", None)]
        try:
            _, order = await verified_store_order(dispatcher, tracker)
        except NoAccess as denied:
            return [*reset, *denied.events, SlotSet("cancel_allowed", False)]
        if not order.can_cancel:
            send(dispatcher, cannot_cancel(order))
            events = [*reset, SlotSet("cancel_allowed", False)]
            if order.status != "cancelled":
                events.append(SlotSet("handoff_reason", REFUSAL_DISPUTED))
            return events
        return [*reset, SlotSet("cancel_allowed", True)]


class ActionAskCancelConfirmed(Action):
    def name(self) -> str:
        return "action_ask_cancel_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            _, order = await verified_store_order(dispatcher, tracker)
        except NoAccess as denied:
            return denied.events
        send(dispatcher, [cancellation_summary(order, language=conversation_language(tracker))])
        return []


class ActionSubmitCancellation(Action):
    def name(self) -> str:
        return "action_submit_cancellation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reset: list[EventType] = [SlotSet("cancel_confirmed", None)]
        try:
            ref = verified_ref(dispatcher, tracker)
        except NoAccess as denied:
            return [*denied.events, *reset]
        if tracker.get_slot("cancel_confirmed") is not True:
            dispatcher.utter_message(response="utter_cancel_kept", order_number=ref.order_number)
            return reset
        services().reads.forget(tracker)  # what this turn reads next is after the write
        try:
            order = await services().store.cancel_order(
                order_number=ref.order_number,
                email=ref.email,
                idempotency_key=cancel_key(
                    sender_id=tracker.sender_id, order_number=ref.order_number
                ),
            )
        except StoreRefusal as refusal:
            if refusal.code == "order_cancelled":
                dispatcher.utter_message(
                    response="utter_cancel_already_cancelled", order_number=ref.order_number
                )
                return reset
            dispatcher.utter_message(
                response="utter_cancel_refused_shipped", order_number=ref.order_number
            )
            return [*reset, SlotSet("handoff_reason", REFUSAL_DISPUTED)]
        except StoreError:
            logger.warning("store unavailable cancelling an order", exc_info=True)
            return [*reset, *store_down(dispatcher)]
        language = conversation_language(tracker)
        send(dispatcher, cancelled_replies(order, today=date.today(), language=language))
        return reset
