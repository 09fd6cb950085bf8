"""Rasa intent classifier component around `HybridIntentModel`."""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intent_model import HybridConfig, HybridIntentModel
from bot.nlu.stored_model import StoredModelComponent

MODEL_FILE = "hybrid_intent_model.joblib"


def _lemma_text(message: Message) -> str:
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    if not tokens:
        return message.get(TEXT) or ""
    return " ".join(t.lemma or t.text for t in tokens)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class HybridIntentClassifier(StoredModelComponent, IntentClassifier):
    """MiniLM ⊕ char n-gram ⊕ lemma n-gram features, logistic regression."""

    MODEL_FILE = MODEL_FILE

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        defaults = HybridConfig()
        return {
            "C": defaults.C,
            "embedding_weight": defaults.embedding_weight,
            "char_weight": defaults.char_weight,
            "word_weight": defaults.word_weight,
            "char_ngram_range": list(defaults.char_ngram_range),
            "word_ngram_range": list(defaults.word_ngram_range),
            "use_embeddings": defaults.use_embeddings,
            "class_weight": defaults.class_weight,
            "similarity_confidence": defaults.similarity_confidence,
            "knn_weight": defaults.knn_weight,
            "knn_k": defaults.knn_k,
            "knn_temperature": defaults.knn_temperature,
            "encoders": list(defaults.encoders),
            "ranking_length": 10,
        }

    @classmethod
    def loaded(cls, model: HybridIntentModel) -> HybridIntentModel:
        return model.prepare()  # its caches now, not on the first message

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT)]
        if len({e.get(INTENT) for e in examples}) < 2:
            return self._resource  # nothing to learn; process() then leaves intents alone
        model = HybridIntentModel(HybridConfig.from_dict(self._config))
        model.fit(
            [e.get(TEXT) for e in examples],
            [e.get(INTENT) for e in examples],
            lemmas=[_lemma_text(e) for e in examples],
        )
        return self._store(model)

    def process(self, messages: list[Message]) -> list[Message]:
        if self._model is None:
            return messages
        todo = [m for m in messages if m.get(TEXT) is not None]
        if not todo:
            return messages
        probs = self._model.predict(
            [m.get(TEXT) for m in todo], lemmas=[_lemma_text(m) for m in todo]
        )
        classes = self._model.classes
        limit = int(self._config.get("ranking_length") or len(classes))
        for message, row in zip(todo, probs, strict=True):
            order = row.argsort()[::-1]
            ranking = [{"name": classes[i], "confidence": float(row[i])} for i in order[:limit]]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
