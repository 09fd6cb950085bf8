"""Each intent's training examples closest to a message, without reading all of them.

The intent model's nearest-neighbour vote and its similarity-aware confidence need, for
every intent, the cosine similarities of the intent's few training examples closest to the
message. Computing them against every training embedding reads the whole table for each
message (7,398 rows of 896 floats, 26.5 MB, about 1.5 ms here and more on a loaded
machine). The index instead:

1. projects the message onto the table's leading principal directions (uncentred, so dot
   products are kept as far as `dims` dimensions can keep them) and ranks each intent's
   examples there (the projected table is a fraction of the size);
2. takes each intent's best `candidates` examples of that ranking and computes their
   similarity exactly, from the full embeddings.

Step 2 makes every similarity returned exact; the approximation is only in which
examples are looked at, and with `candidates` well above the vote's k the true closest
examples are among them (tests/nlu/test_neighbour_index.py checks the index against the
full computation for every held-out message on the shipped training data,
tests/unit/nlu/test_neighbours.py on synthetic tables). An intent with no more examples
than `candidates`, or a table no wider than `dims`, is computed in full.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DIMS = 256
CANDIDATES = 48


class NeighbourIndex:
    def __init__(
        self,
        embeddings: np.ndarray,
        labels: Sequence[str],
        classes: Sequence[str],
        *,
        dims: int = DIMS,
        candidates: int = CANDIDATES,
    ) -> None:
        labels = np.asarray(labels)
        self._embeddings = embeddings  # the model's table, read in place (never copied)
        self.classes = list(classes)
        position = {c: i for i, c in enumerate(self.classes)}
        if set(labels) - set(position):
            raise ValueError("training labels that are not among the classes")
        # rows grouped by class (in `classes` order), as row numbers of `embeddings`
        self._order = np.argsort([position[c] for c in labels], kind="stable")
        counts = np.bincount([position[c] for c in labels], minlength=len(self.classes))
        self._starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.intp)
        self._counts = counts
        largest = int(counts.max()) if len(labels) else 0
        self._basis: np.ndarray | None = None
        self._reduced: np.ndarray | None = None
        if embeddings.shape[1] > dims and largest > candidates:
            table = embeddings.astype(np.float64)
            _, vectors = np.linalg.eigh(table.T @ table)  # ascending eigenvalues
            self._basis = np.ascontiguousarray(vectors[:, ::-1][:, :dims], dtype=np.float32)
            self._reduced = np.ascontiguousarray(embeddings[self._order] @ self._basis)
            self.width = candidates
        else:
            self.width = largest
        # classes with more examples than `width` are ranked per message; the others'
        # rows are fixed: (classes, width) row numbers, padded with -1
        self._ranked = [c for c, count in enumerate(counts) if count > self.width]
        self._fixed = np.full((len(self.classes), self.width), -1, dtype=np.intp)
        for c, (start, count) in enumerate(zip(self._starts, counts, strict=True)):
            if count <= self.width:
                self._fixed[c, :count] = self._order[start : start + count]

    def nearest(self, queries: np.ndarray) -> np.ndarray:
        """(messages, classes, width): for each message and class, the exact cosine
        similarities of the class's closest training examples found, best first, padded
        with -inf where a class has fewer examples than `width`."""
        queries = np.asarray(queries, dtype=np.float32)
        rows = np.repeat(self._fixed[None], len(queries), axis=0)
        if self._ranked:
            assert self._reduced is not None and self._basis is not None
            approx = (queries @ self._basis) @ self._reduced.T
            keep = self.width
            for c in self._ranked:
                start, count = self._starts[c], self._counts[c]
                best = np.argpartition(approx[:, start : start + count], count - keep, axis=1)
                rows[:, c, :] = self._order[start + best[:, count - keep :]]
        sims = np.empty(rows.shape, dtype=np.float32)
        padding = rows < 0
        np.maximum(rows, 0, out=rows)  # padded slots read row 0, then become -inf
        for i, query in enumerate(queries):
            sims[i] = (self._embeddings[rows[i].reshape(-1)] @ query).reshape(rows.shape[1:])
        sims[padding] = -np.inf
        sims.sort(axis=2)
        return sims[:, :, ::-1]
