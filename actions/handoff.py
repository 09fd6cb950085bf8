"""Handing the conversation to a person.

`action_start_handoff` works out why (the `handoff_reason` slot set by another flow, or the
shopper's own request or complaint); the rules then always run `handoff_form`, which asks
only for what is missing: a contact email (taken from the verified order, or from the
request itself, when there is one) and a one-line summary. When nothing is missing the form
completes as soon as it starts, so the dialogue has one shape for every case (no
FollowupAction, which `rasa test core` cannot see). `action_escalate` then writes the
escalation to the outbox, tells the shopper the reference and when to expect an answer, and
pauses the conversation; the `python -m handoff serve` process delivers it to the helpdesk
and Slack.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import (
    ActionExecuted,
    ConversationPaused,
    EventType,
    FollowupAction,
    SlotSet,
)
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.bootstrap import services as order_services
from actions.language import conversation_language
from actions.verification import VerifiedOrder, verified_identity, verified_order
from handoff.bootstrap import services
from handoff.masking import mask_sensitive
from handoff.models import REASONS, Escalation
from handoff.outbox import EscalationContext
from handoff.rules import auto_summary, extract_email, one_line, priority_for, tags_for
from handoff.transcript import turns_from_events
from integrations.store.errors import StoreError

logger = logging.getLogger(__name__)

FORM = "handoff_form"
_NOT_A_TASK = {
    "human_agent",
    "complaint",
    "affirm",
    "deny",
    "inform",
    "stop",
    "greet",
    "nlu_fallback",
}


def _user_events(tracker: Tracker) -> list[dict[str, Any]]:
    return [e for e in tracker.events if e.get("event") == "user"]


def _intent(event: dict[str, Any]) -> str | None:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


# A reason another flow recorded when it offered a person (the verification gave up, the
# store was down, ...) explains a request for a person made soon after; much later it is
# stale, and the shopper's request is taken as their own.
OFFER_FRESH_FOR_MESSAGES = 3


def offered_reason(events: list[dict[str, Any]]) -> str | None:
    """The `handoff_reason` another flow set within the shopper's last few messages."""
    messages = 0
    for event in reversed(events):
        kind = event.get("event")
        if kind == "restart":
            return None
        if kind == "user":
            messages += 1
            if messages > OFFER_FRESH_FOR_MESSAGES:
                return None
        elif kind == "slot" and event.get("name") == "handoff_reason":
            value = event.get("value")
            return str(value) if value in REASONS else None
    return None


def handoff_reason(tracker: Tracker) -> str:
    """Why this request for a person: the shopper's complaint, a reason another flow has
    just recorded, or else the shopper's own request. Decided by action_start_handoff."""
    latest = _user_events(tracker)[-1:]
    if latest and _intent(latest[0]) == "complaint":
        return "complaint"
    return offered_reason(tracker.events) or "requested"


def current_reason(tracker: Tracker) -> str:
    """The reason action_start_handoff recorded for the handoff under way."""
    reason = tracker.get_slot("handoff_reason")
    return str(reason) if reason in REASONS else handoff_reason(tracker)


def complaint_text(tracker: Tracker) -> str | None:
    for event in reversed(_user_events(tracker)):
        if _intent(event) == "complaint":
            return mask_sensitive(event.get("text") or "")
    return None


def shopper_task(tracker: Tracker) -> str | None:
    task = tracker.get_slot("task")
    if task:
        return str(task)
    for event in reversed(_user_events(tracker)):
        intent = _intent(event)
        if intent and intent not in _NOT_A_TASK:
            return intent
    return None


def known_summary(tracker: Tracker) -> str | None:
    return auto_summary(
        reason=current_reason(tracker),
        order_number=verified_order_number(tracker),
        complaint_text=complaint_text(tracker),
    )


def verified_email(tracker: Tracker) -> str | None:
    """The email the shopper proved (verified order or logged-in identity), else None.

    Read through the verification module, which checks the slots' HMAC: slots set any other
    way (e.g. through Rasa's HTTP API) never make a ticket say "verified".
    """
    identity = verified_identity(tracker)
    return identity.email if identity else None


def handoff_order(tracker: Tracker) -> VerifiedOrder | None:
    """The order the shopper proved: the one they verified (even if they have since named
    another), or for a logged-in shopper the order they are asking about."""
    identity = verified_identity(tracker)
    if identity is None:
        return None
    if identity.order_number is not None:
        return VerifiedOrder(order_number=identity.order_number, email=identity.email)
    return verified_order(tracker)


def verified_order_number(tracker: Tracker) -> str | None:
    order = handoff_order(tracker)
    return order.order_number if order else None


def contact_email(tracker: Tracker) -> str | None:
    return verified_email(tracker) or tracker.get_slot("handoff_email")


def email_in_request(tracker: Tracker) -> str | None:
    """An email address the shopper gave in the message that asked for a person."""
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") == "email":
            found = extract_email(str(entity.get("value") or ""))
            if found:
                return found
    return None


class ActionStartHandoff(Action):
    def name(self) -> str:
        return "action_start_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reason = handoff_reason(tracker)
        dispatcher.utter_message(
            response="utter_handoff_complaint" if reason == "complaint" else "utter_handoff_start"
        )
        events: list[EventType] = [SlotSet("handoff_reason", reason)]
        given = email_in_request(tracker)
        if given and not contact_email(tracker):
            events.append(SlotSet("handoff_email", given))
        return events


class ValidateHandoffForm(FormValidationAction):
    def name(self) -> str:
        return "validate_handoff_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        needed = []
        if not verified_email(tracker):
            needed.append("handoff_email")
        if not known_summary(tracker):
            needed.append("handoff_summary")
        return needed

    async def validate_handoff_email(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        email = extract_email(str(value) if value else None)
        if email is None:
            dispatcher.utter_message(response="utter_handoff_invalid_email")
            return {"handoff_email": None}
        return {"handoff_email": email}

    async def validate_handoff_summary(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        summary = one_line(str(value or ""))
        if len(summary) < 5:
            dispatcher.utter_message(response="utter_handoff_summary_too_short")
            return {"handoff_summary": None}
        return {"handoff_summary": mask_sensitive(summary)}


async def verified_order_total(tracker: Tracker) -> Decimal | None:
    """The total of the shopper's verified order, for the high-value priority.

    None when no order is verified or the store cannot say; the escalation never waits on
    more than the store client's own timeout and never fails because of it.
    """
    order = handoff_order(tracker)
    if order is None:
        return None
    try:
        found = await order_services().store.lookup_order(
            order_number=order.order_number, email=order.email
        )
    except StoreError as exc:
        logger.warning("order total of %s unknown for the handoff: %s", order.order_number, exc)
        return None
    return found.total


class ActionEscalate(Action):
    def name(self) -> str:
        return "action_escalate"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        svc = services()
        settings = svc.settings
        email = contact_email(tracker)
        if not email:  # the rules only get here with an email; be safe anyway
            return [FollowupAction(FORM)]
        reason = current_reason(tracker)
        order_number = verified_order_number(tracker)
        order_total = await verified_order_total(tracker)
        summary = known_summary(tracker) or str(tracker.get_slot("handoff_summary") or "")
        intent = shopper_task(tracker)
        verified = bool(order_number)
        turns = tuple(turns_from_events(tracker.events))
        language = conversation_language(tracker)
        now = datetime.now(UTC)

        def build(context: EscalationContext) -> Escalation:
            priority = priority_for(
                reason=reason,
                order_total=order_total,
                high_value_threshold=settings.high_value_threshold,
                previous_contacts=context.previous_contacts,
                sequence=context.sequence,
            )
            return Escalation(
                conversation_id=tracker.sender_id,
                sequence=context.sequence,
                reference=context.reference,
                email=email,
                summary=summary or "Shopper asked for a person",
                reason=reason,
                intent=intent,
                order_number=order_number,
                verified=verified,
                priority=priority,
                tags=(
                    *tags_for(reason=reason, intent=intent, verified=verified, priority=priority),
                    f"language_{language}",
                ),
                turns=turns,
                created_at=now,
                language=language,
            )

        try:
            escalation = await asyncio.to_thread(
                svc.store.record_escalation,
                conversation_id=tracker.sender_id,
                email=email,
                build=build,
                now=now,
            )
        except SQLAlchemyError:
            logger.exception("could not record the escalation of %s", tracker.sender_id)
            dispatcher.utter_message(response="utter_handoff_failed")
            return []

        hours = settings.business_hours
        if hours.is_open(now):
            dispatcher.utter_message(
                response="utter_handoff_done_open",
                reference=escalation.reference,
                email=email,
                reply_within=settings.reply_within_hours,
            )
        else:
            opening = hours.next_opening(now)
            dispatcher.utter_message(
                response="utter_handoff_done_closed",
                reference=escalation.reference,
                email=email,
                next_opening=opening.strftime("%A %H:%M %Z"),
            )
        return [
            SlotSet("handoff_reference", escalation.reference),
            SlotSet("handoff_summary", None),
            SlotSet("handoff_reason", None),
            # Rasa stops predicting once the conversation is paused, so it would never log
            # the action_listen that normally follows; without it the shopper's next message
            # (a "/restart" while paused, or anything after the ticket is solved) reads as
            # coming straight after this action, and no rule matches it.
            ActionExecuted("action_listen"),
            ConversationPaused(),
        ]
