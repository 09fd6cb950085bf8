"""Train the Rasa model only when its inputs changed.

The model's name carries a fingerprint of config.yml, the domain, the training data, the
product catalogue and the custom NLU components, so "is there a model for these inputs?"
is a file lookup and a second `make run` starts at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

from bot import paths

MODEL_PREFIX = "shopdesk-"


def fingerprint(inputs: tuple[Path, ...] = paths.MODEL_INPUTS) -> str:
    digest = hashlib.sha256()
    for root in inputs:
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for file in files:
            if "__pycache__" in file.parts or file.suffix == ".pyc" or not file.exists():
                continue
            digest.update(str(file.relative_to(paths.ROOT)).encode())
            digest.update(b"\0")
            digest.update(file.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path(fp: str | None = None) -> Path:
    return paths.MODELS / f"{MODEL_PREFIX}{fp or fingerprint()}.tar.gz"


# A Rasa server handles one small message at a time: BLAS (numpy, scikit-learn) and
# TensorFlow threads cost more than they gain on matrices that size, and N Rasa instances,
# the action servers, the store and PostgreSQL share the machine's cores. Training (big
# batches, nothing else running) keeps every core. Set in the environment to override.
SERVING_THREADS = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "TF_INTRA_OP_PARALLELISM_THREADS": "1",
    "TF_INTER_OP_PARALLELISM_THREADS": "1",
}


def rasa_env(*, training: bool = False) -> dict[str, str]:
    """Environment for a Rasa engine process (`rasa run` by default, `rasa train` with
    `training=True`)."""
    env = dict(os.environ)
    if not training:
        for name, value in SERVING_THREADS.items():
            env.setdefault(name, value)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONPATH=str(paths.ROOT),
        # Rasa writes caches and telemetry ids under the home folder; keep them in var/.
        RASA_CACHE_DIRECTORY=str(paths.VAR / "rasa-cache"),
    )
    return env


KEEP_UNUSED_MODELS_SECONDS = 24 * 3600


def ensure_model(*, force: bool = False, quiet: bool = False) -> Path:
    """The path of a model trained on the current inputs, training one if needed.

    Concurrent callers (a test run beside `make run`) wait for one training instead of
    each training the same model.
    """
    fp = fingerprint()
    target = model_path(fp)
    if target.exists() and not force:
        target.touch()  # in use: kept by the clean-up after other trainings
        if not quiet:
            print(f"model up to date: {target.relative_to(paths.ROOT)}")
        return target
    paths.MODELS.mkdir(parents=True, exist_ok=True)
    with open(paths.MODELS / ".training.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists() and not force:
            return target
        return _train(target)


def _train(target: Path) -> Path:
    print(f"training model {target.name} (inputs changed) ...", flush=True)
    # Validation (`make validate`, part of `make test`) reads every file again and checks
    # story conflicts: a sixth of the training time, for data the tests have checked.
    command = [
        str(paths.RASA_PYTHON), "-m", "bot.rasa_cli", "train", "--skip-validation",
        "--config", str(paths.CONFIG),
        "--domain", str(paths.DOMAIN),
        "--data", *(str(p) for p in paths.TRAINING_DATA),
        "--out", str(paths.MODELS),
        "--fixed-model-name", target.name.removesuffix(".tar.gz"),
    ]
    result = subprocess.run(command, cwd=paths.ROOT, env=rasa_env(training=True))
    if result.returncode != 0 or not target.exists():
        raise SystemExit(f"training failed (exit {result.returncode})")
    # Models of other inputs go once unused for a day: a checkout beside this one (another
    # branch sharing models/) may be running or about to load one of them.
    unused_since = time.time() - KEEP_UNUSED_MODELS_SECONDS
    for old in paths.MODELS.glob(f"{MODEL_PREFIX}*.tar.gz"):
        if old != target and old.stat().st_mtime < unused_since:
            old.unlink(missing_ok=True)
    return target


if __name__ == "__main__":
    ensure_model(force="--force" in sys.argv)
