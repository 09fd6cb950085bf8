"""NLU evaluation on a labelled CSV (`text,our_intent[,map_flag]`), with two baselines.

    .venv/rasa/bin/python -m tools.evaluation.eval [--data PATH] [--min-accuracy X ...]

Trains (or reuses, by fingerprint) the project's pipeline from config.yml on data/nlu,
Rasa's default `rasa init` pipeline, and a TF-IDF + logistic regression baseline, all
on the same data/nlu; predicts every row; prints a table; writes
results/eval-<name>.json and a confusion-matrix PNG. Then it scores the same model on each
language's held-out set (tools/evaluation/data/heldout/{en,de,fr,es}.csv, written for this
project and kept out of data/nlu) and prints one row per language. Floors make it exit 1
when missed.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from tools.evaluation.common import (
    EVAL_DATA,
    RASA_DEFAULT_CONFIG,
    REPO_ROOT,
    RESULTS_DIR,
    load_nlu_examples,
    parse_all,
    quiet_logs,
    set_offline_env,
    timing_summary,
    train_nlu_model,
)

MAPPED_INTENTS = (
    "order_status",
    "start_return",
    "return_policy",
    "refund_status",
    "cancel_order",
    "change_shipping_address",
    "delivery_options",
    "payment_issue",
    "human_agent",
    "complaint",
    "greet",
    "goodbye",
    "thanks",
)
OOS = "out_of_scope"
HEADLINE_FLAGS = {"exact", "approx"}
DEFAULT_DATA = EVAL_DATA / "bitext" / "dev_mapped.csv"
# held-out sets written for this project, one per language, never trained on
HELDOUT_DIR = EVAL_DATA / "heldout"
LANGUAGES = ("en", "de", "fr", "es")
SWEEP = [round(0.1 * i, 1) for i in range(1, 10)]


def to_scored(intent: str) -> str:
    """Anything the mapping doesn't name (and nlu_fallback) counts as out of scope."""
    return intent if intent in MAPPED_INTENTS else OOS


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows or "text" not in rows[0] or "our_intent" not in rows[0]:
        raise SystemExit(f"{path}: expected a header with text,our_intent[,map_flag]")
    return rows


def score(rows: Sequence[dict[str, str]], preds: Sequence[str]) -> dict[str, object]:
    """Figures for one system. `preds` are already mapped by `to_scored`."""
    from sklearn.metrics import f1_score

    has_flag = any(r.get("map_flag") for r in rows)
    gold = [r["our_intent"] for r in rows]
    flag = [r.get("map_flag") or "" for r in rows]
    main = [i for i in range(len(rows)) if flag[i] != "ambiguous"]
    inscope = [i for i in main if gold[i] != OOS and (not has_flag or flag[i] in HEADLINE_FLAGS)]
    oos = [i for i in main if gold[i] == OOS]
    near = [i for i in main if flag[i] == "near_miss_oos"]
    amb = [i for i in range(len(rows)) if flag[i] == "ambiguous"]
    pred_oos = [i for i in main if preds[i] == OOS]

    def frac(idx: list[int], ok) -> float | None:
        return round(sum(1 for i in idx if ok(i)) / len(idx), 4) if idx else None

    labels = sorted({gold[i] for i in main})
    return {
        "n_rows": len(rows),
        "in_scope_rows": len(inscope),
        "in_scope_accuracy": frac(inscope, lambda i: preds[i] == gold[i]),
        "macro_f1": round(
            float(
                f1_score(
                    [gold[i] for i in main],
                    [preds[i] for i in main],
                    labels=labels,
                    average="macro",
                    zero_division=0,
                )
            ),
            4,
        ),
        "oos_rows": len(oos),
        "oos_recall": frac(oos, lambda i: preds[i] == OOS),
        "oos_precision": frac(pred_oos, lambda i: gold[i] == OOS),
        "near_miss_oos_rows": len(near),
        "near_miss_oos_recall": frac(near, lambda i: preds[i] == OOS),
        "ambiguous_rows": len(amb),
        "ambiguous_accuracy": frac(amb, lambda i: preds[i] == gold[i]),
        "ambiguous_predictions": dict(Counter(preds[i] for i in amb).most_common()),
    }


def evaluate_rasa_model(model_path: Path, rows, *, sweep: bool) -> dict[str, object]:
    parsed = parse_all(model_path, [r["text"] for r in rows])
    preds = [to_scored(p.intent) for p in parsed]
    result = score(rows, preds)
    result.update(timing_summary([p.ms for p in parsed]))
    result["_preds"] = preds
    if sweep:  # same model, fallback threshold varied (for choosing the shipped one)
        table = []
        for t in SWEEP:
            ps = [to_scored(p.top_intent) if p.confidence >= t else OOS for p in parsed]
            s = score(rows, ps)
            table.append(
                {
                    "threshold": t,
                    **{
                        k: s[k]
                        for k in (
                            "in_scope_accuracy",
                            "macro_f1",
                            "oos_recall",
                            "oos_precision",
                            "near_miss_oos_recall",
                        )
                    },
                }
            )
        result["threshold_sweep"] = table
    return result


def confusion_png(rows, preds: Sequence[str], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    idx = [i for i, r in enumerate(rows) if (r.get("map_flag") or "") != "ambiguous"]
    labels = [*MAPPED_INTENTS, OOS]
    labels = [
        lab for lab in labels if any(rows[i]["our_intent"] == lab or preds[i] == lab for i in idx)
    ]
    cm = confusion_matrix(
        [rows[i]["our_intent"] for i in idx], [preds[i] for i in idx], labels=labels
    )
    fig, ax = plt.subplots(figsize=(10, 9))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    for (r, c), v in __import__("numpy").ndenumerate(cm):
        if v:
            ax.text(
                c,
                r,
                str(v),
                ha="center",
                va="center",
                fontsize=7,
                color="white" if v > cm.max() / 2 else "black",
            )
    ax.set_xlabel("predicted")
    ax.set_ylabel("expected")
    ax.set_title(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def per_intent_report(rows, preds: Sequence[str]) -> dict[str, dict]:
    """Aggregate per-intent precision / recall / F1 and confusion counts (expected ->
    predicted -> count) over the non-ambiguous rows."""
    from sklearn.metrics import precision_recall_fscore_support

    idx = [i for i, r in enumerate(rows) if (r.get("map_flag") or "") != "ambiguous"]
    gold = [rows[i]["our_intent"] for i in idx]
    pred = [preds[i] for i in idx]
    labels = [lab for lab in (*MAPPED_INTENTS, OOS) if lab in gold]
    p, r, f, n = precision_recall_fscore_support(gold, pred, labels=labels, zero_division=0)
    confusion: dict[str, dict[str, int]] = {}
    for g, q in zip(gold, pred, strict=True):
        confusion.setdefault(g, {})
        confusion[g][q] = confusion[g].get(q, 0) + 1
    return {
        "per_intent": {
            lab: {
                "support": int(n[k]),
                "precision": round(float(p[k]), 4),
                "recall": round(float(r[k]), 4),
                "f1": round(float(f[k]), 4),
            }
            for k, lab in enumerate(labels)
        },
        "confusion": confusion,
    }


COLUMNS = [
    ("in_scope_accuracy", "in-scope acc"),
    ("macro_f1", "macro-F1"),
    ("oos_recall", "OOS recall"),
    ("oos_precision", "OOS prec"),
    ("near_miss_oos_recall", "near-miss rec"),
    ("ambiguous_accuracy", "ambig acc"),
    ("median_ms", "median ms"),
    ("p95_ms", "p95 ms"),
    ("train_seconds", "train s"),
]


def print_table(systems: dict[str, dict[str, object]]) -> None:
    def fmt(v) -> str:
        if v is None:
            return "-"
        return (
            f"{v:.3f}"
            if isinstance(v, float) and v <= 1.0
            else f"{v:.1f}"
            if isinstance(v, float)
            else str(v)
        )

    header = f"{'system':<24}" + "".join(f"{label:>15}" for _, label in COLUMNS)
    print(header)
    print("-" * len(header))
    for name, s in systems.items():
        print(f"{name:<24}" + "".join(f"{fmt(s.get(key)):>15}" for key, _ in COLUMNS))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="CSV: text,our_intent[,map_flag]"
    )
    ap.add_argument("--name", help="results name (default: the CSV file stem)")
    ap.add_argument("--config", type=Path, default=REPO_ROOT / "config.yml")
    ap.add_argument("--nlu", type=Path, default=REPO_ROOT / "data" / "nlu")
    ap.add_argument(
        "--no-baselines", action="store_true", help="skip the two baselines (fast CI check)"
    )
    ap.add_argument("--retrain", action="store_true", help="ignore cached models")
    ap.add_argument("--min-accuracy", type=float)
    ap.add_argument("--min-macro-f1", type=float)
    ap.add_argument("--min-oos-recall", type=float)
    ap.add_argument("--min-oos-precision", type=float)
    ap.add_argument("--min-near-miss-recall", type=float)
    ap.add_argument(
        "--no-languages", action="store_true", help="skip the per-language held-out sets"
    )
    ap.add_argument("--min-language-accuracy", type=float, help="floor for each language")
    ap.add_argument("--min-language-oos-recall", type=float, help="floor for each language")
    args = ap.parse_args(argv)

    set_offline_env()
    quiet_logs()
    rows = read_rows(args.data)
    name = args.name or args.data.stem
    systems: dict[str, dict[str, object]] = {}

    ours = train_nlu_model(
        config_text=args.config.read_text(),
        nlu_paths=[args.nlu],
        tag="shopdesk",
        retrain=args.retrain,
    )
    systems["shopdesk (config.yml)"] = evaluate_rasa_model(ours.path, rows, sweep=True)
    systems["shopdesk (config.yml)"]["train_seconds"] = ours.train_seconds

    if not args.no_baselines:
        default = train_nlu_model(
            config_text=RASA_DEFAULT_CONFIG,
            nlu_paths=[args.nlu],
            tag="rasa-default",
            retrain=args.retrain,
        )
        systems["rasa default pipeline"] = evaluate_rasa_model(default.path, rows, sweep=False)
        systems["rasa default pipeline"]["train_seconds"] = default.train_seconds

        import time

        from tools.evaluation.tfidf_baseline import TfidfBaseline

        texts, intents = load_nlu_examples([args.nlu])
        t0 = time.perf_counter()
        tfidf = TfidfBaseline(oos_label=OOS).fit(texts, intents)
        train_s = time.perf_counter() - t0
        labels, _, ms = tfidf.predict([r["text"] for r in rows])
        preds = [to_scored(label) for label in labels]
        s = score(rows, preds)
        s.update(timing_summary(ms))
        s["train_seconds"] = round(train_s, 1)
        s["cv_threshold"] = tfidf.threshold
        systems[f"tfidf+logreg (thr {tfidf.threshold})"] = s

    print(f"\nNLU evaluation on {args.data} ({len(rows)} rows)\n")
    print_table(systems)
    sweep = systems["shopdesk (config.yml)"].get("threshold_sweep") or []
    if sweep:
        print("\nshopdesk, fallback threshold sweep (shipped value in config.yml):")
        print(
            f"{'thr':>5}{'in-scope acc':>14}{'macro-F1':>10}{'OOS rec':>9}"
            f"{'OOS prec':>10}{'near-miss':>11}"
        )
        for r in sweep:
            print(
                f"{r['threshold']:>5}"
                + "".join(
                    f"{(r[k] if r[k] is not None else float('nan')):>{w}.3f}"
                    for k, w in (
                        ("in_scope_accuracy", 14),
                        ("macro_f1", 10),
                        ("oos_recall", 9),
                        ("oos_precision", 10),
                        ("near_miss_oos_recall", 11),
                    )
                )
            )
    ours_preds = systems["shopdesk (config.yml)"].pop("_preds")
    report = per_intent_report(rows, ours_preds)
    systems["shopdesk (config.yml)"]["per_intent"] = report["per_intent"]
    systems["shopdesk (config.yml)"]["confusion"] = report["confusion"]
    print("\nshopdesk, per intent (aggregate; ambiguous rows excluded):")
    print(f"{'intent':<26}{'n':>5}{'prec':>7}{'rec':>7}{'F1':>7}  most confused with")
    for intent, m in report["per_intent"].items():
        wrong = sorted(
            ((c, n) for c, n in report["confusion"].get(intent, {}).items() if c != intent),
            key=lambda x: -x[1],
        )[:3]
        print(
            f"{intent:<26}{m['support']:>5}{m['precision']:>7.3f}{m['recall']:>7.3f}"
            f"{m['f1']:>7.3f}  " + ", ".join(f"{c} {n}" for c, n in wrong)
        )
    for s in systems.values():
        s.pop("_preds", None)

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    png = RESULTS_DIR / f"eval-{name}-confusion.png"
    confusion_png(rows, ours_preds, png, f"shopdesk on {name}")
    out = RESULTS_DIR / f"eval-{name}.json"
    out.write_text(
        json.dumps(
            {"data": str(args.data), "systems": systems, "confusion_png": str(png)}, indent=2
        )
    )
    print(f"\nwrote {out} and {png}")

    headline = systems["shopdesk (config.yml)"]
    failures = []
    if not args.no_languages:
        failures += per_language(ours.path, args)
    for flag, key in (
        ("min_accuracy", "in_scope_accuracy"),
        ("min_macro_f1", "macro_f1"),
        ("min_oos_recall", "oos_recall"),
        ("min_oos_precision", "oos_precision"),
        ("min_near_miss_recall", "near_miss_oos_recall"),
    ):
        floor = getattr(args, flag)
        value = headline.get(key)
        if floor is not None and (value is None or value < floor):
            failures.append(f"{key} {value} < {floor}")
    if failures:
        print("BELOW FLOOR: " + "; ".join(failures), file=sys.stderr)
        return 1
    return 0


def per_language(model_path: Path, args: argparse.Namespace) -> list[str]:
    """Scores the shipped model on each language's held-out set; prints one row per
    language, writes results/eval-languages.json and returns the floors missed."""
    table: dict[str, dict[str, object]] = {}
    for language in LANGUAGES:
        path = HELDOUT_DIR / f"{language}.csv"
        rows = read_rows(path)
        result = evaluate_rasa_model(model_path, rows, sweep=False)
        result.pop("_preds")
        table[language] = result
    print(f"\nshopdesk per language (held-out sets in {HELDOUT_DIR.relative_to(REPO_ROOT)}):")
    print(f"{'lang':<6}{'rows':>6}{'in-scope acc':>14}{'macro-F1':>10}{'OOS rec':>9}"
          f"{'near-miss':>11}{'median ms':>11}")
    for language, r in table.items():
        print(f"{language:<6}{r['n_rows']:>6}{r['in_scope_accuracy']:>14.3f}{r['macro_f1']:>10.3f}"
              f"{r['oos_recall']:>9.3f}{r['near_miss_oos_recall']:>11.3f}{r['median_ms']:>11.1f}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "eval-languages.json").write_text(json.dumps(table, indent=2))
    failures = []
    for language, r in table.items():
        for floor, key in (
            (args.min_language_accuracy, "in_scope_accuracy"),
            (args.min_language_oos_recall, "oos_recall"),
        ):
            if floor is not None and (r[key] is None or r[key] < floor):
                failures.append(f"{language} {key} {r[key]} < {floor}")
    return failures


if __name__ == "__main__":
    sys.exit(main())
