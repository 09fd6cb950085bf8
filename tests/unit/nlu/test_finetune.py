"""Contrastive fine-tuning of MiniLM (bot/nlu/finetune.py) and how the intent classifier
persists and serves the tuned encoder."""

import os

import numpy as np
import pytest

os.environ["RASA_TELEMETRY_ENABLED"] = "false"

EXAMPLES = {
    "order_status": [
        "where is my order",
        "has my parcel shipped yet",
        "track my package",
        "when will my delivery arrive",
        "any news on my order",
        "my order has not come",
    ],
    "start_return": [
        "i want to send the sweater back",
        "how do i return something",
        "start a return for me",
        "these shoes do not fit, can i return them",
        "i need a returns label",
        "give my money back for the jacket",
    ],
    "greet": ["hello", "hi there", "good morning", "hey", "hiya", "hi bot"],
}
TEXTS = [t for texts in EXAMPLES.values() for t in texts]
LABELS = [label for label, texts in EXAMPLES.items() for _ in texts]


def _separation(emb: np.ndarray) -> float:
    """Mean cosine within intents minus mean cosine across intents."""
    labels = np.array(LABELS)
    sims = emb @ emb.T
    same = labels[:, None] == labels[None, :]
    off_diagonal = ~np.eye(len(labels), dtype=bool)
    return float(sims[same & off_diagonal].mean() - sims[~same].mean())


def test_finetuning_pulls_each_intent_together_and_intents_apart():
    from bot.nlu.finetune import FinetuneConfig, tune_minilm
    from bot.nlu.minilm import encoder_with, get_encoder

    before = get_encoder().encode(TEXTS)
    tuned = tune_minilm(TEXTS, LABELS, FinetuneConfig(steps=30, learning_rate=1e-4))
    after = encoder_with(tuned).encode(TEXTS)
    assert all(v.dtype == np.float16 for k, v in tuned.items() if v.dtype.kind == "f")
    assert _separation(after) > _separation(before) + 0.05


def test_same_seed_same_weights_and_switched_off_by_zero_steps():
    from bot.nlu.finetune import FinetuneConfig, tune_minilm

    a = tune_minilm(TEXTS, LABELS, FinetuneConfig(steps=3))
    b = tune_minilm(TEXTS, LABELS, FinetuneConfig(steps=3))
    name = "encoder.layer.0.attention.self.query.weight"
    np.testing.assert_array_equal(a[name], b[name])
    assert FinetuneConfig.from_component({"finetune_steps": 0}) is None
    assert FinetuneConfig.from_component({"finetune_steps": 7}).steps == 7


@pytest.fixture(scope="module", params=["float32", "int8"])
def trained(request, tmp_path_factory):
    """The Rasa component trained with fine-tuning on, and loaded back from its storage."""
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.nlu.hybrid_classifier import ENCODER_FILE, HybridIntentClassifier

    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    resource = Resource("hybrid")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {
        **HybridIntentClassifier.get_default_config(),
        "finetune_steps": 20,
        "encoder_precision": request.param,
    }
    component = HybridIntentClassifier.create(config, storage, resource, context)
    data = TrainingData(
        [Message(data={"text": t, "intent": y}) for t, y in zip(TEXTS, LABELS, strict=True)]
    )
    component.train(data)
    with storage.read_from(resource) as directory:
        assert (directory / ENCODER_FILE).exists()
    loaded = HybridIntentClassifier.load(config, storage, resource, context)
    return component, loaded


def test_served_encoder_is_the_one_the_classifier_was_trained_on(trained):
    from bot.nlu.minilm import get_encoder
    from bot.nlu.text_normalise import normalise_for_intent

    _, loaded = trained
    model = loaded._model
    assert model.encoder is not None and model.encoder is not get_encoder()
    served = model.encoder.encode([normalise_for_intent(t).lower() for t in TEXTS])
    assert type(model.encoder).__name__ == {
        "float32": "MiniLMEncoder",
        "int8": "Int8MiniLMEncoder",
    }[loaded._config["encoder_precision"]]
    # the classifier's stored training embeddings come from exactly these weights
    np.testing.assert_allclose(served, model.train_embeddings, atol=1e-6)
    bundled = get_encoder().encode([normalise_for_intent(t).lower() for t in TEXTS])
    assert np.abs(served - bundled).max() > 1e-3


def test_loaded_component_parses_like_the_trained_one(trained):
    from rasa.shared.nlu.training_data.message import Message

    component, loaded = trained
    texts = ["where has my parcel got to", "i'd like to send this back", "hey hello"]
    a = component.process([Message(data={"text": t}) for t in texts])
    b = loaded.process([Message(data={"text": t}) for t in texts])
    assert [m.get("intent")["name"] for m in a] == [
        "order_status",
        "start_return",
        "greet",
    ]
    for x, y in zip(a, b, strict=True):
        assert x.get("intent")["name"] == y.get("intent")["name"]
        assert x.get("intent")["confidence"] == pytest.approx(y.get("intent")["confidence"])


def test_int8_encoder_embeds_each_message_alone_and_close_to_float32():
    from bot.nlu.minilm import get_encoder, make_encoder

    int8 = make_encoder(None, "int8")
    together = int8.encode(TEXTS)
    alone = np.vstack([int8.encode([t]) for t in TEXTS])
    # a message's embedding does not depend on what it is encoded with
    np.testing.assert_array_equal(together, alone)
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    cosine = (together * get_encoder().encode(TEXTS)).sum(axis=1)
    assert cosine.min() > 0.9
    with pytest.raises(ValueError, match="precision"):
        make_encoder(None, "int4")
