"""Where the Rasa side's things are, relative to the repository root (never the current
directory). The paths every service shares are in common.paths."""

from __future__ import annotations

from common.paths import LOGS, ROOT, VAR

__all__ = ["LOGS", "ROOT", "VAR", "MODELS", "RASA_VENV", "RASA_PYTHON", "CONFIG", "DOMAIN",
           "TRAINING_DATA", "MODEL_INPUTS"]
MODELS = ROOT / "models"
RASA_VENV = ROOT / ".venv" / "rasa"
RASA_PYTHON = RASA_VENV / "bin" / "python"
CONFIG = ROOT / "config.yml"
DOMAIN = ROOT / "bot" / "domain"
TRAINING_DATA = (ROOT / "data" / "nlu", ROOT / "data" / "stories", ROOT / "data" / "rules")
# Inputs that change what a trained model does: a change to any of them means retraining.
MODEL_INPUTS = (
    CONFIG,
    DOMAIN,
    *TRAINING_DATA,
    ROOT / "data" / "catalogue",
    ROOT / "bot" / "nlu",
)
