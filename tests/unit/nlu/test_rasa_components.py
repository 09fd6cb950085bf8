"""The custom components through Rasa itself: train an NLU model on a small data set
and parse with Agent, checking intents, entities and the fallback threshold."""

import asyncio
import os
import textwrap
from pathlib import Path

import pytest

os.environ["RASA_TELEMETRY_ENABLED"] = "false"
REPO = Path(__file__).resolve().parents[3]

NLU = """
version: "3.1"
nlu:
- intent: order_status
  examples: |
    - where is my order
    - where is order [10023](order_number)
    - has my parcel shipped
    - track my package
    - when will my delivery arrive
    - any update on my order
- intent: start_return
  examples: |
    - i want to return the [sweater](product)
    - how do i send something back
    - start a return
    - return my order please
    - i need a returns label
    - can i return these shoes
- intent: greet
  examples: |
    - hello
    - hi
    - hey there
    - good morning
    - hiya
    - hi bot
"""


def config(threshold: float) -> str:
    return textwrap.dedent(f"""
        recipe: default.v1
        language: en
        assistant_id: unit-test
        pipeline:
          - name: bot.nlu.spacy_offline.OfflineSpacyNLP
          - name: SpacyTokenizer
          - name: bot.nlu.entity_rules.ShopEntityExtractor
            catalogue: {REPO / "data/catalogue/products.yml"}
            return_reasons: {REPO / "data/catalogue/return_reasons.yml"}
          - name: bot.nlu.hybrid_classifier.HybridIntentClassifier
          - name: FallbackClassifier
            threshold: {threshold}
        policies: []
        """)


def train_and_load(tmp_path: Path, threshold: float):
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    (tmp_path / "nlu.yml").write_text(NLU)
    (tmp_path / "config.yml").write_text(config(threshold))
    model = train_nlu(
        config=str(tmp_path / "config.yml"),
        nlu_data=str(tmp_path / "nlu.yml"),
        output=str(tmp_path / "models"),
    )
    return Agent.load(model)


@pytest.fixture(scope="module")
def agent(tmp_path_factory):
    return train_and_load(tmp_path_factory.mktemp("nlu"), threshold=0.3)


def parse(agent, text):
    return asyncio.run(agent.parse_message(text))


def test_intent_and_entities(agent):
    result = parse(agent, "where is order #10023? it's jo@example.com")
    assert result["intent"]["name"] == "order_status"
    assert {(e["entity"], e["value"]) for e in result["entities"]} == {
        ("order_number", "10023"),
        ("email", "jo@example.com"),
    }
    assert all(e["extractor"] == "ShopEntityExtractor" for e in result["entities"])


def test_catalogue_product_found_through_rasa(agent):
    result = parse(agent, "I want to return the Merino Crew Sweaters, too small")
    assert result["intent"]["name"] == "start_return"
    assert ("product", "Merino Crew Sweater") in {
        (e["entity"], e["value"]) for e in result["entities"]
    }
    assert ("return_reason", "too_small") in {(e["entity"], e["value"]) for e in result["entities"]}


def test_intent_ranking_is_sorted(agent):
    ranking = parse(agent, "hello there")["intent_ranking"]
    confidences = [r["confidence"] for r in ranking]
    assert confidences == sorted(confidences, reverse=True)


def test_threshold_turns_unsure_messages_into_fallback(tmp_path):
    strict = train_and_load(tmp_path, threshold=0.99)
    assert parse(strict, "what is the capital of peru")["intent"]["name"] == "nlu_fallback"


def test_loaded_intent_classifier_has_its_caches_before_the_first_message(tmp_path):
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.nlu.hybrid_classifier import HybridIntentClassifier

    storage = LocalModelStorage(tmp_path)
    resource = Resource("intent_classifier")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**HybridIntentClassifier.get_default_config(), "knn_weight": 0.5}
    examples = [("where is my order", "order_status"), ("track my package", "order_status"),
                ("start a return", "start_return"), ("send it back", "start_return"),
                ("hello", "greet"), ("good morning", "greet")]
    data = TrainingData([Message(data={"text": t, "intent": i}) for t, i in examples])
    HybridIntentClassifier.create(config, storage, resource, context).train(data)

    model = HybridIntentClassifier.load(config, storage, resource, context)._model
    assert {"_linear", "_neighbour_index"} <= set(model.__dict__)
