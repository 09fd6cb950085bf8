"""Handing the conversation to a person.

`action_start_handoff` works out why (the `handoff_reason` slot set by another flow, or the
shopper's own request or complaint); the rules then always run `handoff_form`, which asks
only for what is missing: a contact email (taken from the verified order, or from the
request itself, when there is one) and a one-line summary. When nothing is missing the form
completes as soon as it starts, so the dialogue has one shape for every case (no
FollowupAction, which `rasa test core` cannot see). `action_escalate` then writes the
escalation to the outbox, tells the shopper the reference and when to expect an answer, and
pauses the conversation; the `python -m handoff serve` process delivers it to the helpdesk
and Slack, and brings the agents' answers back into the chat.

A typed "yes" to an offer of a person (`action_answer_yes`) starts the same handoff as the
button; a typed "yes" to nothing is answered politely. A new Rasa session (after an hour
of silence) keeps a conversation that is with a person paused (`action_session_start`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import (
    ActionExecuted,
    ConversationPaused,
    EventType,
    FollowupAction,
    SessionStarted,
    SlotSet,
)
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.bootstrap import services as order_services
from actions.language import conversation_language
from actions.verification import VerifiedOrder, verified_identity, verified_order
from common.chat_messages import CHAT_STATE, WITH_TEAM
from handoff.bootstrap import services
from handoff.hours import reply_promise, when
from handoff.masking import mask_sensitive
from handoff.models import REASONS, Escalation, OrderContext
from handoff.outbox import EscalationContext
from handoff.rules import auto_summary, extract_email, one_line, priority_for, tags_for
from handoff.transcript import turns_from_events
from integrations.store.errors import StoreError
from integrations.store.models import Order, ReturnEligibility

logger = logging.getLogger(__name__)

FORM = "handoff_form"
PERSON_PAYLOAD = "/human_agent"
DECLINE_PAYLOAD = "/deny"
OFFER_ACCEPTED_SLOT = "handoff_offer_accepted"
LANGUAGE_SLOT = "language"
# What a conversation can be about (the ticket's intent tag): the shopper's requests, not
# their answers, greetings or the handoff itself.
TOPIC_INTENTS = frozenset(
    {
        "order_status",
        "start_return",
        "return_policy",
        "refund_status",
        "cancel_order",
        "change_shipping_address",
        "delivery_options",
        "payment_issue",
        "complaint",
    }
)
# Slots a conversation with a person keeps across a new Rasa session.
_KEPT_WHILE_PAUSED = ("handoff_reference", LANGUAGE_SLOT, "language_source")


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
    """Why this request for a person: the shopper's complaint (a dispute when it answers a
    refusal), a reason another flow has just recorded, or else the shopper's own request.
    Decided by action_start_handoff."""
    latest = _user_events(tracker)[-1:]
    offered = offered_reason(tracker.events)
    if latest and _intent(latest[0]) == "complaint":
        return "refusal_disputed" if offered == "refusal_disputed" else "complaint"
    return offered or "requested"


def person_offered(events: list[dict[str, Any]]) -> bool:
    """Whether the bot's last answer (before the shopper's latest message) offered a person:
    a "Talk to a person" button with nothing else to choose but "no", or with a reason for
    a person recorded in the same answer. A menu that lists a person among other things
    (the greeting) is not an offer to say yes to."""
    seen_latest = False
    offers, reason = [], False
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            if seen_latest:
                break
            seen_latest = True
        elif seen_latest and kind == "slot" and event.get("name") == "handoff_reason":
            reason = reason or event.get("value") in REASONS
        elif seen_latest and kind == "bot":
            data = event.get("data") or {}
            buttons = (data.get("buttons") or []) + (data.get("quick_replies") or [])
            payloads = {b.get("payload") for b in buttons if isinstance(b, dict)}
            if PERSON_PAYLOAD in payloads:
                offers.append(payloads <= {PERSON_PAYLOAD, DECLINE_PAYLOAD})
    return any(offers) or (bool(offers) and reason)


def handoff_started_at(events: list[dict[str, Any]]) -> int:
    """Index of the handoff's start in `events` (len(events) if it has not started)."""
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.get("event") == "restart":
            break
        if event.get("event") == "action" and event.get("name") == "action_start_handoff":
            return index
    return len(events)


def current_reason(tracker: Tracker) -> str:
    """The reason action_start_handoff recorded for the handoff under way."""
    reason = tracker.get_slot("handoff_reason")
    return str(reason) if reason in REASONS else handoff_reason(tracker)


def complaint_text(tracker: Tracker) -> str | None:
    for event in reversed(_user_events(tracker)):
        if _intent(event) == "complaint":
            return mask_sensitive(event.get("text") or "")
    return None


def conversation_topic(events: list[dict[str, Any]]) -> str | None:
    """What the conversation was about before the shopper was handed over: their latest
    request (never what they typed into the handoff's own questions); a complaint only when
    they asked for nothing else (a complaint about a refused return is about the return)."""
    complained = False
    for event in reversed(events[: handoff_started_at(events)]):
        if event.get("event") == "restart":
            break
        if event.get("event") == "user":
            intent = _intent(event)
            if intent == "complaint":
                complained = True
            elif intent in TOPIC_INTENTS:
                return intent
    return "complaint" if complained else None


def claimed_orders(events: list[dict[str, Any]], *, verified: str | None) -> tuple[str, ...]:
    """Order numbers the shopper named in this conversation but did not prove."""
    found: list[str] = []
    for event in events:
        if event.get("event") == "restart":
            found = []
        elif event.get("event") == "user":
            for entity in (event.get("parse_data") or {}).get("entities") or []:
                value = str(entity.get("value") or "").strip()
                if entity.get("entity") == "order_number" and value and value not in found:
                    found.append(value)
    return tuple(n for n in found if n != verified)[:10]


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

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events = await super().run(dispatcher, tracker, domain)
        # The typed yes that started this handoff has done its job (a set, featurized slot
        # would linger in every later dialogue state).
        if tracker.get_slot(OFFER_ACCEPTED_SLOT) is not None:
            events.append(SlotSet(OFFER_ACCEPTED_SLOT, None))
        return events

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


async def verified_order_details(
    tracker: Tracker,
) -> tuple[Order, ReturnEligibility | None] | None:
    """The shopper's verified order (and its return eligibility) for the ticket's order
    context, the requester's name and the high-value priority.

    None when no order is verified or the store cannot say; the escalation never waits on
    more than the store client's own timeout and never fails because of it.
    """
    order = handoff_order(tracker)
    if order is None:
        return None
    store = order_services().store
    try:
        return await store.lookup_order_with_eligibility(
            order_number=order.order_number, email=order.email
        )
    except StoreError as exc:
        logger.warning("order %s unknown for the handoff: %s", order.order_number, exc)
        return None


def order_context(order: Order, eligibility: ReturnEligibility | None) -> OrderContext:
    """The order in the words an agent reads on the ticket."""
    names = {line.line_id: line.name for line in order.lines}
    items = tuple(
        f"{line.quantity} × {line.name} ({line.unit_price} {order.currency})"
        + (" — final sale" if line.final_sale else "")
        + (f" — {line.returned_quantity} returned" if line.returned_quantity else "")
        for line in order.lines
    )
    shipments = tuple(
        f"{s.carrier} {s.tracking_number}: {s.status.replace('_', ' ')}"
        + (f", delivered {s.delivered_at:%Y-%m-%d}" if s.delivered_at else "")
        + (f", expected {s.eta:%Y-%m-%d}" if s.eta and not s.delivered_at else "")
        + (f" ({s.tracking_url})" if s.tracking_url else "")
        for s in order.shipments
    )
    returns = None
    if eligibility is not None:
        parts = [
            f"{names.get(line.line_id, line.line_id)}: "
            + (
                f"returnable until {line.return_by:%Y-%m-%d}" if line.eligible and line.return_by
                else "returnable" if line.eligible
                else f"not returnable ({(line.refusal_code or 'refused').replace('_', ' ')})"
            )
            for line in eligibility.lines
        ]
        returns = "; ".join(parts) or ("eligible" if eligibility.eligible else "not eligible")
    return OrderContext(
        order_number=order.order_number,
        status=order.status.replace("_", " "),
        total=f"{order.total} {order.currency}",
        placed_on=f"{order.placed_at:%Y-%m-%d}",
        items=items,
        shipments=shipments,
        returns=returns,
    )


def utc_now() -> datetime:
    return datetime.now(UTC)


class ActionEscalate(Action):
    def __init__(self, clock: Callable[[], datetime] = utc_now) -> None:
        # What "now" is for the reply-time promise (tests pass their own). A module-level
        # function: the action server's workers receive the actions pickled.
        self.clock = clock

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
        details = await verified_order_details(tracker)
        order, eligibility = details if details else (None, None)
        summary = known_summary(tracker) or str(tracker.get_slot("handoff_summary") or "")
        intent = conversation_topic(tracker.events)
        verified = bool(order_number)
        turns = tuple(turns_from_events(tracker.events))
        language = conversation_language(tracker)
        now = self.clock()

        def build(context: EscalationContext) -> Escalation:
            priority = priority_for(
                reason=reason,
                order_total=order.total if order else None,
                high_value_threshold=settings.high_value_threshold,
                repeat_contact=context.repeat_contact,
            )
            return Escalation(
                conversation_id=tracker.sender_id,
                sequence=context.sequence,
                reference=context.reference,
                email=email,
                name=order.customer.name if order else None,
                summary=summary or "Shopper asked for a person",
                reason=reason,
                intent=intent,
                order_number=order_number,
                verified=verified,
                priority=priority,
                tags=(
                    *tags_for(
                        reason=reason,
                        intent=intent,
                        verified=verified,
                        priority=priority,
                        follows_up=context.previous_reference is not None,
                    ),
                    f"language_{language}",
                ),
                turns=turns,
                created_at=now,
                order_context=order_context(order, eligibility) if order else None,
                claimed_orders=claimed_orders(tracker.events, verified=order_number),
                previous_reference=context.previous_reference,
                previous_ticket_id=context.previous_ticket_id,
                language=language,
            )

        try:
            escalation = await asyncio.to_thread(
                svc.store.record_escalation,
                conversation_id=tracker.sender_id,
                email=email,
                build=build,
                order_number=order_number,
                language=language,
                helpdesk=svc.helpdesk.name,
                now=now,
            )
        except SQLAlchemyError:
            logger.exception("could not record the escalation of %s", tracker.sender_id)
            dispatcher.utter_message(response="utter_handoff_failed")
            return []

        promise = reply_promise(
            settings.business_hours, now, within_hours=settings.reply_within_hours
        )
        told = {"reference": escalation.reference, "email": email, CHAT_STATE: WITH_TEAM}
        local_now = now.astimezone(settings.business_hours.tz)
        if promise.opens is not None:
            dispatcher.utter_message(
                response="utter_handoff_done_closed",
                opens=when(promise.opens, local_now, language=language),
                **told,
            )
        elif promise.due is not None:
            dispatcher.utter_message(
                response="utter_handoff_done_open_by",
                reply_by=when(promise.due, local_now, language=language, deadline=True),
                **told,
            )
        else:
            dispatcher.utter_message(response="utter_handoff_done_open",
                                     reply_within=promise.within_hours, **told)
        return [
            SlotSet("handoff_reference", escalation.reference),
            SlotSet("handoff_summary", None),
            SlotSet("handoff_reason", None),
            SlotSet(OFFER_ACCEPTED_SLOT, None),
            # Rasa stops predicting once the conversation is paused, so it would never log
            # the action_listen that normally follows; without it the shopper's next message
            # (a "/restart" while paused, or anything after the ticket is solved) reads as
            # coming straight after this action, and no rule matches it.
            ActionExecuted("action_listen"),
            ConversationPaused(),
        ]


class ActionAnswerYes(Action):
    """A typed "yes" outside a form: to an offer of a person it is the button's "Talk to a
    person"; to nothing in particular it gets a polite question back."""

    def name(self) -> str:
        return "action_answer_yes"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if not person_offered(tracker.events):
            dispatcher.utter_message(response="utter_anything_else")
            return [SlotSet(OFFER_ACCEPTED_SLOT, None)]
        events = await ActionStartHandoff().run(dispatcher, tracker, domain)
        return [*events, SlotSet(OFFER_ACCEPTED_SLOT, True)]


class ActionSessionStart(Action):
    """Rasa's session start, except that a conversation with a person stays with them: a
    new session (after an hour of silence, or a restart of Rasa) while the conversation is
    paused keeps it paused, with its reference, until the ticket is solved or the pause
    runs out (the handoff service resumes it)."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        if not tracker.is_paused():
            return [*events, ActionExecuted("action_listen")]
        events += [
            SlotSet(name, tracker.get_slot(name))
            for name in _KEPT_WHILE_PAUSED
            if tracker.get_slot(name) is not None
        ]
        return [*events, ActionExecuted("action_listen"), ConversationPaused()]
