"""NLU regression check: the eval command on the Bitext dev set with floors a little
below the figures reached when they were set (see tools/evaluation/README.md), and on each
language's held-out set (en, de, fr, es) with the floors the languages must reach.

Runs `python -m tools.evaluation.eval --no-baselines` with the floors, in a subprocess
(Rasa configures global logging). Trains the model if config.yml or data/nlu changed
(about a minute), else reuses it."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tools" / "evaluation" / "data" / "bitext" / "dev_mapped.csv"

# The shipped model's figures are in tools/evaluation/README.md; each Bitext floor sits
# 1.5-3 points below them (near-miss recall moves by 2-3 rows of 124 between trainings).
FLOORS = {
    "--min-accuracy": "0.925",
    "--min-macro-f1": "0.93",
    "--min-oos-recall": "0.96",
    "--min-oos-precision": "0.95",
    "--min-near-miss-recall": "0.93",
    # each language's held-out set (tools/evaluation/data/heldout): issue 20's bar
    "--min-language-accuracy": "0.92",
    "--min-language-oos-recall": "0.85",
}


def test_bitext_dev_and_each_language_above_floors():
    args = [sys.executable, "-m", "tools.evaluation.eval", "--no-baselines", "--data", str(DATA)]
    for flag, value in FLOORS.items():
        args += [flag, value]
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    proc = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    print(proc.stdout[-4000:])
    assert proc.returncode == 0, proc.stderr[-3000:]
