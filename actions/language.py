"""The conversation's language, as the actions read and change it.

The Rasa process fills the `language` and `language_source` slots on every message
(bot/language_policy.py, applying common/language_choice.py: the shopper's request, else
the page's language from the widget, else detection; chosen once and kept), so no action
runs for it. Responses pick their variation with the slot (Rasa conditional response
variations); English is the one without a condition, so an unset slot answers in English.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from common.language_choice import requested_language, supported
from common.languages import DEFAULT_LANGUAGE


def conversation_language(tracker: Tracker) -> str:
    """The language replies are written in (English until one is chosen)."""
    return supported(tracker.get_slot("language")) or DEFAULT_LANGUAGE


class ActionSwitchLanguage(Action):
    """Answers "English please" in the new language, or offers the languages as buttons
    when the shopper asked for another language without naming one."""

    def name(self) -> str:
        return "action_switch_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if requested_language(tracker.latest_message or {}):
            dispatcher.utter_message(response="utter_language_switched")
        else:
            dispatcher.utter_message(response="utter_language_options")
        return []
