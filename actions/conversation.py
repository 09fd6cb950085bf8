"""Conversation mechanics that belong to no single feature: fallback and stopping a form."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

FALLBACK_ACTIONS = frozenset({"action_fallback", "action_core_fallback"})
FALLBACKS_BEFORE_OFFERING_HUMAN = 2


def consecutive_fallbacks(events: list[dict[str, Any]]) -> int:
    """How many of the shopper's latest turns in a row were not understood, this one included.

    Called from a fallback action, so the current turn counts; earlier turns count when a
    fallback action answered them.
    """
    turns: list[bool] = []
    for event in events:
        if event.get("event") == "user":
            turns.append(False)
        elif event.get("event") == "action" and event.get("name") in FALLBACK_ACTIONS and turns:
            turns[-1] = True
    count = 1
    for was_fallback in reversed(turns[:-1]):
        if not was_fallback:
            break
        count += 1
    return count


def _answer_fallback(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    if consecutive_fallbacks(tracker.events) >= FALLBACKS_BEFORE_OFFERING_HUMAN:
        dispatcher.utter_message(response="utter_fallback_offer_human")
        return [SlotSet("handoff_reason", "fallback")]
    dispatcher.utter_message(response="utter_fallback_help")
    return []


class ActionFallback(Action):
    """The NLU was not confident: say what we can do; offer a person the second time running."""

    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return _answer_fallback(dispatcher, tracker)


class ActionCoreFallback(Action):
    """The dialogue policies were not confident what to do next.

    Answers like an NLU fallback, then reverts the message so the conversation continues
    from where it was (and the policies do not predict this action again and again).
    """

    def name(self) -> str:
        return "action_core_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return [*_answer_fallback(dispatcher, tracker), UserUtteranceReverted()]


class ActionStop(Action):
    """The shopper wants out of the current form: leave it and forget its half answers."""

    def name(self) -> str:
        return "action_stop"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if not (tracker.active_loop or {}).get("name"):
            dispatcher.utter_message(response="utter_nothing_to_stop")
            return []
        dispatcher.utter_message(response="utter_stopped")
        return [
            ActiveLoop(None),
            SlotSet(REQUESTED_SLOT, None),
            SlotSet("order_number", None),
            SlotSet("email", None),
        ]
