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
    vote = knn_model._knn_proba(knn_model._neighbours().nearest(emb))
    assert np.allclose(vote.sum(axis=1), 1.0)
    assert list(classes[vote.argmax(1)]) == ["order_status", "greet"]


def test_knn_weight_zero_is_the_plain_model(model):
    texts, labels = zip(*TRAIN, strict=True)
    off = HybridIntentModel(HybridConfig(knn_weight=0.0)).fit(list(texts), list(labels))
    probe = ["has my parcel shipped yet", "what is the capital of peru"]
    assert np.allclose(off.predict(probe), model.predict(probe))


PROBES = [
    "where is my parcel",  # a training text
    "wheres my delivery, it's late!!",
    "RETURN return return these shoes",  # repeated features: 1 + log(count)
    "qzxv wkrp",  # no known word n-gram
    "",
    "i'd like to send order 10023 back, jo@example.com",
]


@pytest.mark.parametrize(
    "config",
    [HybridConfig(), HybridConfig(embedding_weight=2.0, char_weight=0.7, word_weight=1.3)],
)
def test_direct_probabilities_equal_sklearns_on_the_stacked_features(config):
    """`predict_proba` computes block by block what sklearn computes on the stacked sparse
    features (`_features` + `classifier.predict_proba`): the same numbers, alone and in a
    batch."""
    texts, labels = zip(*TRAIN, strict=True)
    model = HybridIntentModel(config).fit(list(texts), list(labels))
    assert model._linear_parts() is not None
    expected = model.classifier.predict_proba(model._features(PROBES, PROBES, fit=False))
    assert np.abs(model.predict_proba(PROBES) - expected).max() < 1e-12
    for i, probe in enumerate(PROBES):
        assert np.abs(model.predict_proba([probe])[0] - expected[i]).max() < 1e-12


def test_two_intents_take_sklearns_own_path_with_the_same_result():
    two = [(t, label) for t, label in TRAIN if label != "greet"]
    texts, labels = zip(*two, strict=True)
    model = HybridIntentModel(HybridConfig()).fit(list(texts), list(labels))
    assert model._linear_parts() is None  # binary: sklearn's one-vs-rest formula
    expected = model.classifier.predict_proba(model._features(PROBES, PROBES, fit=False))
    assert np.abs(model.predict_proba(PROBES) - expected).max() < 1e-12


def test_a_saved_model_predicts_the_same_and_leaves_its_caches_behind(model, tmp_path):
    import joblib

    before = model.predict(PROBES)
    assert model._linear_parts() is not None and "_linear" in model.__dict__
    joblib.dump(model, tmp_path / "m.joblib")
    loaded = joblib.load(tmp_path / "m.joblib")
    assert not {"_linear", "_neighbour_index", "_last_embeddings"} & set(loaded.__dict__)
    assert np.array_equal(loaded.predict(PROBES), before)
