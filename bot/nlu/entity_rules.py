"""Rasa component: catalogue-aware rule entity extractor.

At training time it reads the store catalogue (`catalogue`) and the return-reason
vocabulary (`return_reasons`) and stores the phrases in the model, so a trained model
does not depend on the files at run time. The files' content is part of the
component's fingerprint: editing the catalogue retrains the component.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.catalogue import load_products, load_return_reasons, product_phrases
from bot.nlu.entity_patterns import PhraseEntityMatcher, extract_entities
from bot.nlu.spacy_offline import english_pipeline
from common.order_numbers import format_from_env

PHRASES_FILE = "phrases.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class ShopEntityExtractor(GraphComponent, EntityExtractorMixin):
    """order_number, email, postcode (patterns); product, return_reason (catalogue)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "catalogue": "data/catalogue/products.yml",
            "return_reasons": "data/catalogue/return_reasons.yml",
        }

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        digest = hashlib.sha256()
        for key in ("catalogue", "return_reasons"):
            path = Path(config.get(key) or cls.get_default_config()[key])
            digest.update(path.read_bytes() if path.exists() else b"missing")
        return digest.hexdigest()

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        phrases: dict[str, dict[str, list[str]]] | None = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._phrases = phrases
        self._matcher: PhraseEntityMatcher | None = None
        # The store backend's order numbers (SHOPDESK_STORE_BACKEND), read when loaded.
        self._order_numbers = format_from_env(os.environ).pattern
        if phrases:
            self._matcher = PhraseEntityMatcher(
                english_pipeline(),
                products=phrases["product"],
                return_reasons=phrases["return_reason"],
            )

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ShopEntityExtractor:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        phrases = {
            "product": product_phrases(load_products(Path(self._config["catalogue"]))),
            "return_reason": load_return_reasons(Path(self._config["return_reasons"])),
        }
        with self._model_storage.write_to(self._resource) as directory:
            (directory / PHRASES_FILE).write_text(json.dumps(phrases), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> ShopEntityExtractor:
        with model_storage.read_from(resource) as directory:
            phrases = json.loads((directory / PHRASES_FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, phrases)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            found = [
                e.as_rasa()
                for e in extract_entities(text, self._matcher, order_numbers=self._order_numbers)
            ]
            found = self.add_extractor_name(found)
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages
