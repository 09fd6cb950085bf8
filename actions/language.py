"""The conversation's language (en, de, fr, es): chosen once and kept.

Where it comes from, strongest first:
1. the shopper asks ("English please", a language button: intent `switch_language` with a
   `language` entity); kept from then on, whatever the page says;
2. the page: the widget sends the page's language (`<html lang>` or its `locale` setting)
   as message metadata `locale`;
3. the message itself: the NLU's language detector (bot/nlu/language_detection.py). The
   first message that shows a language sets it; later messages change it only on strong
   evidence (a sure detection of a sentence of several words), so "ok", "danke" or an order
   number never flip a conversation.

`choose_language` is the rule over plain values; `ActionSetLanguage` runs it on every
message (the `language` slot's custom mapping names it). Responses pick their variation
with the slot (Rasa conditional response variations); English is the one without a
condition, so an unset slot answers in English.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from common.languages import DEFAULT_LANGUAGE, LANGUAGES

METADATA_KEY = "locale"
SWITCH_INTENT = "switch_language"
# the first detection: a language, any letters; a later one must be sure and a sentence
FIRST_DETECTION_CONFIDENCE = 0.6
SWITCH_DETECTION_CONFIDENCE = 0.95
SWITCH_DETECTION_MIN_WORDS = 3
SOURCES = ("shopper", "page", "detected")
_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class LanguageChoice:
    language: str | None
    source: str | None


def supported(code: object) -> str | None:
    """"de", "de-AT", "DE_de" -> "de"; anything else (or an unsupported language) -> None."""
    if not isinstance(code, str):
        return None
    primary = code.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else None


def choose_language(
    *,
    current: LanguageChoice,
    requested: str | None,
    page: str | None,
    detected: str | None,
    confidence: float,
    words: int,
) -> LanguageChoice:
    """The conversation's language after one more message (see the module doc)."""
    if requested:
        return LanguageChoice(requested, "shopper")
    if current.source == "shopper" and current.language:
        return current
    if page:
        return LanguageChoice(page, "page")
    if current.source == "page" and current.language:
        return current
    if detected and not current.language:
        if confidence >= FIRST_DETECTION_CONFIDENCE:
            return LanguageChoice(detected, "detected")
        return current
    sure = confidence >= SWITCH_DETECTION_CONFIDENCE and words >= SWITCH_DETECTION_MIN_WORDS
    if detected and detected != current.language and sure:
        return LanguageChoice(detected, "detected")
    return current


def requested_language(message: Mapping[str, Any]) -> str | None:
    """The language the shopper asked for in this message, if they asked for one."""
    if (message.get("intent") or {}).get("name") != SWITCH_INTENT:
        return None
    for entity in message.get("entities") or []:
        if entity.get("entity") == "language":
            code = supported(entity.get("value"))
            if code:
                return code
    return None


def conversation_language(tracker: Tracker) -> str:
    """The language replies are written in (English until one is chosen)."""
    return supported(tracker.get_slot("language")) or DEFAULT_LANGUAGE


class ActionSetLanguage(Action):
    """Keeps the `language` and `language_source` slots up to date, message by message."""

    def name(self) -> str:
        return "action_set_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        message = tracker.latest_message or {}
        source = tracker.get_slot("language_source")
        current = LanguageChoice(
            supported(tracker.get_slot("language")), source if source in SOURCES else None
        )
        detection = message.get("language") if isinstance(message.get("language"), dict) else {}
        confidence = detection.get("confidence")
        chosen = choose_language(
            current=current,
            requested=requested_language(message),
            page=supported((message.get("metadata") or {}).get(METADATA_KEY)),
            detected=supported(detection.get("code")),
            confidence=float(confidence) if isinstance(confidence, int | float) else 0.0,
            words=len(_WORD.findall(message.get("text") or "")),
        )
        if chosen == current:
            return []
        return [SlotSet("language", chosen.language), SlotSet("language_source", chosen.source)]


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
