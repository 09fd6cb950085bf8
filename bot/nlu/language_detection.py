"""Which of English, German, French and Spanish a message is written in.

A character n-gram logistic regression trained on the assistant's own training data
(data/nlu: the top folder is English, data/nlu/de, fr and es the others), so it knows the
words shoppers use with a shop ("danke", "merci", "vale", "Retoure") and ships inside the
trained model: no package, no download. Measured beside lingua and py3langid (restricted to
the four languages) in tools/evaluation/README.md ("Language detection").

The Rasa component adds `language` to the parse result: {"code": "de", "confidence": 0.97},
or no code when the message has no letters left once order numbers and emails are removed
("10023", "jo@example.com", "👍"), and none either when every word of it is also a word of
the English training data but the model leans to another language ("no", "hi", "ok"):
such a message shows no language. What to do with it is decided next, in the same process
(common/language_choice.py, applied by bot/language_policy.py): the conversation's
language is chosen once and kept.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.nlu.intent_model import _TfidfBlock
from bot.nlu.stored_model import StoredModelComponent
from bot.nlu.text_normalise import normalise_for_intent
from common.languages import DEFAULT_LANGUAGE, LANGUAGES

PARSE_KEY = "language"
MODEL_FILE = "language_detector.joblib"
_PLACEHOLDERS = re.compile(r"\b(?:email|number)\b")
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W\d_]+")
NO_LANGUAGE: dict[str, Any] = {"code": None, "confidence": 0.0}


def detection_text(text: str) -> str:
    """The text with order numbers and emails removed (they say nothing of a language)."""
    return " ".join(_PLACEHOLDERS.sub(" ", normalise_for_intent(text).lower()).split())


def examples_by_language(data_dir: Path) -> tuple[list[str], list[str]]:
    """(texts, languages) of the NLU training files: a file in data/nlu/<code>/ is in that
    language, any other file in data/nlu is English."""
    texts: list[str] = []
    languages: list[str] = []
    for path in sorted(data_dir.rglob("*.yml")):
        folder = path.parent.name
        language = folder if folder in LANGUAGES and path.parent != data_dir else DEFAULT_LANGUAGE
        for example in load_data(str(path)).intent_examples:
            text = detection_text(example.get(TEXT) or "")
            if _LETTER.search(text):
                texts.append(text)
                languages.append(language)
    return texts, languages


@dataclass
class LanguageDetector:
    vectorizer: TfidfVectorizer
    classifier: LogisticRegression
    english_words: frozenset[str]

    @classmethod
    def fit(cls, texts: Sequence[str], languages: Sequence[str]) -> LanguageDetector:
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True)
        x = vectorizer.fit_transform(list(texts))
        classifier = LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced")
        classifier.fit(x, list(languages))
        english = frozenset(
            word
            for text, language in zip(texts, languages, strict=True)
            if language == DEFAULT_LANGUAGE
            for word in _WORD.findall(text)
        )
        return cls(vectorizer, classifier, english)

    def detect(self, text: str) -> dict[str, Any]:
        """{"code": language or None, "confidence": probability of that language}."""
        cleaned = detection_text(text)
        if not _LETTER.search(cleaned):
            return dict(NO_LANGUAGE)
        block = self._block()
        # multinomial logistic regression over three or more languages: softmax of the scores
        decision = block.score(cleaned) + self.classifier.intercept_
        decision = np.exp(decision - decision.max())
        probabilities = decision / decision.sum()
        best = int(probabilities.argmax())
        code = str(self.classifier.classes_[best])
        if code != DEFAULT_LANGUAGE and set(_WORD.findall(cleaned)) <= self.english_words:
            return dict(NO_LANGUAGE)  # nothing in it that English does not say too
        return {
            "code": code,
            "confidence": round(float(probabilities[best]), 4),
        }

    def _block(self) -> _TfidfBlock:
        """The vectorizer's features times the coefficients, scored without building a sparse
        matrix per message (sklearn's transform took ~7 ms a message, this ~0.1 ms)."""
        cached = self.__dict__.get("_scorer")
        if cached is None:
            cached = _TfidfBlock.of(self.vectorizer, np.asarray(self.classifier.coef_))
            self.__dict__["_scorer"] = cached
        return cached

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_scorer"}


def _data_fingerprint(data_dir: Path) -> str:
    digest = hashlib.sha256()
    files: Iterable[Path] = sorted(data_dir.rglob("*.yml")) if data_dir.is_dir() else []
    for path in files:
        digest.update(str(path.relative_to(data_dir)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LanguageDetectorComponent(StoredModelComponent):
    """Adds the message's language (and how sure it is) to the parse result."""

    MODEL_FILE = MODEL_FILE

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"data": "data/nlu"}

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        return _data_fingerprint(Path(config.get("data") or "data/nlu"))

    def train(self, training_data: TrainingData) -> Resource:
        texts, languages = examples_by_language(Path(self._config["data"]))
        if len(set(languages)) < 3:
            return self._resource  # nothing to tell apart; process() adds nothing
        return self._store(LanguageDetector.fit(texts, languages))

    def process(self, messages: list[Message]) -> list[Message]:
        if self._model is None:
            return messages
        for message in messages:
            text = message.get(TEXT)
            if text is not None:
                message.set(PARSE_KEY, self._model.detect(text), add_to_output=True)
        return messages
