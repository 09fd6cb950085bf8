"""The ONNX Runtime forward pass of MiniLM against the numpy one (the reference): same
hidden states and sentence embeddings, alone and in padded batches (real weights)."""

import numpy as np
import pytest

from bot.nlu.minilm import (
    WORD_EMBEDDINGS,
    MiniLMEncoder,
    bundled_model_dir,
    get_encoder,
    mapped_tensor,
)

TEXTS = [
    "hi",
    "10023",
    "jo@example.com",
    "where is my order?",
    "I want to return order 10003, my email is cara@example.com",
    "The parcel must arrive before Saturday, it's a birthday present, can you help me?",
    "wie viel kostet der versand nach österreich ??",
    "",
    "a " * 300,  # longer than the model's 256 tokens: truncated the same way
]


@pytest.fixture(scope="module")
def numpy_encoder() -> MiniLMEncoder:
    return MiniLMEncoder(bundled_model_dir(), backend="numpy")


@pytest.fixture(scope="module")
def onnx_encoder() -> MiniLMEncoder:
    return MiniLMEncoder(bundled_model_dir(), backend="onnx")


def test_the_served_encoder_is_the_onnx_one():
    # requirements/rasa-nlu.txt installs onnxruntime: the Rasa server must not silently
    # fall back to the slower numpy pass
    assert get_encoder().backend == "onnx"


def test_hidden_states_match_the_numpy_pass(numpy_encoder, onnx_encoder):
    for text in TEXTS[:7]:
        ids = np.array([numpy_encoder.tokenizer.encode(text).ids], dtype=np.int64)
        mask = np.ones(ids.shape, dtype=np.float32)
        reference = numpy_encoder._forward(ids, mask)
        got = onnx_encoder._forward(ids, mask)
        assert got.shape == reference.shape == (1, ids.shape[1], 384)
        assert np.abs(got - reference).max() < 1e-4, text


def test_sentence_embeddings_match_alone_and_in_padded_batches(numpy_encoder, onnx_encoder):
    reference = numpy_encoder.encode(TEXTS)
    batched = onnx_encoder.encode(TEXTS)  # one padded batch, lengths 1..256 tokens
    alone = np.stack([onnx_encoder.encode([t])[0] for t in TEXTS])
    assert np.abs(batched - reference).max() < 1e-5
    assert np.abs(alone - reference).max() < 1e-5
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)
    # not a constant: the embeddings tell the texts apart
    assert batched[3] @ batched[4] < 0.9


def test_an_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="unknown MiniLM backend"):
        MiniLMEncoder(bundled_model_dir(), backend="torch")


def test_the_session_keeps_its_own_copy_of_the_weights(numpy_encoder):
    # The ONNX encoder drops its numpy weights once the session is built: that is only
    # safe while ONNX Runtime copies external initializers instead of reading them in place.
    from bot.nlu import minilm_onnx

    graph, external = minilm_onnx.build_graph(numpy_encoder)
    sess = minilm_onnx.session(graph, external, minilm_onnx.session_options(threads=1))
    ids = np.array([[101, 2073, 2003, 2026, 2344, 102]], dtype=np.int64)
    feed = {"words": np.array(numpy_encoder.word_emb[ids]),
            "positions": np.arange(6, dtype=np.int64),
            "att_bias": np.zeros((1, 1, 1, 6), dtype=np.float32)}
    before = sess.run(["hidden"], feed)[0]
    for array in external.values():
        array[...] = 0.0
    after = sess.run(["hidden"], feed)[0]
    assert np.array_equal(before, after)
    assert np.abs(before).max() > 0.1


def test_the_word_embeddings_are_read_from_a_map_of_the_packaged_file(tmp_path):
    from safetensors.numpy import load_file, save_file

    stored = bundled_model_dir() / "model.safetensors"
    mapped = mapped_tensor(stored, WORD_EMBEDDINGS)
    assert np.array_equal(mapped, load_file(str(stored))[WORD_EMBEDDINGS])
    assert not mapped.flags.writeable and not mapped.flags.owndata
    # Offsets are read from the header: another tensor before it, another after.
    table = np.arange(12, dtype=np.float32).reshape(3, 4)
    other = tmp_path / "other.safetensors"
    save_file({"a": np.ones(5, dtype=np.float32), "t": table,
               "z": np.zeros(2, dtype=np.float32), "i": np.ones(2, dtype=np.int64)}, str(other))
    assert np.array_equal(mapped_tensor(other, "t"), table)
    with pytest.raises(ValueError, match="no float32 tensor 'i'"):
        mapped_tensor(other, "i")
    with pytest.raises(ValueError, match="no float32 tensor 'missing'"):
        mapped_tensor(other, "missing")
