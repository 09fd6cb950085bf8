"""The common first step of every self-service action: the verified order, from the store.

Goes through `verification.verified_order()` (the only gate) and explains to the shopper
why nothing happens when the gate is closed or the store cannot be reached.
"""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import verification
from actions.bootstrap import services
from actions.verification import VerifiedOrder
from integrations.store.errors import OrderNotFound, StoreError
from integrations.store.models import Order

logger = logging.getLogger(__name__)

# handoff_reason values set here and by the self-service actions.
STORE_UNAVAILABLE = "store_unavailable"
REFUSAL_DISPUTED = "refusal_disputed"


class NoAccess(Exception):
    """The action cannot go on; `events` say what the conversation should remember."""

    def __init__(self, events: list[EventType]) -> None:
        super().__init__("no access to the order")
        self.events = events


def store_down(dispatcher: CollectingDispatcher) -> list[EventType]:
    dispatcher.utter_message(response="utter_store_unavailable")
    return [SlotSet("handoff_reason", STORE_UNAVAILABLE)]


def verified_ref(dispatcher: CollectingDispatcher, tracker: Tracker) -> VerifiedOrder:
    """The verified order reference, or `NoAccess` (after saying so when the form didn't)."""
    ref = verification.verified_order(tracker)
    if ref is None:
        if tracker.get_slot("verification_outcome") not in (
            verification.LOCKED,
            verification.STORE_UNAVAILABLE,
        ):
            dispatcher.utter_message(response="utter_not_verified")
        raise NoAccess([])
    return ref


async def verified_store_order(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> tuple[VerifiedOrder, Order]:
    """The verified reference and the order as the store has it now, or `NoAccess`."""
    ref = verified_ref(dispatcher, tracker)
    try:
        order = await services().store.lookup_order(order_number=ref.order_number, email=ref.email)
    except OrderNotFound:
        # Only for logged-in shoppers naming an order of another account.
        dispatcher.utter_message(
            response="utter_order_not_found_for_account", order_number=ref.order_number
        )
        raise NoAccess([SlotSet("order_number", None)]) from None
    except StoreError:
        logger.warning("store unavailable loading order %s", ref.order_number, exc_info=True)
        raise NoAccess(store_down(dispatcher)) from None
    return ref, order
