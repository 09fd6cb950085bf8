"""Rasa intent classifier component around `HybridIntentModel`."""

from __future__ import annotations

import logging
import time
from typing import Any

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intent_model import HybridConfig, HybridIntentModel

logger = logging.getLogger(__name__)

MODEL_FILE = "hybrid_intent_model.joblib"
# the fine-tuned MiniLM weights (float16: half the size, and the classifier is trained on
# embeddings from exactly these rounded weights, so serving sees what training saw)
ENCODER_FILE = "minilm_finetuned.safetensors"


def _encoder(weights: dict[str, np.ndarray] | None, precision: str):
    """The MiniLM encoder over these weights (None: the bundled ones) at this precision;
    None for the bundled float32 encoder, which HybridIntentModel shares process-wide."""
    if weights is None and precision == "float32":
        return None
    from bot.nlu.minilm import make_encoder

    return make_encoder(weights, precision)


def _lemma_text(message: Message) -> str:
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    if not tokens:
        return message.get(TEXT) or ""
    return " ".join(t.lemma or t.text for t in tokens)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class HybridIntentClassifier(GraphComponent, IntentClassifier):
    """MiniLM ⊕ char n-gram ⊕ lemma n-gram features, logistic regression."""

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
            "ranking_length": 10,
            # contrastive fine-tuning of MiniLM before the classifier (0 steps: off)
            "finetune_steps": 0,
            "finetune_learning_rate": 6e-5,
            "finetune_pairs_per_step": 16,
            "finetune_seed": 13,
            # MiniLM's dense layers in "float32" (numpy) or "int8" (torch, ~3x faster)
            "encoder_precision": "float32",
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: HybridIntentModel | None = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> HybridIntentClassifier:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT)]
        if len({e.get(INTENT) for e in examples}) < 2:
            return self._resource  # nothing to learn; process() then leaves intents alone
        texts = [e.get(TEXT) for e in examples]
        labels = [e.get(INTENT) for e in examples]
        config = HybridConfig.from_dict(self._config)
        tuned = self._finetuned_weights(texts, labels) if config.use_embeddings else None
        precision = str(self._config.get("encoder_precision", "float32"))
        model = HybridIntentModel(config, encoder=_encoder(tuned, precision))
        model.fit(texts, labels, lemmas=[_lemma_text(e) for e in examples])
        self._model = model
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(model, directory / MODEL_FILE)
            if tuned is not None:
                from safetensors.numpy import save_file

                save_file(tuned, str(directory / ENCODER_FILE))
        return self._resource

    def _finetuned_weights(
        self, texts: list[str], labels: list[str]
    ) -> dict[str, np.ndarray] | None:
        """MiniLM fine-tuned on the examples (float16 floats), or None when switched off."""
        from bot.nlu.finetune import FinetuneConfig, tune_minilm

        config = FinetuneConfig.from_component(self._config)
        if config is None:
            return None
        started = time.monotonic()
        tuned = tune_minilm(texts, labels, config)
        logger.info(
            "MiniLM fine-tuned: %d steps on %d examples in %.1f s",
            config.steps,
            len(texts),
            time.monotonic() - started,
        )
        return tuned

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> HybridIntentClassifier:
        model = None
        try:
            with model_storage.read_from(resource) as directory:
                path = directory / MODEL_FILE
                if path.exists():
                    model = joblib.load(path)
                    tuned_file = directory / ENCODER_FILE
                    tuned = None
                    if tuned_file.exists():
                        from safetensors.numpy import load_file

                        tuned = load_file(str(tuned_file))
                    model.encoder = _encoder(
                        tuned, str(config.get("encoder_precision", "float32"))
                    )
        except ValueError:
            pass  # no resource persisted (trained without intents)
        return cls(config, model_storage, resource, model)

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
