"""Asking for the order number: the store's own format as the hint, and for a signed-in
shopper their recent orders as buttons instead (the port lists a verified customer's recent
orders; the storefront's identity token is the verification).

Rasa runs `action_ask_verification_form_order_number` whenever the verification form needs
the order number.
"""

from __future__ import annotations

import logging
from datetime import date

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.bootstrap import services
from actions.identity import METADATA_KEY
from actions.language import conversation_language
from actions.locale_format import local_date, order_number_hint
from actions.phrases import has_phrase, phrase
from actions.verification import logged_in_shopper
from common.languages import DEFAULT_LANGUAGE
from integrations.store.errors import StoreError
from integrations.store.models import OrderSummary

logger = logging.getLogger(__name__)

RECENT_ORDERS = 5


def status_words(status: str, *, language: str) -> str:
    """Where an order is, in a few words ("on its way"); a status of the store's own as it
    is."""
    key = f"status_{status}"
    return phrase(key, language=language) if has_phrase(key) else status


def order_buttons(
    orders: list[OrderSummary], *, today: date, language: str = DEFAULT_LANGUAGE
) -> list[dict[str, str]]:
    """One button per order: its number, when it was placed and where it is."""
    return [
        {
            "title": f"{o.order_number} · {local_date(o.placed_at, today=today, language=language)}"
                     f" · {status_words(o.status, language=language)}",
            "payload": f'/inform{{"order_number": "{o.order_number}"}}',
        }
        for o in orders
    ]


class ActionAskOrderNumber(Action):
    def name(self) -> str:
        return "action_ask_verification_form_order_number"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        store = services().store
        language = conversation_language(tracker)
        shopper = logged_in_shopper(tracker)
        if shopper is not None:
            metadata = (tracker.latest_message or {}).get("metadata") or {}
            try:
                recent = await store.recent_orders(
                    email=shopper.email,
                    identity_token=metadata.get(METADATA_KEY),
                    limit=RECENT_ORDERS,
                )
            except StoreError:
                logger.warning("store unavailable listing recent orders", exc_info=True)
                recent = []
            if recent:
                dispatcher.utter_message(
                    response="utter_ask_order_number_recent",
                    buttons=order_buttons(recent, today=date.today(), language=language),
                )
                return []
        hint = order_number_hint(store.order_numbers, language=language)
        dispatcher.utter_message(response="utter_ask_order_number_hint", hint=hint)
        return []
