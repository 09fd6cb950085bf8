"""How the conversation's language (en, de, fr, es) is chosen: once, then kept.

Where it comes from, strongest first:
1. the shopper asks ("English please", a language button: intent `switch_language` with a
   `language` entity); kept from then on, whatever the page says;
2. the page: the widget sends the page's language (`<html lang>` or its `locale` setting)
   as message metadata `locale`;
3. the message itself: the NLU's language detector (bot/nlu/language_detection.py). The
   first message that shows a language sets it; later messages change it only on strong
   evidence (a sure detection of a sentence of several words), so "ok", "danke" or an order
   number never flip a conversation.

Plain functions over a message as Rasa parses it (text, intent, entities, the detector's
`language`, metadata); the Rasa process applies them to each message
(bot/language_policy.py), the actions read the slot they fill.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from common.languages import LANGUAGES

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


NO_CHOICE = LanguageChoice(None, None)


def supported(code: object) -> str | None:
    """"de", "de-AT", "DE_de" -> "de"; anything else (or an unsupported language) -> None."""
    if not isinstance(code, str):
        return None
    primary = code.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else None


def current_choice(language: object, source: object) -> LanguageChoice:
    """The choice the `language` and `language_source` slots hold."""
    return LanguageChoice(supported(language), source if source in SOURCES else None)


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
    intent = message.get("intent")
    if not isinstance(intent, Mapping) or intent.get("name") != SWITCH_INTENT:
        return None
    for entity in message.get("entities") or []:
        if isinstance(entity, Mapping) and entity.get("entity") == "language":
            code = supported(entity.get("value"))
            if code:
                return code
    return None


def after_message(current: LanguageChoice, message: Mapping[str, Any]) -> LanguageChoice:
    """The choice after one parsed message (anything malformed in it counts as absent)."""
    detection = message.get("language")
    detection = detection if isinstance(detection, Mapping) else {}
    confidence = detection.get("confidence")
    metadata = message.get("metadata")
    text = message.get("text")
    return choose_language(
        current=current,
        requested=requested_language(message),
        page=supported(metadata.get(METADATA_KEY)) if isinstance(metadata, Mapping) else None,
        detected=supported(detection.get("code")),
        confidence=float(confidence) if isinstance(confidence, int | float) else 0.0,
        words=len(_WORD.findall(text)) if isinstance(text, str) else 0,
    )
