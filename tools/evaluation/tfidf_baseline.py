"""Baseline: TF-IDF (word 1-2 grams + char 2-5 grams) and logistic regression, with a
confidence threshold chosen by 5-fold cross-validation on the training data only."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, make_pipeline

THRESHOLDS = [round(0.05 * i, 2) for i in range(1, 19)]


def _pipeline():
    features = FeatureUnion(
        [
            ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
        ]
    )
    return make_pipeline(features, LogisticRegression(C=10.0, max_iter=3000))


@dataclass
class TfidfBaseline:
    oos_label: str
    threshold: float = 0.0

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> TfidfBaseline:
        texts, labels = [t.lower() for t in texts], list(labels)
        counts = {label: labels.count(label) for label in set(labels)}
        folds = max(2, min(5, min(counts.values())))
        cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
        proba = cross_val_predict(_pipeline(), texts, labels, cv=cv, method="predict_proba")
        classes = np.array(sorted(set(labels)))
        best = (-1.0, 0.0)
        for t in THRESHOLDS:
            pred = self._decide(proba, classes, t)
            acc = float(np.mean(pred == np.array(labels)))
            if acc > best[0]:
                best = (acc, t)
        self.threshold = best[1]
        self.model = _pipeline().fit(texts, labels)
        return self

    def _decide(self, proba: np.ndarray, classes: np.ndarray, threshold: float) -> np.ndarray:
        top = proba.argmax(axis=1)
        pred = classes[top].astype(object)
        pred[proba.max(axis=1) < threshold] = self.oos_label
        return pred

    def predict(self, texts: Sequence[str]) -> tuple[list[str], list[float], list[float]]:
        """Predicted labels, top confidences, and ms per message (one at a time)."""
        labels, confs, ms = [], [], []
        classes = self.model.classes_
        for text in texts:
            t0 = time.perf_counter()
            proba = self.model.predict_proba([text.lower()])
            ms.append((time.perf_counter() - t0) * 1000)
            labels.append(str(self._decide(proba, classes, self.threshold)[0]))
            confs.append(float(proba.max()))
        return labels, confs, ms
