"""Shared helpers for the NLU evaluation commands: paths, model training with a
content fingerprint, parsing through Rasa's Agent, timing."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import statistics
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# Third-party evaluation sets, vendored with their licences; never training data.
EVAL_DATA = REPO_ROOT / "tools" / "evaluation" / "data"
MODELS_DIR = REPO_ROOT / "models" / "eval"
RESULTS_DIR = REPO_ROOT / "results"

FALLBACK_INTENT = "nlu_fallback"

# The Rasa `rasa init` (3.6) default pipeline, used as the baseline.
RASA_DEFAULT_CONFIG = """\
recipe: default.v1
language: en
assistant_id: rasa-default-baseline
pipeline:
  - name: WhitespaceTokenizer
  - name: RegexFeaturizer
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: 100
    constrain_similarities: true
  - name: EntitySynonymMapper
  - name: ResponseSelector
    epochs: 100
    constrain_similarities: true
  - name: FallbackClassifier
    threshold: 0.3
    ambiguity_threshold: 0.1
policies: []
"""


def set_offline_env() -> None:
    """No telemetry, no hub downloads, quiet TensorFlow; before Rasa is imported."""
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")


def quiet_logs() -> None:
    try:  # Rasa logs every parse at debug level through structlog
        from rasa.utils.log_utils import configure_structlog

        configure_structlog(logging.WARNING)
    except Exception:  # pragma: no cover - older/newer Rasa without structlog
        pass
    for name in ("rasa", "tensorflow", "absl", "spacy", "root", "matplotlib"):
        logging.getLogger(name).setLevel(logging.ERROR)
    import warnings

    warnings.filterwarnings("ignore")


def fingerprint(paths: Iterable[Path], extra: str = "") -> str:
    digest = hashlib.sha256(extra.encode())
    for path in sorted(set(paths)):
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            if "__pycache__" in f.parts:
                continue
            digest.update(
                str(f.relative_to(REPO_ROOT) if f.is_relative_to(REPO_ROOT) else f).encode()
            )
            digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class TrainedModel:
    path: Path
    train_seconds: float | None  # None when reused from an earlier run


def train_nlu_model(
    *, config_text: str, nlu_paths: Sequence[Path], tag: str, retrain: bool = False
) -> TrainedModel:
    """Trains an NLU-only model, or reuses the one whose fingerprint (config, NLU data,
    catalogue and component sources) matches."""
    code_paths = [REPO_ROOT / "bot" / "nlu", REPO_ROOT / "data" / "catalogue"]
    fp = fingerprint([*nlu_paths, *code_paths], extra=config_text)
    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    name = f"{tag}-{fp}"
    path = MODELS_DIR / f"{name}.tar.gz"
    if path.exists() and not retrain:
        return TrainedModel(path, None)
    from rasa.model_training import train_nlu

    config_file = MODELS_DIR / f"{name}.config.yml"
    config_file.write_text(config_text)
    started = time.perf_counter()
    cwd = os.getcwd()
    os.chdir(REPO_ROOT)  # component paths (catalogue) are relative to the repo root
    try:
        result = train_nlu(
            config=str(config_file),
            nlu_data=str(nlu_paths[0]) if len(nlu_paths) == 1 else [str(p) for p in nlu_paths],
            output=str(MODELS_DIR),
            fixed_model_name=name,
        )
    finally:
        os.chdir(cwd)
    if not result:
        raise RuntimeError(f"training {tag} failed")
    return TrainedModel(Path(result), time.perf_counter() - started)


@dataclass
class Parsed:
    intent: str  # after the fallback classifier (may be nlu_fallback)
    top_intent: str  # best real intent, ignoring nlu_fallback
    confidence: float  # confidence of top_intent
    entities: list[dict]
    ms: float


def parse_all(model_path: Path, texts: Sequence[str]) -> list[Parsed]:
    """Parses every text through `Agent.parse_message`, timing each call."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model_path))

    async def run() -> list[Parsed]:
        await agent.parse_message("warm up")  # first call loads lazily-built resources
        out = []
        for text in texts:
            t0 = time.perf_counter()
            result = await agent.parse_message(text)
            ms = (time.perf_counter() - t0) * 1000
            ranking = [
                r for r in result.get("intent_ranking") or [] if r["name"] != FALLBACK_INTENT
            ]
            intent = (result.get("intent") or {}).get("name") or FALLBACK_INTENT
            top = ranking[0] if ranking else {"name": intent, "confidence": 0.0}
            out.append(
                Parsed(
                    intent,
                    top["name"],
                    float(top["confidence"] or 0.0),
                    result.get("entities") or [],
                    ms,
                )
            )
        return out

    return asyncio.run(run())


def timing_summary(ms: Sequence[float]) -> dict[str, float]:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"median_ms": round(statistics.median(ordered), 2), "p95_ms": round(p95, 2)}


def load_nlu_examples(nlu_paths: Sequence[Path]) -> tuple:
    """(texts, intents) of the Rasa NLU training data."""
    from rasa.shared.nlu.training_data.loading import load_data

    texts, intents = [], []
    for p in nlu_paths:
        td = load_data(str(p))
        for ex in td.intent_examples:
            texts.append(ex.get("text"))
            intents.append(ex.get("intent"))
    return texts, intents
