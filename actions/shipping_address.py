"""Change the shipping address: only before shipment, after a yes to old-vs-new summary.

Flow: `change_shipping_address` -> verification_form -> `action_start_address_change`
(sets `address_change_allowed`) -> `address_form` (address_line1, address_city,
address_postcode, address_confirmed) -> `action_submit_address_change`. The recipient's
name and the country are kept from the current address. The fields are checked here
first (a hint at once), and the store validates them again when applying the change.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.bootstrap import services
from actions.countries import display_name
from actions.idempotency import earlier_runs, idempotency_key
from actions.language import conversation_language
from actions.order_access import (
    REFUSAL_DISPUTED,
    NoAccess,
    OrderFormValidation,
    store_down,
    verified_ref,
    verified_store_order,
)
from actions.phrases import has_phrase, phrase
from integrations.store.errors import InvalidRequest, StoreError, StoreRefusal
from integrations.store.models import Address
from integrations.store.rules.address import POSTCODE_EXAMPLES, valid_postcode

logger = logging.getLogger(__name__)

FORM_SLOTS = ("address_line1", "address_city", "address_postcode", "address_confirmed")
_FIELD_SLOTS = {
    "address.line1": "address_line1",
    "address.city": "address_city",
    "address.postcode": "address_postcode",
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LETTER = re.compile(r"[^\W\d_]")


# --- plain functions (unit-tested without any server) ------------------------------------


def _clean(value: object, *, max_len: int) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if not text or len(text) > max_len or _CONTROL.search(text) or not _LETTER.search(text):
        return None
    return text


def clean_line1(value: object) -> str | None:
    """House number and street: 3 to 100 characters with at least one letter."""
    text = _clean(value, max_len=100)
    return text if text and len(text) >= 3 else None


def clean_city(value: object) -> str | None:
    text = _clean(value, max_len=60)
    if text is None or len(text) < 2 or any(ch.isdigit() for ch in text):
        return None
    return text


def clean_postcode(value: object, *, country: str) -> str | None:
    """The postcode in its usual form ('SW1A 1AA'), or None when it is not valid there (the
    address rule's own check: integrations/store/rules/address.py)."""
    if not isinstance(value, str):
        return None
    return valid_postcode(value, country)


def postcode_hint(country: str, *, language: str) -> dict[str, str]:
    """What the postcode of `country` is called and looks like, for the reply to one that
    is not valid there ("a UK postcode", "SW1A 1AA or M1 1AE")."""
    key = f"postcode_{country}"
    if has_phrase(key):
        kind = phrase(key, language=language)
    else:
        kind = phrase("postcode_of", language=language,
                      country=display_name(country, language))
    examples = POSTCODE_EXAMPLES.get(country)
    if examples is None:
        shape = phrase("postcode_any", language=language)
    else:
        shape = f" {phrase('or', language=language)} ".join(examples)
    return {"postcode_kind": kind, "postcode_examples": shape}


def one_line(address: Address) -> str:
    parts = [address.name, address.line1, address.line2, f"{address.city} {address.postcode}"]
    return ", ".join(p for p in parts if p)


def new_address(current: Address, *, line1: str, city: str, postcode: str) -> Address:
    """The new address: the shopper's street, city and postcode; name and country kept."""
    return Address(
        name=current.name,
        line1=line1,
        line2=None,
        city=city,
        postcode=postcode,
        country=current.country,
    )


def address_key(*, sender_id: str, order_number: str, address: Address, attempt: int = 0) -> str:
    return idempotency_key(
        sender_id=sender_id,
        operation="address",
        order_number=order_number,
        request={**address.to_json(), "attempt": attempt},
    )


def _slot_address(tracker: Tracker, current: Address) -> Address | None:
    line1 = tracker.get_slot("address_line1")
    city = tracker.get_slot("address_city")
    postcode = tracker.get_slot("address_postcode")
    if not (isinstance(line1, str) and isinstance(city, str) and isinstance(postcode, str)):
        return None
    return new_address(current, line1=line1, city=city, postcode=postcode)


def _refused(dispatcher: CollectingDispatcher, order_number: str, code: str) -> list[EventType]:
    if code == "order_cancelled":
        dispatcher.utter_message(
            response="utter_address_refused_cancelled", order_number=order_number
        )
        return []
    dispatcher.utter_message(response="utter_address_refused_shipped", order_number=order_number)
    return [SlotSet("handoff_reason", REFUSAL_DISPUTED)]


# --- actions -----------------------------------------------------------------------------


class ActionStartAddressChange(Action):
    def name(self) -> str:
        return "action_start_address_change"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reset: list[EventType] = [SlotSet(slot, None) for slot in FORM_SLOTS]
        try:
            _, order = await verified_store_order(dispatcher, tracker)
        except NoAccess as denied:
            return [*reset, *denied.events, SlotSet("address_change_allowed", False)]
        if not order.can_change_address:
            code = "order_cancelled" if order.status == "cancelled" else "already_shipped"
            return [
                *reset,
                *_refused(dispatcher, order.order_number, code),
                SlotSet("address_change_allowed", False),
            ]
        dispatcher.utter_message(
            response="utter_address_current",
            order_number=order.order_number,
            address=one_line(order.shipping_address),
        )
        return [*reset, SlotSet("address_change_allowed", True)]


class ValidateAddressForm(OrderFormValidation):
    free_text_slots = ("address_line1", "address_city", "address_postcode")

    def name(self) -> str:
        return "validate_address_form"

    async def validate_address_line1(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        line1 = clean_line1(value)
        if line1 is None:
            dispatcher.utter_message(response="utter_address_invalid_line1")
        return {"address_line1": line1}

    async def validate_address_city(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        city = clean_city(value)
        if city is None:
            dispatcher.utter_message(response="utter_address_invalid_city")
        return {"address_city": city}

    async def validate_address_postcode(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        # The country is kept from the order: its postcode format applies.
        try:
            _, order = await verified_store_order(dispatcher, tracker)
        except NoAccess:
            return {"address_postcode": None}
        country = order.shipping_address.country
        postcode = clean_postcode(value, country=country)
        if postcode is None:
            dispatcher.utter_message(
                response="utter_address_invalid_postcode",
                value=" ".join(str(value).split())[:20],
                **postcode_hint(country, language=conversation_language(tracker)),
            )
        return {"address_postcode": postcode}


class ActionAskAddressConfirmed(Action):
    def name(self) -> str:
        return "action_ask_address_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            _, order = await verified_store_order(dispatcher, tracker)
        except NoAccess as denied:
            return denied.events
        address = _slot_address(tracker, order.shipping_address)
        dispatcher.utter_message(
            response="utter_ask_address_confirmed",
            order_number=order.order_number,
            old_address=one_line(order.shipping_address),
            new_address=one_line(address) if address else "",
        )
        return []


class ActionSubmitAddressChange(Action):
    def name(self) -> str:
        return "action_submit_address_change"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reset: list[EventType] = [SlotSet(slot, None) for slot in FORM_SLOTS]
        try:
            ref = verified_ref(dispatcher, tracker)
        except NoAccess as denied:
            return [*denied.events, *reset]
        if tracker.get_slot("address_confirmed") is not True:
            dispatcher.utter_message(response="utter_address_kept", order_number=ref.order_number)
            return reset
        try:
            _, order = await verified_store_order(dispatcher, tracker)
        except NoAccess as denied:
            return [*denied.events, *reset]
        address = _slot_address(tracker, order.shipping_address)
        if address is None:
            dispatcher.utter_message(response="utter_something_went_wrong")
            return reset
        services().reads.forget(tracker)  # what this turn reads next is after the write
        try:
            updated = await services().store.change_shipping_address(
                order_number=ref.order_number,
                email=ref.email,
                address=address,
                idempotency_key=address_key(
                    sender_id=tracker.sender_id,
                    order_number=ref.order_number,
                    address=address,
                    attempt=earlier_runs(tracker.events, self.name()),
                ),
            )
        except StoreRefusal as refusal:
            return [*reset, *_refused(dispatcher, ref.order_number, refusal.code)]
        except InvalidRequest as bad:
            logger.info("store rejected address field %s", bad.field)
            field = _FIELD_SLOTS.get(bad.field, "address").removeprefix("address_")
            dispatcher.utter_message(
                response="utter_address_rejected",
                field=phrase(f"field_{field}", language=conversation_language(tracker)),
            )
            return reset
        except StoreError:
            logger.warning("store unavailable changing an address", exc_info=True)
            return [*reset, *store_down(dispatcher)]
        dispatcher.utter_message(
            response="utter_address_changed",
            order_number=updated.order_number,
            address=one_line(updated.shipping_address),
        )
        return reset
