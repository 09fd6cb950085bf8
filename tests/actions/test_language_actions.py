"""Asking for another language: the answer in the new language, or the languages as buttons.

(The slot itself is set in the Rasa process: tests/unit/language, tests/unit/nlu.)"""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.language import ActionSwitchLanguage, conversation_language


def tracker(
    text: str,
    *,
    intent: str = "greet",
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "language-test",
            "slots": {"language": None, "language_source": None, **(slots or {})},
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 1.0},
                "entities": entities or [],
                "metadata": {},
            },
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


def run(action: Any, t: Tracker) -> tuple[list[dict[str, Any]], list[Any]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return dispatcher.messages, events


def _response(name: str) -> dict[str, Any]:
    dispatcher = CollectingDispatcher()
    dispatcher.utter_message(response=name)
    return dispatcher.messages[0]


def test_asking_for_a_language_confirms_in_it():
    t = tracker(
        "English please",
        intent="switch_language",
        entities=[{"entity": "language", "value": "en"}],
        slots={"language": "en", "language_source": "shopper"},
    )
    assert run(ActionSwitchLanguage(), t) == ([_response("utter_language_switched")], [])


def test_asking_for_another_language_without_naming_one_offers_them():
    t = tracker("change language", intent="switch_language")
    assert run(ActionSwitchLanguage(), t) == ([_response("utter_language_options")], [])


def test_replies_are_english_until_a_supported_language_is_chosen():
    assert conversation_language(tracker("hi")) == "en"
    assert conversation_language(tracker("hi", slots={"language": "de"})) == "de"
    assert conversation_language(tracker("hi", slots={"language": "it"})) == "en"
