"""Language detection trained on the assistant's own data (real data/nlu)."""

import csv
from pathlib import Path

import pytest

from bot.nlu.language_detection import LanguageDetector, detection_text, examples_by_language

REPO = Path(__file__).resolve().parents[3]
HELDOUT = REPO / "tools" / "evaluation" / "data" / "heldout"


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    texts, languages = examples_by_language(REPO / "data" / "nlu")
    assert set(languages) == {"en", "de", "fr", "es"}
    return LanguageDetector.fit(texts, languages)


@pytest.mark.parametrize(
    "text,code",
    [
        ("danke", "de"),
        ("merci", "fr"),
        ("gracias", "es"),
        ("Wo ist meine Bestellung?", "de"),
        ("où est ma commande", "fr"),
        ("donde esta mi pedido", "es"),
        ("where is my order", "en"),
        ("mon mail c'est jo@example.com", "fr"),
    ],
)
def test_short_shop_messages(detector, text, code):
    assert detector.detect(text)["code"] == code


@pytest.mark.parametrize(
    "text", ["10023", "#10023", "jo@example.com", "👍", "?", "10023 jo@example.com"]
)
def test_identifiers_and_symbols_have_no_language(detector, text):
    assert detector.detect(text) == {"code": None, "confidence": 0.0}


@pytest.mark.parametrize("text", ["no", "hi", "hello", "ok", "yo"])
def test_words_english_says_too_show_no_language(detector, text):
    assert detector.detect(text) == {"code": None, "confidence": 0.0}


def test_identifiers_are_removed_before_detection():
    assert detection_text("Bestellung 10023, jo@example.com") == "bestellung ,"


def test_held_out_messages_nobody_trained_on(detector):
    rows = []
    for code in ("en", "de", "fr", "es"):
        with open(HELDOUT / f"{code}.csv", newline="", encoding="utf-8") as f:
            rows += [(r["text"], code) for r in csv.DictReader(f)]
    right = sum(detector.detect(text)["code"] == code for text, code in rows)
    assert right / len(rows) >= 0.95


def test_scores_equal_sklearns_probabilities(detector):
    for text in ("Wann kommt mein Paket?", "je veux un remboursement", "where is it"):
        features = detector.vectorizer.transform([detection_text(text)])
        expected = detector.classifier.predict_proba(features)[0]
        got = detector.detect(text)
        assert got["confidence"] == pytest.approx(expected.max(), abs=1e-4)
        assert got["code"] == detector.classifier.classes_[expected.argmax()]
