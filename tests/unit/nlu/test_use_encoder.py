"""The multilingual encoder (real USE weights) and the intent model's joined embedding."""

import numpy as np
import pytest

from bot.nlu.intent_model import HybridConfig, HybridIntentModel, embed
from bot.nlu.use_encoder import DIMENSIONS, get_use_encoder


def test_unit_vectors_and_the_same_request_across_languages():
    texts = [
        "where is my order",
        "Wo ist meine Bestellung?",
        "Où est ma commande ?",
        "¿Dónde está mi pedido?",
        "I want to return these shoes",
    ]
    v = get_use_encoder().encode(texts)
    assert v.shape == (5, DIMENSIONS)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    for i in (1, 2, 3):  # each translation is closer to the English question than to a return
        assert v[0] @ v[i] > v[4] @ v[i] + 0.1


def test_joined_embedding_is_unit_length_and_the_mean_of_both_cosines():
    texts = ["track my parcel", "Paket verfolgen"]
    joined = embed(("minilm", "use"), texts)
    minilm, use = embed(("minilm",), texts), embed(("use",), texts)
    assert joined.shape == (2, 384 + DIMENSIONS)
    assert np.allclose(np.linalg.norm(joined, axis=1), 1.0, atol=1e-5)
    assert joined[0] @ joined[1] == pytest.approx((minilm[0] @ minilm[1] + use[0] @ use[1]) / 2)


def test_unknown_encoder_is_named():
    with pytest.raises(ValueError, match="'bert'"):
        embed(("bert",), ["hi"])


def test_model_trained_in_english_and_german_understands_french_and_spanish():
    train = [
        ("where is my parcel", "order_status"),
        ("wo ist mein Paket", "order_status"),
        ("when will my order arrive", "order_status"),
        ("wann kommt meine Bestellung", "order_status"),
        ("i want to cancel my order", "cancel_order"),
        ("ich möchte meine Bestellung stornieren", "cancel_order"),
        ("please cancel the order", "cancel_order"),
        ("Bestellung bitte stornieren", "cancel_order"),
    ]
    texts, labels = zip(*train, strict=True)
    model = HybridIntentModel(HybridConfig(encoders=("minilm", "use"), embedding_weight=2.0))
    model.fit(list(texts), list(labels))
    scores = model.predict(["où est mon colis", "quiero cancelar mi pedido"])
    assert [model.classes[i] for i in scores.argmax(axis=1)] == ["order_status", "cancel_order"]


def test_models_saved_before_the_encoders_setting_use_minilm_alone():
    model = HybridIntentModel(HybridConfig())
    del model.config.encoders  # what unpickling an older model gives
    assert model._embed(["hi there"]).shape == (1, 384)
