"""A spaCy pipeline for Rasa that needs no model download.

`spacy.blank("en")` plus the lookup lemmatizer whose tables come from the
`spacy-lookups-data` package. It is built in-process (a few hundred ms, once per
process), so there is no model directory to ship or to download.
"""

from __future__ import annotations

import threading
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from spacy.language import Language

PIPELINE_NAME = "blank_en_lookup_lemmatizer"

_lock = threading.Lock()
_pipeline: dict[str, Language] = {}


def english_pipeline() -> Language:
    """Process-wide blank English pipeline with a lookup lemmatizer."""
    with _lock:
        if "en" not in _pipeline:
            import spacy

            nlp = spacy.blank("en")
            nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
            nlp.initialize()  # loads the lookup table from spacy-lookups-data
            _pipeline["en"] = nlp
        return _pipeline["en"]


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.MODEL_LOADER,
        DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
    ],
    is_trainable=False,
    model_from="OfflineSpacyNLP",
)
class OfflineSpacyNLP(SpacyNLP):
    """`SpacyNLP` whose language model is built locally instead of `spacy.load`ed."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**SpacyNLP.get_default_config(), "model": PIPELINE_NAME}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> OfflineSpacyNLP:
        model = SpacyModel(model=english_pipeline(), model_name=PIPELINE_NAME)
        return cls(model, {**cls.get_default_config(), **config})
