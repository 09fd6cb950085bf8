"""The shipped NLU pipeline (config.yml + data/nlu) as a Rasa agent, for tests in the Rasa
engine's environment: trained once (about a minute) or reused from models/eval/ while
config.yml, data/nlu, data/catalogue and bot/nlu are unchanged (the eval command's cache)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def shipped_nlu_agent() -> Any:
    from tools.evaluation.common import quiet_logs, set_offline_env, train_nlu_model

    set_offline_env()
    quiet_logs()
    from rasa.core.agent import Agent

    model = train_nlu_model(
        config_text=(REPO / "config.yml").read_text(),
        nlu_paths=[REPO / "data" / "nlu"],
        tag="shopdesk",
    )
    return Agent.load(str(model.path))
