"""The training data is consistent and the trained dialogue model follows the test stories.

Runs Rasa's own tools in the Rasa environment: `rasa data validate` and
`rasa test core --stories tests/stories/...` against the model for the current inputs.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bot import paths
from bot.training import ensure_model, rasa_env

STORIES = sorted((paths.ROOT / "tests" / "stories").glob("test_*.yml"))


def test_rasa_data_validates() -> None:
    result = subprocess.run(
        [
            str(paths.RASA_PYTHON), "-m", "bot.rasa_cli", "data", "validate",
            "--domain", str(paths.DOMAIN),
            "--data", *(str(p) for p in paths.TRAINING_DATA),
            "--config", str(paths.CONFIG),
        ],
        cwd=paths.ROOT, env=rasa_env(), capture_output=True, text=True, timeout=600,
    )
    output = result.stdout.splitlines() + result.stderr.splitlines()
    assert result.returncode == 0, "\n".join(output[-40:])
    # Responses sent by custom actions are "not used in any story" by design; everything
    # else the validator warns about is a real gap.
    problems = [
        line for line in output
        if ("UserWarning" in line and "utterance" not in line) or "ERROR" in line
        or "CONFLICT" in line
        or ("conflicts" in line.lower() and "no story structure conflicts" not in line.lower())
    ]
    assert problems == []


@pytest.mark.parametrize("stories", STORIES, ids=[p.stem for p in STORIES])
def test_dialogue_follows_test_stories(stories: Path, tmp_path: Path) -> None:
    model = ensure_model(quiet=True)
    out = tmp_path / "results"
    result = subprocess.run(
        [
            str(paths.RASA_PYTHON), "-m", "bot.rasa_cli", "test", "core",
            "--model", str(model),
            "--stories", str(stories),
            "--out", str(out),
            "--no-plot",
        ],
        cwd=paths.ROOT, env=rasa_env(), capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    failed = out / "failed_test_stories.yml"
    failures = failed.read_text() if failed.exists() else ""
    assert "stories:" not in failures or "# None of the test stories failed" in failures, failures
    report = json.loads((out / "story_report.json").read_text())
    assert report["conversation_accuracy"]["accuracy"] == 1.0, failures
