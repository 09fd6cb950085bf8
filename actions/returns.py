"""Returns: which items may go back (the store decides), which and why, confirm, create the RMA.

Flow: `start_return` -> verification_form -> `action_start_return` (sets `return_eligible`)
-> `return_form` (return_line, return_reason, return_confirmed) -> `action_submit_return`.
Eligibility is never decided here: the store's eligibility endpoint says which lines may
be returned and, when not, which rule applied; the replies (actions/return_replies.py) name
that rule in plain words.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.bootstrap import services
from actions.idempotency import earlier_runs
from actions.language import conversation_language
from actions.locale_format import item_names, local_money, store_words
from actions.order_access import (
    REFUSAL_DISPUTED,
    NoAccess,
    OrderFormValidation,
    store_down,
    verified_ref,
    verified_store_order,
)
from actions.replies import send
from actions.return_replies import (
    KNOWN_REASONS,
    ReturnableLine,
    choose_lines,
    decode_lines,
    encode_lines,
    line_buttons,
    main_refusal,
    partial_notes,
    reason_code,
    reason_in_sentence,
    reason_title,
    refusal_replies,
    refused_lines,
    return_key,
    returnable_lines,
    with_units,
)
from common.outcomes import value_field
from integrations.store.errors import InvalidRequest, StoreError, StoreRefusal
from integrations.store.models import Order, ReturnEligibility, ReturnLine

logger = logging.getLogger(__name__)

FORM_SLOTS = ("return_line", "return_reason", "return_comment", "return_confirmed")


# --- actions -----------------------------------------------------------------------------


async def _order_and_eligibility(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> tuple[Order, ReturnEligibility]:
    ref, order = await verified_store_order(dispatcher, tracker)
    try:
        eligibility = await services().reads.return_eligibility(
            tracker, services().store, order_number=ref.order_number, email=ref.email
        )
    except StoreError:
        logger.warning("store unavailable for return eligibility", exc_info=True)
        raise NoAccess(store_down(dispatcher)) from None
    return order, eligibility


def _named_products(message: dict[str, Any]) -> str:
    """The store's names of the products a message names (the NLU's `product` entities)."""
    entities = message.get("entities") or []
    return " ".join(str(e.get("value")) for e in entities if e.get("entity") == "product")


def _prefill(tracker: Tracker, options: list[ReturnableLine]) -> list[EventType]:
    """Item and reason the shopper named when asking for the return ("return the sweater,
    it's too small"), and the item when only one can be returned."""
    events: list[EventType] = []
    request = next(
        (
            e
            for e in reversed(tracker.events)
            if e.get("event") == "user"
            and (e.get("parse_data") or {}).get("intent", {}).get("name") == "start_return"
        ),
        None,
    )
    parse = (request or {}).get("parse_data") or {}
    entities = parse.get("entities") or []
    products = _named_products(parse)
    chosen = choose_lines(products, options) if products else None
    if chosen is None and len(options) == 1 and not products:
        # Only one item can go back and the shopper named none: no need to ask which.
        chosen = {options[0].line_id: options[0].quantity}
    if chosen:
        events.append(SlotSet("return_line", encode_lines(chosen)))
    reason = next((e.get("value") for e in entities if e.get("entity") == "return_reason"), None)
    if reason:
        events.append(SlotSet("return_reason", reason))
    return events


class ActionStartReturn(Action):
    """Asks the store which lines may be returned; refuses with the rule, or opens the form."""

    def name(self) -> str:
        return "action_start_return"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reset: list[EventType] = [SlotSet(slot, None) for slot in FORM_SLOTS]
        try:
            order, eligibility = await _order_and_eligibility(dispatcher, tracker)
        except NoAccess as denied:
            return [*reset, *denied.events, SlotSet("return_eligible", False)]
        options = returnable_lines(order, eligibility)
        refused = refused_lines(order, eligibility)
        if not options:
            code = main_refusal(set(refused))
            lines = refused.get(code, [])
            send(
                dispatcher,
                refusal_replies(
                    code,
                    order=order,
                    items=[line.name for line, _ in lines] or [line.name for line in order.lines],
                    eligibility=[e for _, e in lines],
                    window_days=eligibility.return_window_days,
                    today=date.today(),
                    language=conversation_language(tracker),
                ),
            )
            return [
                *reset,
                SlotSet("handoff_reason", REFUSAL_DISPUTED),
                SlotSet("return_eligible", False),
            ]
        send(dispatcher, partial_notes(refused, language=conversation_language(tracker)))
        return [*reset, *_prefill(tracker, options), SlotSet("return_eligible", True)]


class ActionAskReturnLine(Action):
    """Lists the returnable lines as buttons."""

    def name(self) -> str:
        return "action_ask_return_line"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            order, eligibility = await _order_and_eligibility(dispatcher, tracker)
        except NoAccess as denied:
            return denied.events
        dispatcher.utter_message(
            response="utter_ask_return_line",
            order_number=order.order_number,
            buttons=line_buttons(
                returnable_lines(order, eligibility), language=conversation_language(tracker)
            ),
        )
        return []


class ActionAskReturnReason(Action):
    """The store's return reasons as buttons; the shopper may also type their own words."""

    def name(self) -> str:
        return "action_ask_return_reason"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            policy = await services().store.get_policy()
        except StoreError:
            logger.warning("store unavailable for return reasons", exc_info=True)
            return store_down(dispatcher)
        language = conversation_language(tracker)
        buttons = [
            {
                "title": reason_title(code, language=language),
                "payload": f'/inform{{"return_reason": "{code}"}}',
            }
            for code in policy.return_reasons
        ]
        dispatcher.utter_message(response="utter_ask_return_reason", buttons=buttons)
        return []


class ActionAskReturnConfirmed(Action):
    """A summary of the return to say yes or no to."""

    def name(self) -> str:
        return "action_ask_return_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            order, eligibility = await _order_and_eligibility(dispatcher, tracker)
        except NoAccess as denied:
            return denied.events
        language = conversation_language(tracker)
        chosen = decode_lines(tracker.get_slot("return_line"))
        items = item_names(
            [
                with_units(o.name, chosen[o.line_id] or o.quantity)
                for o in returnable_lines(order, eligibility)
                if o.line_id in chosen
            ],
            language=language,
        )
        reason = str(tracker.get_slot("return_reason") or "other")
        comment = tracker.get_slot("return_comment")
        dispatcher.utter_message(
            response="utter_ask_return_confirmed",
            order_number=order.order_number,
            items=items,
            reason=comment
            if reason == "other" and comment
            else reason_in_sentence(reason, language=language),
        )
        return []


class ValidateReturnForm(OrderFormValidation):
    free_text_slots = ("return_line", "return_reason")

    def name(self) -> str:
        return "validate_return_form"

    async def validate_return_line(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        try:
            order, eligibility = await _order_and_eligibility(dispatcher, tracker)
        except NoAccess:
            return {"return_line": None}
        options = returnable_lines(order, eligibility)
        chosen = choose_lines(value, options)
        named = _named_products(tracker.latest_message or {})
        if chosen is None and named:
            # "den Pullover": the catalogue's words in other languages name the product
            chosen = choose_lines(named, options)
        if chosen is None:
            dispatcher.utter_message(response="utter_return_line_unknown")
            return {"return_line": None}
        return {"return_line": encode_lines(chosen)}

    async def validate_return_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        try:
            policy = await services().store.get_policy()
        except StoreError:
            logger.warning("store unavailable for return reasons", exc_info=True)
            allowed: tuple[str, ...] = KNOWN_REASONS
        else:
            allowed = policy.return_reasons
        parsed = reason_code(value, allowed=allowed)
        if parsed is None:
            return {"return_reason": None}
        reason, comment = parsed
        return {"return_reason": reason, "return_comment": comment}


class ActionSubmitReturn(Action):
    """Creates the return (idempotently) once the shopper said yes to the summary."""

    def name(self) -> str:
        return "action_submit_return"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reset: list[EventType] = [SlotSet(slot, None) for slot in FORM_SLOTS]
        language = conversation_language(tracker)
        try:
            ref = verified_ref(dispatcher, tracker)
        except NoAccess as denied:
            return [*denied.events, *reset]
        if tracker.get_slot("return_confirmed") is not True:
            dispatcher.utter_message(response="utter_return_not_created")
            return reset
        try:
            order, eligibility = await _order_and_eligibility(dispatcher, tracker)
        except NoAccess as denied:
            return [*denied.events, *reset]
        by_id = {line.line_id: line for line in order.lines}
        units = {
            i: n for i, n in decode_lines(tracker.get_slot("return_line")).items() if i in by_id
        }
        if not units:
            dispatcher.utter_message(response="utter_something_went_wrong")
            return reset
        chosen = sorted(units)
        lines = [ReturnLine(i, units[i] or max(by_id[i].returnable_quantity, 1)) for i in chosen]
        reason = str(tracker.get_slot("return_reason") or "other")
        comment = tracker.get_slot("return_comment")
        key = return_key(
            sender_id=tracker.sender_id,
            order_number=ref.order_number,
            lines=lines,
            reason=reason,
            comment=comment,
            attempt=earlier_runs(tracker.events, self.name()),
        )
        services().reads.forget(tracker)  # what this turn reads next is after the write
        try:
            rma = await services().store.create_return(
                order_number=ref.order_number,
                email=ref.email,
                lines=lines,
                reason=reason,
                comment=comment,
                idempotency_key=key,
            )
        except StoreRefusal as refusal:
            refused = await self._refused(
                dispatcher, refusal, order, eligibility, chosen, language=language
            )
            return [*reset, *refused]
        except InvalidRequest:
            logger.exception("store rejected a return request")
            dispatcher.utter_message(response="utter_something_went_wrong")
            return reset
        except StoreError:
            logger.warning("store unavailable creating a return", exc_info=True)
            return [*reset, *store_down(dispatcher)]
        dispatcher.utter_message(
            # A platform that sends the label later (Shopify, once the store approves)
            # gives none now.
            response="utter_return_created" if rma.label_url else "utter_return_requested",
            rma_number=rma.rma_number,
            items=item_names(
                [
                    with_units(by_id[line.line_id].name, line.quantity)
                    for line in rma.lines
                    if line.line_id in by_id
                ],
                language=language,
            ),
            refund_amount=local_money(rma.refund_amount, rma.currency, language=language),
            instructions=store_words(rma.instructions, language=language),
            label_url=rma.label_url,
            **value_field(rma.refund_amount, rma.currency),  # for the KPI report
        )
        return [*reset, SlotSet("return_rma_number", rma.rma_number)]

    @staticmethod
    async def _refused(
        dispatcher: CollectingDispatcher,
        refusal: StoreRefusal,
        order: Order,
        eligibility: ReturnEligibility,
        chosen: list[int],
        *,
        language: str,
    ) -> list[EventType]:
        max_units = None
        if refusal.code == "quantity_exceeded":
            try:
                max_units = (await services().store.get_policy()).max_units_per_return
            except StoreError:
                pass
        names = {line.line_id: line.name for line in order.lines}
        send(
            dispatcher,
            refusal_replies(
                refusal.code,
                order=order,
                items=[names[i] for i in chosen],
                eligibility=[e for e in eligibility.lines if e.line_id in chosen],
                window_days=eligibility.return_window_days,
                max_units=max_units,
                today=date.today(),
                language=language,
            ),
        )
        return [SlotSet("handoff_reason", REFUSAL_DISPUTED)]
