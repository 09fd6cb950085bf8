"""The common first step of every self-service action: the verified order, from the store.

Goes through `verification.verified_order()` (the only gate) and explains to the shopper
why nothing happens when the gate is closed or the store cannot be reached.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import verification
from actions.bootstrap import services
from actions.form_answers import free_text_answer
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
    client = verification.shopper_client(tracker)
    try:
        order = await services().reads.lookup_order(
            tracker, services().store, order_number=ref.order_number, email=ref.email,
            client=client,
        )
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


def _last_user_index(events: list[dict[str, Any]]) -> int:
    return max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)


def set_by_last_message(events: list[dict[str, Any]], slot: str) -> bool:
    """Whether the shopper's latest message (its slot extraction) set the slot."""
    return any(
        e.get("event") == "slot" and e.get("name") == slot
        for e in events[_last_user_index(events) + 1 :]
    )


def value_before_last_message(events: list[dict[str, Any]], slot: str) -> Any:
    """The slot's value before the shopper's latest message (None if never set)."""
    value = None
    for event in events[: max(_last_user_index(events), 0)]:
        if event.get("event") == "slot" and event.get("name") == slot:
            value = event.get("value")
    return value


def keep_order_number(tracker: Tracker) -> list[EventType]:
    """Undo an order number picked out of an answer inside a self-service form.

    A postcode like "12345" or a reason mentioning another order would otherwise switch the
    order the form is about, and the gate would (rightly) refuse the new one.
    """
    if not set_by_last_message(tracker.events, "order_number"):
        return []
    previous = value_before_last_message(tracker.events, "order_number")
    tracker.slots["order_number"] = previous
    return [SlotSet("order_number", previous)]


class OrderFormValidation(FormValidationAction, ABC):
    """A self-service form's validation: the order stays the one the form started with, and
    an answer in the shopper's words to a free-text question is not lost to an unsure "yes"
    or "no" (actions/form_answers.py)."""

    # the slots this form asks for in the shopper's own words
    free_text_slots: tuple[str, ...] = ()

    @abstractmethod
    def name(self) -> str: ...

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events = await super().get_extraction_events(dispatcher, tracker, domain)
        answer = free_text_answer(
            tracker.latest_message or {},
            requested_slot=tracker.get_slot("requested_slot"),
            free_text_slots=self.free_text_slots,
        )
        if answer is not None and not set_by_last_message(tracker.events, answer[0]):
            events.append(SlotSet(*answer))
        return events

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        kept = keep_order_number(tracker)
        return [*kept, *await super().run(dispatcher, tracker, domain)]
