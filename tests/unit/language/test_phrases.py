"""Every phrase the actions put into replies exists in the four languages, with the same
placeholders as the English one."""

from __future__ import annotations

import re

import pytest

from actions.locale_format import store_words
from actions.phrases import PHRASES, phrase
from common.languages import LANGUAGES
from integrations.store import models

PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.mark.parametrize("key", sorted(PHRASES))
def test_phrase_has_every_language_with_the_same_placeholders(key):
    texts = PHRASES[key]
    assert set(texts) == set(LANGUAGES), key
    english = set(PLACEHOLDER.findall(texts["en"]))
    for language in LANGUAGES:
        assert texts[language].strip(), (key, language)
        assert set(PLACEHOLDER.findall(texts[language])) == english, (key, language)


def test_a_language_without_phrases_gets_english():
    assert phrase("one_of_units", language="it", name="Tee", count=3) == "Tee (1 of 3)"
    assert phrase("one_of_units", language="de", name="Tee", count=3) == "Tee (1 von 3)"


def test_shopdesks_own_store_words_are_translated_and_the_stores_are_kept():
    for words in (models.ORIGINAL_PAYMENT, models.STORE_CREDIT, models.UNNAMED_CARRIER,
                  models.LABEL_BY_EMAIL):
        assert store_words(words, language="en") == words  # English unchanged
        assert store_words(words, language="de") != words
    assert store_words(models.ORIGINAL_PAYMENT, language="fr") == (
        "votre moyen de paiement d'origine"
    )
    assert store_words("original Visa ending 4242", language="es") == "original Visa ending 4242"
