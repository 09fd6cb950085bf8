"""The conversation's language: the rule over plain values (common/language_choice.py)."""

from __future__ import annotations

from typing import Any

import pytest

from common.language_choice import (
    NO_CHOICE,
    LanguageChoice,
    after_message,
    choose_language,
    current_choice,
    supported,
)


def choose(current: LanguageChoice = NO_CHOICE, **message: Any) -> LanguageChoice:
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
    assert choose(detected="de", confidence=0.4) == NO_CHOICE


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


def message(
    text: str,
    *,
    intent: str = "greet",
    entities: list[dict[str, Any]] | None = None,
    language: object = None,
    metadata: object = None,
) -> dict[str, Any]:
    return {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": entities or [],
        "language": language,
        "metadata": metadata or {},
    }


def test_a_parsed_message_counts_its_words_detection_and_page():
    german = message("Wo ist meine Bestellung?", language={"code": "de", "confidence": 0.98})
    assert after_message(NO_CHOICE, german) == LanguageChoice("de", "detected")
    page = message("where is my order", metadata={"locale": "es-ES"},
                   language={"code": "en", "confidence": 0.99})
    assert after_message(NO_CHOICE, page) == LanguageChoice("es", "page")
    # three words, sure: a detected language changes; "ok" would not
    french = message("où est ma commande", language={"code": "fr", "confidence": 0.99})
    assert after_message(LanguageChoice("de", "detected"), french) == LanguageChoice(
        "fr", "detected"
    )


def test_asking_for_a_language_names_it_in_an_entity():
    asked = message("English please", intent="switch_language",
                    entities=[{"entity": "language", "value": "en"}], metadata={"locale": "de"})
    assert after_message(LanguageChoice("de", "page"), asked) == LanguageChoice("en", "shopper")
    unnamed = message("change language", intent="switch_language")
    assert after_message(LanguageChoice("de", "page"), unnamed) == LanguageChoice("de", "page")


@pytest.mark.parametrize(
    "hostile",
    [
        message("hi", metadata={"locale": ["de"]}, language={"code": "xx", "confidence": "high"}),
        message("hi", metadata="de", language=["de"]),
        {"text": None, "intent": "switch_language", "entities": "language", "metadata": None},
        {},
    ],
)
def test_malformed_parse_data_and_metadata_change_nothing(hostile):
    assert after_message(NO_CHOICE, hostile) == NO_CHOICE
    assert after_message(LanguageChoice("fr", "page"), hostile) == LanguageChoice("fr", "page")


def test_slot_values_outside_the_rule_read_as_no_choice():
    assert current_choice("de", "page") == LanguageChoice("de", "page")
    assert current_choice("it", "somewhere") == NO_CHOICE
