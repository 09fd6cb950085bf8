"""Where things are, relative to the repository root (never the current directory)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
LOGS = VAR / "log"
MODELS = ROOT / "models"
RASA_VENV = ROOT / ".venv" / "rasa"
RASA_BIN = RASA_VENV / "bin" / "rasa"
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
