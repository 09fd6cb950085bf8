"""The conversation's language: the rule (plain values) and the actions on real trackers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language import (
    ActionSetLanguage,
    ActionSwitchLanguage,
    LanguageChoice,
    choose_language,
    supported,
)

NONE = LanguageChoice(None, None)


def choose(current: LanguageChoice = NONE, **message: Any) -> LanguageChoice:
    values = {"requested": None, "page": None, "detected": None, "confidence": 0.0, "words": 1}
    return choose_language(current=current, **{**values, **message})


@pytest.mark.parametrize(
    "code,expected",
    [("de", "de"), ("de-AT", "de"), ("FR_ca", "fr"), ("es-419", "es"), ("it", None), (None, None)],
)
def test_supported_codes(code, expected):
    assert supported(code) == expected


def test_first_detected_language_is_taken():
    assert choose(detected="de", confidence=0.7) == LanguageChoice("de", "detected")


def test_an_unsure_first_detection_leaves_the_language_open():
    assert choose(detected="de", confidence=0.4) == NONE


def test_a_short_or_unsure_message_does_not_flip_a_detected_language():
    german = LanguageChoice("de", "detected")
    assert choose(german, detected="en", confidence=0.99, words=1) == german  # "ok"
    assert choose(german, detected="en", confidence=0.8, words=5) == german
    assert choose(german, detected=None) == german  # "10023"


def test_a_sure_sentence_in_another_language_switches_a_detected_one():
    german = LanguageChoice("de", "detected")
    assert choose(german, detected="fr", confidence=0.98, words=5) == LanguageChoice(
        "fr", "detected"
    )


def test_the_page_language_beats_detection_and_is_kept():
    assert choose(page="fr", detected="en", confidence=1.0, words=9) == LanguageChoice(
        "fr", "page"
    )
    page = LanguageChoice("fr", "page")
    assert choose(page, detected="en", confidence=1.0, words=9) == page


def test_the_shoppers_request_beats_the_page_and_is_kept():
    asked = choose(LanguageChoice("de", "page"), requested="en", page="de")
    assert asked == LanguageChoice("en", "shopper")
    assert choose(asked, page="de", detected="de", confidence=1.0, words=9) == asked


def tracker(
    text: str,
    *,
    intent: str = "greet",
    entities: list[dict[str, Any]] | None = None,
    language: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    slots: dict[str, Any] | None = None,
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": entities or [],
        "metadata": metadata or {},
    }
    if language is not None:
        latest["language"] = language
    return Tracker.from_dict(
        {
            "sender_id": "language-test",
            "slots": {"language": None, "language_source": None, **(slots or {})},
            "latest_message": latest,
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


def run(action, t: Tracker) -> tuple[list[dict[str, Any]], list[Any]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return dispatcher.messages, events


def test_set_language_from_the_detector_in_the_parse_result():
    t = tracker("Wo ist meine Bestellung?", language={"code": "de", "confidence": 0.98})
    assert run(ActionSetLanguage(), t) == (
        [],
        [SlotSet("language", "de"), SlotSet("language_source", "detected")],
    )


def test_set_language_from_the_widgets_page_locale():
    t = tracker(
        "where is my order",
        metadata={"locale": "es-ES"},
        language={"code": "en", "confidence": 0.99},
    )
    assert run(ActionSetLanguage(), t)[1] == [
        SlotSet("language", "es"),
        SlotSet("language_source", "page"),
    ]


def test_set_language_says_nothing_when_nothing_changes():
    t = tracker(
        "10023",
        intent="inform",
        language={"code": None, "confidence": 0.0},
        slots={"language": "fr", "language_source": "detected"},
    )
    assert run(ActionSetLanguage(), t) == ([], [])


def test_hostile_metadata_and_parse_data_change_nothing():
    t = tracker(
        "hi",
        metadata={"locale": ["de"]},
        language={"code": "xx", "confidence": "high"},
    )
    assert run(ActionSetLanguage(), t) == ([], [])


def test_asking_for_a_language_sets_it_and_confirms_in_it():
    t = tracker(
        "English please",
        intent="switch_language",
        entities=[{"entity": "language", "value": "en"}],
        metadata={"locale": "de"},
        slots={"language": "de", "language_source": "page"},
    )
    assert run(ActionSetLanguage(), t)[1] == [
        SlotSet("language", "en"),
        SlotSet("language_source", "shopper"),
    ]
    assert run(ActionSwitchLanguage(), t) == ([_response("utter_language_switched")], [])


def test_asking_for_another_language_without_naming_one_offers_them():
    t = tracker("change language", intent="switch_language")
    assert run(ActionSwitchLanguage(), t) == ([_response("utter_language_options")], [])


def _response(name: str) -> dict[str, Any]:
    dispatcher = CollectingDispatcher()
    dispatcher.utter_message(response=name)
    return dispatcher.messages[0]
