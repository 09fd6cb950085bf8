"""The hybrid intent model and its similarity-aware confidence (real MiniLM weights)."""

import numpy as np
import pytest

from bot.nlu.intent_model import HybridConfig, HybridIntentModel
from bot.nlu.minilm import get_encoder
from bot.nlu.text_normalise import normalise_for_intent

TRAIN = [
    ("where is my parcel", "order_status"),
    ("has my order shipped", "order_status"),
    ("track my package", "order_status"),
    ("when will my order arrive", "order_status"),
    ("i want to return this", "start_return"),
    ("send an item back", "start_return"),
    ("start a return", "start_return"),
    ("how do i return my shoes", "start_return"),
    ("hello", "greet"),
    ("hi there", "greet"),
    ("good morning", "greet"),
    ("hey", "greet"),
]


@pytest.fixture(scope="module")
def model() -> HybridIntentModel:
    texts, labels = zip(*TRAIN, strict=True)
    return HybridIntentModel(HybridConfig()).fit(list(texts), list(labels))


def test_encoder_gives_unit_vectors_and_meaningful_similarity():
    v = get_encoder().encode(["where is my order", "track my parcel", "tell me a joke"])
    assert v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


def test_classifies_unseen_phrasings(model):
    scores = model.predict(["wheres my delivery", "i'd like to send these back", "hiya"])
    assert [model.classes[i] for i in scores.argmax(1)] == ["order_status", "start_return", "greet"]


def test_unrelated_message_gets_lower_confidence_than_a_close_one(model):
    scores = model.predict(["has my parcel shipped yet", "what is the capital of peru"])
    assert scores[0].max() > scores[1].max() + 0.15


def test_confidence_is_geometric_mean_of_probability_and_similarity(model):
    texts = ["where is my parcel", "capital of peru", "return"]
    proba, scores = model.predict_proba(texts), model.predict(texts)
    top = proba.max(axis=1)
    assert np.all(scores.max(axis=1) <= np.sqrt(top) + 1e-6)  # similarity is at most 1
    assert np.all(scores.argmax(axis=1) == proba.argmax(axis=1))  # ranking unchanged


def test_identifiers_are_normalised():
    assert normalise_for_intent("order 10023 for jo@example.com") == "order number for email"


@pytest.fixture(scope="module")
def knn_model() -> HybridIntentModel:
    texts, labels = zip(*TRAIN, strict=True)
    return HybridIntentModel(HybridConfig(knn_weight=0.5)).fit(list(texts), list(labels))


def test_knn_blend_classifies_and_keeps_scores_a_sub_distribution(knn_model):
    texts = ["wheres my delivery", "i'd like to send these back", "hiya", "capital of peru"]
    scores = knn_model.predict(texts)
    assert [knn_model.classes[i] for i in scores[:3].argmax(1)] == [
        "order_status",
        "start_return",
        "greet",
    ]
    assert np.all(scores >= 0) and np.all(scores.sum(axis=1) <= 1 + 1e-6)
    assert scores[0].max() > scores[3].max()


def test_knn_vote_is_a_softmax_over_intents(knn_model):
    emb = get_encoder().encode(["where is my parcel", "good morning"])
    classes = np.array(knn_model.classes)
    vote = knn_model._knn_proba(emb @ knn_model.train_embeddings.T, classes)
    assert np.allclose(vote.sum(axis=1), 1.0)
    assert list(classes[vote.argmax(1)]) == ["order_status", "greet"]


def test_knn_weight_zero_is_the_plain_model(model):
    texts, labels = zip(*TRAIN, strict=True)
    off = HybridIntentModel(HybridConfig(knn_weight=0.0)).fit(list(texts), list(labels))
    probe = ["has my parcel shipped yet", "what is the capital of peru"]
    assert np.allclose(off.predict(probe), model.predict(probe))
