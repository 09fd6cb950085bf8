"""Hybrid intent model: MiniLM sentence embedding (dense) + TF-IDF char n-grams +
TF-IDF word (lemma) n-grams, fed to one L2-regularised logistic regression.

The dense part carries meaning for phrasings never seen in training; the sparse parts
carry exact wording, typos (char n-grams) and inflections (lemmas). The three blocks
are each L2-normalised and weighted, so none dominates by scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.nlu.neighbours import NeighbourIndex
from bot.nlu.text_normalise import normalise_for_intent


@dataclass
class HybridConfig:
    C: float = 10.0
    embedding_weight: float = 1.0
    char_weight: float = 1.0
    word_weight: float = 1.0
    char_ngram_range: tuple = (2, 5)
    word_ngram_range: tuple = (1, 2)
    use_embeddings: bool = True
    class_weight: str | None = "balanced"
    # confidence = sqrt(p * s), s = best cosine similarity to a training example of the
    # predicted intent: a message far from everything seen in training gets a low
    # confidence even when the linear model is sure (it has to pick some intent)
    similarity_confidence: bool = True
    # blend the logistic regression's probabilities with a nearest-neighbour vote on the
    # embeddings: p = (1 - w) * p_lr + w * softmax(s_c / T), s_c = mean cosine
    # similarity of the k training examples of intent c closest to the message. 0 = off.
    knn_weight: float = 0.0
    knn_k: int = 3
    knn_temperature: float = 0.05
    # sentence encoders whose unit vectors are joined (each scaled by 1/sqrt(count), so the
    # joined vector stays unit length): "minilm" (English) and "use" (multilingual)
    encoders: tuple = ("minilm",)

    @classmethod
    def from_dict(cls, d: dict) -> HybridConfig:
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        for k in ("char_ngram_range", "word_ngram_range", "encoders"):
            if k in known:
                known[k] = tuple(known[k])
        return cls(**known)


@dataclass
class HybridIntentModel:
    config: HybridConfig = field(default_factory=HybridConfig)
    char_vectorizer: TfidfVectorizer | None = None
    word_vectorizer: TfidfVectorizer | None = None
    classifier: LogisticRegression | None = None
    train_embeddings: np.ndarray | None = None
    train_labels: np.ndarray | None = None

    # caches built from the fitted parts on first use; not saved with the model
    _TRANSIENT = ("_linear", "_neighbour_index", "_last_embeddings")

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in self._TRANSIENT}

    @property
    def classes(self) -> list[str]:
        assert self.classifier is not None
        return list(self.classifier.classes_)

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        # models pickled before `encoders` existed used MiniLM alone
        names = tuple(getattr(self.config, "encoders", ("minilm",)))
        return embed(names, texts)

    def _features(
        self,
        texts: Sequence[str],
        lemmas: Sequence[str],
        *,
        fit: bool,
        embeddings: np.ndarray | None = None,
    ) -> sp.csr_matrix:
        norm_texts, norm_lemmas = _normalised(texts), _normalised(lemmas)
        if fit:
            self.char_vectorizer = TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=self.config.char_ngram_range,
                sublinear_tf=True,
                min_df=1,
            )
            self.word_vectorizer = TfidfVectorizer(
                analyzer="word",
                ngram_range=self.config.word_ngram_range,
                sublinear_tf=True,
                min_df=1,
                token_pattern=r"(?u)\b\w+\b",
            )
            char = self.char_vectorizer.fit_transform(norm_texts)
            word = self.word_vectorizer.fit_transform(norm_lemmas)
        else:
            assert self.char_vectorizer is not None and self.word_vectorizer is not None
            char = self.char_vectorizer.transform(norm_texts)
            word = self.word_vectorizer.transform(norm_lemmas)
        blocks = [char * self.config.char_weight, word * self.config.word_weight]
        if self.config.use_embeddings:
            emb = embeddings if embeddings is not None else self._embed(norm_texts)
            self._last_embeddings = emb
            blocks.insert(0, sp.csr_matrix(emb * self.config.embedding_weight))
        return sp.hstack(blocks, format="csr")

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        lemmas: Sequence[str] | None = None,
        embeddings: np.ndarray | None = None,
    ) -> HybridIntentModel:
        x = self._features(texts, lemmas or texts, fit=True, embeddings=embeddings)
        self.classifier = LogisticRegression(
            C=self.config.C,
            max_iter=3000,
            class_weight=self.config.class_weight,
        )
        self.classifier.fit(x, list(labels))
        if self.config.use_embeddings and (
            self.config.similarity_confidence or self.config.knn_weight > 0
        ):
            self.train_embeddings = self._last_embeddings.astype(np.float32)
            self.train_labels = np.array(labels)
        self._last_embeddings = None
        return self

    def predict_proba(
        self,
        texts: Sequence[str],
        lemmas: Sequence[str] | None = None,
        embeddings: np.ndarray | None = None,
    ) -> np.ndarray:
        assert self.classifier is not None
        linear = self._linear_parts()
        if linear is not None:
            return self._predict_proba_direct(linear, texts, lemmas or texts, embeddings)
        x = self._features(texts, lemmas or texts, fit=False, embeddings=embeddings)
        return self.classifier.predict_proba(x)

    def _linear_parts(self) -> _LinearParts | None:
        """The logistic regression split by feature block, for `_predict_proba_direct`;
        None when the fitted model is not of the shape that path reproduces."""
        cached = self.__dict__.get("_linear")
        if cached is not None and cached[0] is self.classifier:
            return cached[1]
        parts = _LinearParts.of(self)
        self.__dict__["_linear"] = (self.classifier, parts)
        return parts

    def _predict_proba_direct(
        self,
        parts: _LinearParts,
        texts: Sequence[str],
        lemmas: Sequence[str],
        embeddings: np.ndarray | None,
    ) -> np.ndarray:
        """`classifier.predict_proba` of `_features(...)`, computed block by block: the
        TF-IDF rows of one message as (columns, values) and the embedding as a vector, each
        multiplied by its block of the coefficients. Equal to the sklearn path to ~1e-15
        (tested); it skips building ~15 sparse matrices per message (scipy's checks on each
        were most of the 2.7 ms the sklearn path took per message, of a Rasa server's CPU)."""
        norm_texts, norm_lemmas = _normalised(texts), _normalised(lemmas)
        decision = np.tile(parts.intercept, (len(norm_texts), 1))
        if parts.embedding is not None:
            emb = embeddings if embeddings is not None else self._embed(norm_texts)
            self._last_embeddings = emb
            decision += (np.asarray(emb, dtype=np.float64) * self.config.embedding_weight) @ (
                parts.embedding
            )
        for i, (text, lemma) in enumerate(zip(norm_texts, norm_lemmas, strict=True)):
            decision[i] += parts.char.score(text) * self.config.char_weight
            decision[i] += parts.word.score(lemma) * self.config.word_weight
        decision -= decision.max(axis=1, keepdims=True)
        np.exp(decision, out=decision)
        decision /= decision.sum(axis=1, keepdims=True)
        return decision

    def predict(
        self,
        texts: Sequence[str],
        lemmas: Sequence[str] | None = None,
        embeddings: np.ndarray | None = None,
    ) -> np.ndarray:
        """Intent scores per message (rows sum to at most 1): the class probabilities,
        scaled so that the top one becomes the similarity-aware confidence."""
        proba = self.predict_proba(texts, lemmas, embeddings)
        emb = getattr(self, "_last_embeddings", None)
        self._last_embeddings = None
        if self.train_embeddings is None or emb is None:
            return proba
        near = self._neighbours().nearest(emb)
        knn_weight = getattr(self.config, "knn_weight", 0.0)  # models pickled without it
        if knn_weight > 0:
            proba = (1.0 - knn_weight) * proba + knn_weight * self._knn_proba(near)
        if not self.config.similarity_confidence:
            return proba
        scores = proba.copy()
        for i, row in enumerate(proba):
            top = int(row.argmax())
            s = float(np.clip(near[i, top, 0], 0.0, 1.0)) if near.shape[2] else 0.0
            scores[i] = row * (np.sqrt(row[top] * s) / max(row[top], 1e-9))
        return scores

    def prepare(self) -> HybridIntentModel:
        """Build the caches prediction uses (done on first use otherwise): for a server,
        at load instead of on its first message."""
        if self.classifier is not None:
            self._linear_parts()
            if self.train_embeddings is not None:
                self._neighbours()
        return self

    def _neighbours(self) -> NeighbourIndex:
        """Each intent's training examples closest to a message (bot/nlu/neighbours.py),
        built once per fitted model."""
        cached = self.__dict__.get("_neighbour_index")
        if cached is not None and cached[0] is self.train_embeddings:
            return cached[1]
        assert self.train_embeddings is not None and self.train_labels is not None
        index = NeighbourIndex(self.train_embeddings, self.train_labels, self.classes)
        self.__dict__["_neighbour_index"] = (self.train_embeddings, index)
        return index

    def _knn_proba(self, near: np.ndarray) -> np.ndarray:
        """Softmax over intents of the mean similarity of each intent's k closest
        training examples (`near`: `NeighbourIndex.nearest`, best first; rows: messages,
        columns: `classes`)."""
        k = min(max(1, int(self.config.knn_k)), near.shape[2])
        best = near[:, :, :k]
        present = np.isfinite(best)
        counts = present.sum(axis=2)
        per_class = np.where(present, best, 0.0).sum(axis=2) / np.maximum(counts, 1)
        per_class[counts == 0] = -1.0
        z = (per_class - per_class.max(axis=1, keepdims=True)) / self.config.knn_temperature
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


def _encode(name: str, texts: list[str]) -> np.ndarray:
    if name == "minilm":
        from bot.nlu.minilm import get_encoder

        return get_encoder().encode(texts)
    if name == "use":
        from bot.nlu.use_encoder import get_use_encoder

        return get_use_encoder().encode(texts)
    raise ValueError(f"unknown sentence encoder {name!r}: minilm or use")


# The second encoder runs beside the first: both spend their time in native code (ONNX
# Runtime, numpy's BLAS) that releases the GIL, so a parse takes the longer of the two
# instead of their sum (`python -m tools.benchmarks.minilm` measures both ways).
_beside = ThreadPoolExecutor(max_workers=1, thread_name_prefix="encoder")


def embed(encoders: Sequence[str], texts: Sequence[str]) -> np.ndarray:
    """The joined sentence embedding of each text (rows of unit length)."""
    texts = list(texts)
    if len(encoders) == 1:
        return _encode(encoders[0], texts)
    others = [_beside.submit(_encode, name, texts) for name in encoders[1:]]
    blocks = [_encode(encoders[0], texts), *(future.result() for future in others)]
    return (np.hstack(blocks) / np.sqrt(len(blocks))).astype(np.float32)


def _normalised(texts: Sequence[str]) -> list[str]:
    """What the vectorizers and the encoder see of each text (both prediction paths)."""
    return [normalise_for_intent(t).lower() for t in texts]


@dataclass
class _TfidfBlock:
    """One TF-IDF vectorizer's share of the decision: coefficients per vocabulary column."""

    analyzer: Any
    vocabulary: dict[str, int]
    idf: np.ndarray
    # (classes, vocabulary size): a view of the classifier's coefficients, not a copy
    coef: np.ndarray

    @classmethod
    def of(cls, vectorizer: TfidfVectorizer, coef: np.ndarray) -> _TfidfBlock | None:
        plain = (
            vectorizer.norm == "l2"
            and vectorizer.use_idf
            and vectorizer.sublinear_tf
            and not vectorizer.binary
        )
        if not plain:
            return None
        return cls(
            vectorizer.build_analyzer(),
            vectorizer.vocabulary_,
            np.asarray(vectorizer.idf_, dtype=np.float64),
            coef,
        )

    def score(self, doc: str) -> np.ndarray:
        """The message's TF-IDF row (as sklearn's `transform` computes it: counts of the
        analyzer's known features, 1 + log(count), times idf, L2-normalised) times the
        coefficients."""
        counts: dict[int, int] = {}
        for feature in self.analyzer(doc):
            column = self.vocabulary.get(feature)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        if not counts:
            return np.zeros(self.coef.shape[0])
        columns = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (np.log(values) + 1.0) * self.idf[columns]
        values /= np.sqrt(values @ values)
        return self.coef[:, columns] @ values


@dataclass
class _LinearParts:
    intercept: np.ndarray
    embedding: np.ndarray | None  # (embedding size, classes)
    char: _TfidfBlock
    word: _TfidfBlock

    @classmethod
    def of(cls, model: HybridIntentModel) -> _LinearParts | None:
        clf = model.classifier
        if clf is None or model.char_vectorizer is None or model.word_vectorizer is None:
            return None
        multinomial = clf.multi_class == "multinomial" or (
            clf.multi_class == "auto" and clf.classes_.size > 2 and clf.solver != "liblinear"
        )
        if not multinomial or clf.coef_.shape[0] != clf.classes_.size:
            return None
        coef = np.asarray(clf.coef_, dtype=np.float64)
        n_char = len(model.char_vectorizer.vocabulary_)
        n_word = len(model.word_vectorizer.vocabulary_)
        n_emb = coef.shape[1] - n_char - n_word
        if n_emb < 0 or (n_emb > 0) != bool(model.config.use_embeddings):
            return None
        char = _TfidfBlock.of(model.char_vectorizer, coef[:, n_emb : n_emb + n_char])
        word = _TfidfBlock.of(model.word_vectorizer, coef[:, n_emb + n_char :])
        if char is None or word is None:
            return None
        return cls(
            intercept=np.asarray(clf.intercept_, dtype=np.float64),
            embedding=np.ascontiguousarray(coef[:, :n_emb].T) if n_emb else None,
            char=char,
            word=word,
        )
