"""Where things are, relative to the repository root (never the current directory)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
LOGS = VAR / "log"
# KPI reports: `python -m analytics report` writes them, the agent inbox serves the newest.
REPORTS = VAR / "reports"


def report_dir(env: Mapping[str, str]) -> Path:
    """Where reports are written and served from: `REPORT_DIR`, default var/reports."""
    return Path(env.get("REPORT_DIR") or REPORTS)
