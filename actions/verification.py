"""Verification: the one place that decides whether a shopper may see an order.

A shopper is verified for an order when the store confirms the order number and email
belong together (the verification form below), or when the storefront vouches for the
logged-in customer with a signed identity token (see `identity`). Every order-revealing
action asks `verified_order()`; nothing else grants access.

The verified slots are `custom`-mapped, so no message can fill them; on top of that they
are bound to the conversation by an HMAC only this action server can compute, so a slot
set any other way (e.g. through Rasa's HTTP API) is worthless.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from actions.attempts import client_network
from actions.bootstrap import services
from actions.identity import ShopperIdentity, identity_from_metadata
from actions.language import conversation_language
from actions.locale_format import order_number_hint
from common.order_numbers import REFERENCE_FORMAT, OrderNumberFormat
from integrations.store.errors import (
    OrderNotFound,
    StoreError,
    StoreRateLimited,
    StoreUnavailable,
)

logger = logging.getLogger(__name__)

FORM_NAME = "verification_form"

# verification_outcome values
VERIFIED = "verified"
LOCKED = "locked"
STORE_UNAVAILABLE = "store_unavailable"

# the `task` slot's value for a return (the rules run `action_start_return` after the form)
START_RETURN_TASK = "start_return"

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-']+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")


# --- plain functions (unit-tested without any server) ------------------------------------


def parse_order_number(
    text: object, order_numbers: OrderNumberFormat = REFERENCE_FORMAT
) -> str | None:
    """The order number in a shopper's reply (the store's format: common/order_numbers.py),
    or None when there isn't exactly one."""
    return order_numbers.parse(text)


def _order_numbers() -> OrderNumberFormat:
    return services().store.order_numbers


def parse_email(text: object) -> str | None:
    """The email address in a shopper's reply (lower-cased), or None."""
    if not isinstance(text, str):
        return None
    found = {m.group(0).lower().strip(".'") for m in _EMAIL.finditer(text)}
    if len(found) != 1:
        return None
    return found.pop()


def make_proof(*, secret: bytes, sender_id: str, order_number: str, email: str) -> str:
    # A JSON array, not a joined string: no choice of sender id can make one triple
    # encode like another.
    message = json.dumps(["shopdesk-verified", sender_id, order_number, email]).encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class VerifiedIdentity:
    """Who the shopper has proven to be.

    `order_number` set: verified for that order (and, through its email, may verify
    another order by number alone). `order_number` None: a logged-in customer, who may see
    any order of `email` (the store checks the order belongs to that email).
    """

    email: str
    order_number: str | None

    def covers(self, order_number: str | None) -> bool:
        if order_number is None:
            return False
        return self.order_number is None or self.order_number == order_number


@dataclass(frozen=True)
class VerifiedOrder:
    order_number: str
    email: str


def verified_identity(tracker: Tracker) -> VerifiedIdentity | None:
    settings = services().settings
    order_number = tracker.get_slot("verified_order_number")
    email = tracker.get_slot("verified_email")
    proof = tracker.get_slot("verification_proof")
    if isinstance(order_number, str) and isinstance(email, str) and isinstance(proof, str):
        expected = make_proof(
            secret=settings.verification_secret,
            sender_id=tracker.sender_id,
            order_number=order_number,
            email=email,
        )
        if hmac.compare_digest(expected, proof):
            return VerifiedIdentity(email=email, order_number=order_number)
        logger.warning("verification slots of %s carry an invalid proof", tracker.sender_id)
    shopper = logged_in_shopper(tracker)
    if shopper is not None:
        return VerifiedIdentity(email=shopper.email, order_number=None)
    return None


def _latest_metadata(tracker: Tracker) -> Mapping[str, Any] | None:
    latest = tracker.latest_message
    metadata = latest.get("metadata") if isinstance(latest, Mapping) else None
    return metadata if isinstance(metadata, Mapping) else None


def logged_in_shopper(tracker: Tracker) -> ShopperIdentity | None:
    return identity_from_metadata(
        _latest_metadata(tracker), secret=services().settings.identity_secret
    )


def shopper_client(tracker: Tracker) -> str:
    """Whose failed attempts these are: the network a chat channel vouched for (signed),
    else `api` (actions/attempts.py). Tracker metadata alone cannot choose it."""
    return client_network(
        metadata=_latest_metadata(tracker),
        sender_id=tracker.sender_id,
        proof_key=services().settings.client_proof_key,
    )


def verified_order(tracker: Tracker) -> VerifiedOrder | None:
    """The order the shopper is asking about, if they are verified for it; else None.

    This is the gate every order-revealing action goes through.
    """
    identity = verified_identity(tracker)
    if identity is None:
        return None
    requested = (
        parse_order_number(tracker.get_slot("order_number"), _order_numbers())
        or identity.order_number
    )
    if not identity.covers(requested):
        return None
    assert requested is not None
    return VerifiedOrder(order_number=requested, email=identity.email)


def verification_events(*, tracker: Tracker, order_number: str, email: str) -> list[EventType]:
    """The slot events that record a successful verification (only for this module)."""
    proof = make_proof(
        secret=services().settings.verification_secret,
        sender_id=tracker.sender_id,
        order_number=order_number,
        email=email,
    )
    return [
        SlotSet("verified_order_number", order_number),
        SlotSet("verified_email", email),
        SlotSet("verification_proof", proof),
        SlotSet("verification_failures", 0.0),
        SlotSet("verification_outcome", VERIFIED),
    ]


# --- the form ----------------------------------------------------------------------------


class ValidateVerificationForm(FormValidationAction):
    """Collects order number and email, then checks them with the store.

    Stops asking after too many failed attempts (and offers a person), and stops at once
    when the store cannot be reached. Already verified shoppers pass straight through.
    """

    def name(self) -> str:
        return "validate_verification_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.get_slot("verification_outcome") in (LOCKED, STORE_UNAVAILABLE):
            return []
        identity = verified_identity(tracker)
        if identity is None:
            return ["order_number", "email"]
        if identity.covers(parse_order_number(tracker.get_slot("order_number"), _order_numbers())):
            return []
        if identity.order_number is not None and tracker.get_slot("order_number") is None:
            return []  # no new order named: the verified one is meant
        return ["order_number"]  # the email is known already

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events: list[EventType] = []
        if _is_activation(tracker):
            events += _reset_outcome(tracker, dispatcher)
        validation = await self.get_validation_events(dispatcher, tracker, domain)
        tracker.add_slots(validation)
        events += validation
        events += await self._verify_when_complete(dispatcher, tracker)
        required = await self.required_slots([], dispatcher, tracker, domain)
        missing = next((s for s in required if tracker.get_slot(s) is None), None)
        events.append(SlotSet(REQUESTED_SLOT, missing))
        return events

    async def validate_order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        number = parse_order_number(value, _order_numbers())
        if number is None:
            dispatcher.utter_message(
                response="utter_invalid_order_number_hint",
                value=_shown(value),
                hint=order_number_hint(_order_numbers(), language=conversation_language(tracker)),
            )
            return {"order_number": None}
        return {"order_number": number}

    async def validate_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        email = parse_email(value)
        if email is None:
            dispatcher.utter_message(response="utter_invalid_email", value=_shown(value))
            return {"email": None}
        return {"email": email}

    async def _verify_when_complete(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        if tracker.get_slot("verification_outcome") in (LOCKED, STORE_UNAVAILABLE):
            return []
        order_number = parse_order_number(tracker.get_slot("order_number"), _order_numbers())
        identity = verified_identity(tracker)
        if identity is not None and identity.covers(order_number):
            return []
        email = parse_email(tracker.get_slot("email")) or (identity.email if identity else None)
        if order_number is None or email is None:
            return []

        client = shopper_client(tracker)
        wait = services().failures.retry_after(client)
        if wait is not None:
            logger.warning("verification refused: too many failures from %s", client)
            return self._record(tracker, _network_limited(dispatcher, wait))
        store, reads = services().store, services().reads
        # A return's `action_start_return` comes next in this turn and needs the order's
        # return eligibility too: read it in the same request (actions/turn_reads.py).
        lookup = (
            reads.lookup_order_with_eligibility
            if tracker.get_slot("task") == START_RETURN_TASK
            else reads.lookup_order
        )
        try:
            order = await lookup(
                tracker, store, order_number=order_number, email=email, client=client
            )
        except OrderNotFound:
            return self._failed_attempt(dispatcher, tracker, client=client)
        except StoreRateLimited as exc:
            # The store counts failures per client network as well (the forwarded key).
            logger.warning("verification refused by the store: too many failures (%s)", client)
            wait = int(exc.retry_after or services().settings.failed_verification_window_seconds)
            return self._record(tracker, _network_limited(dispatcher, wait))
        except StoreUnavailable:
            logger.warning("store unavailable during verification", exc_info=True)
            return self._record(tracker, _store_down(dispatcher))
        except StoreError:
            logger.exception("store refused the verification lookup")
            return self._record(tracker, _store_down(dispatcher))

        events = verification_events(tracker=tracker, order_number=order.order_number, email=email)
        events.append(SlotSet("order_number", order.order_number))
        return self._record(tracker, events)

    def _failed_attempt(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, *, client: str
    ) -> list[EventType]:
        failures = _failure_count(tracker) + 1
        services().failures.record_failure(client)
        events: list[EventType] = [
            SlotSet("verification_failures", float(failures)),
            SlotSet("order_number", None),
            SlotSet("email", None),
        ]
        if failures >= services().settings.max_verification_attempts:
            events += _locked(dispatcher)
        else:
            # The network may be at its limit now; the next attempt says so, this one is
            # answered for what it was.
            dispatcher.utter_message(response="utter_order_not_found")
        return self._record(tracker, events)

    @staticmethod
    def _record(tracker: Tracker, events: list[EventType]) -> list[EventType]:
        tracker.add_slots(events)
        return events


def _locked(dispatcher: CollectingDispatcher) -> list[EventType]:
    """Too many failed attempts: stop asking, offer a person."""
    dispatcher.utter_message(response="utter_verification_locked")
    return [
        SlotSet("verification_outcome", LOCKED),
        SlotSet("handoff_reason", "verification_failed"),
    ]


def _network_limited(dispatcher: CollectingDispatcher, wait_seconds: int) -> list[EventType]:
    """Too many failed checks from the shopper's network: say so, when to try again, and
    offer a person. This conversation did nothing wrong: its own count is untouched."""
    # A bare number: each language's response says "min" its own way.
    minutes = max(1, math.ceil(wait_seconds / 60))
    dispatcher.utter_message(response="utter_verification_network_limited", minutes=str(minutes))
    return [
        SlotSet("verification_outcome", LOCKED),
        SlotSet("handoff_reason", "verification_failed"),
    ]


def _failure_count(tracker: Tracker) -> int:
    value = tracker.get_slot("verification_failures")
    try:
        return max(int(value or 0), 0)
    except (TypeError, ValueError, OverflowError):
        return 0


def _store_down(dispatcher: CollectingDispatcher) -> list[EventType]:
    dispatcher.utter_message(response="utter_store_unavailable")
    return [
        SlotSet("verification_outcome", STORE_UNAVAILABLE),
        SlotSet("handoff_reason", "store_unavailable"),
    ]


def _is_activation(tracker: Tracker) -> bool:
    """True when the form was activated by the shopper's latest message.

    Rasa applies ActiveLoop(form) before the activation validation runs, so the active loop
    alone cannot tell; an ActiveLoop event after the latest user message can.
    """
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "active_loop" and event.get("name") == FORM_NAME:
            return True
    return False


def _reset_outcome(tracker: Tracker, dispatcher: CollectingDispatcher) -> list[EventType]:
    """A new request starts a new attempt, except after too many failures in this
    conversation, or while the shopper's network is at its limit. A shopper the storefront
    vouches for is never held back by either: nothing is guessed."""
    events: list[EventType]
    if logged_in_shopper(tracker) is not None:
        events = [SlotSet("verification_outcome", None)]
    elif _failure_count(tracker) >= services().settings.max_verification_attempts:
        dispatcher.utter_message(response="utter_verification_locked")
        events = [SlotSet("verification_outcome", LOCKED)]
    elif (wait := services().failures.retry_after(shopper_client(tracker))) is not None:
        events = _network_limited(dispatcher, wait)
    else:
        events = [SlotSet("verification_outcome", None)]
    tracker.add_slots(events)
    return events


def _shown(value: Any) -> str:
    """A shopper's reply quoted back in a hint: short, single-line."""
    text = " ".join(str(value).split())
    return text if len(text) <= 40 else text[:37] + "..."
