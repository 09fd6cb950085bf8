"""HINT3 pipeline benchmark: train the project's config.yml NLU pipeline on a HINT3
train CSV, predict the test CSV, sweep the fallback threshold and print the figures
beside the published platforms (the paper's CSVs in `published/`).

    .venv/rasa/bin/python -m tools.evaluation.bench_hint3 [--train PATH --test PATH]

Definitions (HINT3 paper): the label NO_NODES_DETECTED is out of scope; a prediction
whose confidence is below the threshold becomes NO_NODES_DETECTED. Accuracy and
weighted F1 and MCC are over all test rows with NO_NODES_DETECTED as a class;
in-scope accuracy is accuracy on in-scope rows; OOS recall is the share of
NO_NODES_DETECTED rows predicted as such.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from tools.evaluation.common import (
    EVAL_DATA,
    REPO_ROOT,
    RESULTS_DIR,
    parse_all,
    quiet_logs,
    set_offline_env,
    timing_summary,
    train_nlu_model,
)

OOS_LABEL = "NO_NODES_DETECTED"
THRESHOLDS = [round(0.1 * i, 1) for i in range(1, 10)]
DEFAULT_DIR = EVAL_DATA / "hint3-sofmattress"
METRICS = [
    ("accuracy", "Accuracy"),
    ("inscope_accuracy", "Inscope Accuracy"),
    ("oos_recall", "OOS Recall"),
    ("mcc", "MCC"),
    ("weighted_f1", "Weighted F1"),
]


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows or not {"sentence", "label"} <= set(rows[0]):
        raise SystemExit(f"{path}: expected a header with sentence,label")
    return rows


def _clean(text: str) -> str:
    # Rasa's YAML reads [..](..) as entity markup; the benchmark has no entities
    return " ".join(re.sub(r"[\[\]{}]", " ", text).split())


def write_rasa_nlu(rows: Sequence[dict[str, str]], path: Path) -> None:
    """Rasa NLU YAML, one intent block per label (the OOS label, if any, is skipped:
    out of scope is what the threshold decides)."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    examples, seen = [], set()
    for r in rows:
        text, label = _clean(r["sentence"]), r["label"].strip()
        if not text or label == OOS_LABEL or (text, label) in seen:
            continue
        seen.add((text, label))
        examples.append(Message.build(text=text, intent=label))
    path.write_text(RasaYAMLWriter().dumps(TrainingData(examples)), encoding="utf-8")


def metrics(gold: Sequence[str], pred: Sequence[str]) -> dict[str, float]:
    from sklearn.metrics import f1_score, matthews_corrcoef

    inscope = [i for i, g in enumerate(gold) if g != OOS_LABEL]
    oos = [i for i, g in enumerate(gold) if g == OOS_LABEL]
    return {
        "accuracy": sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold),
        "inscope_accuracy": sum(gold[i] == pred[i] for i in inscope) / max(1, len(inscope)),
        "oos_recall": sum(pred[i] == OOS_LABEL for i in oos) / max(1, len(oos)),
        "mcc": float(matthews_corrcoef(gold, pred)),
        "weighted_f1": float(f1_score(gold, pred, average="weighted", zero_division=0)),
    }


def read_published(directory: Path, bot: str) -> dict[str, dict[float, dict[str, float]]]:
    out: dict[str, dict[float, dict[str, float]]] = {}
    for f in sorted(directory.glob(f"*_{bot}.csv")):
        platform = f.stem[: -len(bot) - 1]
        with open(f, newline="") as fh:
            out[platform] = {
                round(float(r["Threshold"]), 1): {k: float(v) for k, v in r.items()}
                for r in csv.DictReader(fh)
            }
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--train", type=Path, default=DEFAULT_DIR / "sofmattress_train.csv")
    ap.add_argument("--test", type=Path, default=DEFAULT_DIR / "sofmattress_test.csv")
    ap.add_argument(
        "--published", type=Path, help="folder of <platform>_<bot>.csv (default: beside --test)"
    )
    ap.add_argument("--config", type=Path, default=REPO_ROOT / "config.yml")
    ap.add_argument("--retrain", action="store_true")
    args = ap.parse_args(argv)

    set_offline_env()
    quiet_logs()
    bot = args.test.stem.replace("_test", "")
    train_rows, test_rows = read_csv(args.train), read_csv(args.test)

    work = RESULTS_DIR / f"hint3-{bot}"
    work.mkdir(parents=True, exist_ok=True)
    nlu_file = work / "nlu.yml"
    write_rasa_nlu(train_rows, nlu_file)
    model = train_nlu_model(
        config_text=args.config.read_text(),
        nlu_paths=[nlu_file],
        tag=f"hint3-{bot}",
        retrain=args.retrain,
    )
    parsed = parse_all(model.path, [r["sentence"] for r in test_rows])
    gold = [r["label"].strip() for r in test_rows]

    ours: dict[float, dict[str, float]] = {}
    for t in THRESHOLDS:
        pred = [p.top_intent if p.confidence >= t else OOS_LABEL for p in parsed]
        ours[t] = metrics(gold, pred)

    published = read_published(args.published or args.test.parent / "published", bot)
    systems = ["shopdesk", *published]
    print(
        f"\nHINT3 {bot}: train {len(train_rows)} rows, test {len(test_rows)} rows "
        f"({sum(g == OOS_LABEL for g in gold)} out of scope)\n"
    )
    for key, pub_key in METRICS:
        print(f"{pub_key}")
        print(f"{'thr':>5}" + "".join(f"{s:>12}" for s in systems))
        for t in THRESHOLDS:
            cells = [ours[t][key]] + [
                published[p].get(t, {}).get(pub_key, float("nan")) for p in published
            ]
            print(f"{t:>5}" + "".join(f"{c:>12.3f}" for c in cells))
        best = {
            s: max(
                (ours[t][key] if s == "shopdesk" else published[s].get(t, {}).get(pub_key, 0.0))
                for t in THRESHOLDS
            )
            for s in systems
        }
        print(f"{'best':>5}" + "".join(f"{best[s]:>12.3f}" for s in systems) + "\n")
    timing = timing_summary([p.ms for p in parsed])
    print(
        f"parse time per message: median {timing['median_ms']} ms, p95 {timing['p95_ms']} ms;"
        f" training {f'{model.train_seconds:.1f} s' if model.train_seconds else 'reused'}"
    )
    out = RESULTS_DIR / f"bench-hint3-{bot}.json"
    out.write_text(
        json.dumps(
            {
                "train": str(args.train),
                "test": str(args.test),
                "shopdesk": {str(t): v for t, v in ours.items()},
                "timing": timing,
                "train_seconds": model.train_seconds,
            },
            indent=2,
        )
    )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
