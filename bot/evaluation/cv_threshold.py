"""Chooses the fallback threshold (and compares classifier settings) by cross-validation
on the project's own training data, never on an evaluation set.

    .venv/rasa/bin/python -m bot.evaluation.cv_threshold [--nlu data/nlu] [--folds 5] \
        [--embedding-weights 1,2]

5-fold stratified CV of the HybridIntentModel with the settings in config.yml (the
components' lemmas and MiniLM embeddings are computed once; embeddings are cached under
results/cache/). A held-out message whose confidence is below the threshold counts as
out_of_scope, as does a prediction of the out_of_scope intent. Rule: the shipped threshold
is the one with the best CV macro-F1 over the intents plus out_of_scope; ties go to the
lower threshold (fewer needless fallbacks). Training examples made from shared templates
are similar across folds, so CV confidences run high: the sweep is a ranking of
thresholds, not an estimate of accuracy on real traffic.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.evaluation.common import REPO_ROOT, RESULTS_DIR, quiet_logs, set_offline_env

OOS = "out_of_scope"
THRESHOLDS = [round(0.05 * i, 2) for i in range(2, 19)]
CACHE = RESULTS_DIR / "cache"


def classifier_settings(config_path: Path) -> dict:
    import yaml

    config = yaml.safe_load(config_path.read_text())
    for component in config.get("pipeline", []):
        if component.get("name", "").endswith("HybridIntentClassifier"):
            return {k: v for k, v in component.items() if k != "name"}
    raise SystemExit(f"{config_path}: no HybridIntentClassifier in the pipeline")


def cached_embeddings(texts: Sequence[str]) -> np.ndarray:
    """MiniLM embeddings of the normalised texts, cached on disk by content."""
    from bot.nlu.minilm import get_encoder
    from bot.nlu.text_normalise import normalise_for_intent

    norm = [normalise_for_intent(t).lower() for t in texts]
    key = hashlib.sha256("\n".join(norm).encode()).hexdigest()[:16]
    path = CACHE / f"minilm-{key}.npy"
    if path.exists():
        return np.load(path)
    emb = get_encoder().encode(norm)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, emb)
    return emb


def lemma_texts(texts: Sequence[str]) -> list[str]:
    """What the Rasa component sees: lower-cased text through the offline spaCy pipeline."""
    from bot.nlu.spacy_offline import english_pipeline

    nlp = english_pipeline()
    return [
        " ".join(t.lemma_ or t.text for t in doc) for doc in nlp.pipe([t.lower() for t in texts])
    ]


def cv_predictions(texts, labels, lemmas, emb, settings: dict, folds: int):
    from sklearn.model_selection import StratifiedKFold

    from bot.nlu.intent_model import HybridConfig, HybridIntentModel

    labels = np.array(labels)
    pred = np.empty(len(texts), dtype=object)
    conf = np.zeros(len(texts))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(texts, labels):
        model = HybridIntentModel(HybridConfig.from_dict(settings)).fit(
            [texts[i] for i in train],
            list(labels[train]),
            lemmas=[lemmas[i] for i in train],
            embeddings=emb[train],
        )
        scores = model.predict(
            [texts[i] for i in test], lemmas=[lemmas[i] for i in test], embeddings=emb[test]
        )
        classes = np.array(model.classes)
        pred[test] = classes[scores.argmax(1)]
        conf[test] = scores.max(1)
    return pred, conf


def sweep(labels, pred, conf) -> list[dict[str, float]]:
    from sklearn.metrics import f1_score

    labels = np.array(labels)
    inscope = labels != OOS
    rows = []
    for t in THRESHOLDS:
        p = np.where(conf >= t, pred, OOS)
        rows.append(
            {
                "threshold": t,
                "in_scope_accuracy": float((p[inscope] == labels[inscope]).mean()),
                "oos_recall": float((p[~inscope] == OOS).mean())
                if (~inscope).any()
                else float("nan"),
                "macro_f1": float(f1_score(labels, p, average="macro", zero_division=0)),
            }
        )
    return rows


def choose(rows: list[dict[str, float]]) -> float:
    best = max(r["macro_f1"] for r in rows)
    return min(r["threshold"] for r in rows if r["macro_f1"] >= best - 1e-9)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--nlu", type=Path, default=REPO_ROOT / "data" / "nlu")
    ap.add_argument("--config", type=Path, default=REPO_ROOT / "config.yml")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--embedding-weights", help="comma list: compare these embedding_weight values")
    args = ap.parse_args(argv)
    set_offline_env()
    quiet_logs()
    from bot.evaluation.common import load_nlu_examples

    texts, labels = load_nlu_examples([args.nlu])
    lemmas = lemma_texts(texts)
    emb = cached_embeddings(texts)
    base = classifier_settings(args.config)
    variants = [base]
    if args.embedding_weights:
        variants = [
            {**base, "embedding_weight": float(w)} for w in args.embedding_weights.split(",")
        ]
    print(
        f"{args.folds}-fold CV on {args.nlu} ({len(texts)} examples, "
        f"{sum(label == OOS for label in labels)} out_of_scope)"
    )
    for settings in variants:
        pred, conf = cv_predictions(texts, labels, lemmas, emb, settings, args.folds)
        rows = sweep(labels, pred, conf)
        print(f"\nsettings {settings}")
        print(f"{'thr':>6}{'in-scope acc':>14}{'OOS recall':>12}{'macro-F1':>10}")
        for r in rows:
            print(
                f"{r['threshold']:>6}{r['in_scope_accuracy']:>14.3f}{r['oos_recall']:>12.3f}{r['macro_f1']:>10.3f}"
            )
        print(f"chosen threshold (best CV macro-F1, lowest on ties): {choose(rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
