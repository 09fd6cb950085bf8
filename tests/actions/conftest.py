"""Action tests: real actions, saved tracker states, a real store service over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker

from actions import bootstrap
from actions.settings import ActionSettings
from bot.stack import APP_PYTHON, Ports, Stack, store_spec
from tests.support.stack import free_port

TRACKERS = Path(__file__).parent / "trackers"
VERIFICATION_SECRET = "action-tests-verification-secret-0123456789"
IDENTITY_SECRET = "action-tests-identity-secret-0123456789"


@pytest.fixture(scope="session")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The reference store, migrated and seeded into a fresh SQLite file."""
    workdir = tmp_path_factory.mktemp("action-store")
    env = {"STORE_DATABASE_URL": f"sqlite:///{workdir / 'store.db'}"}
    for command in ("migrate", "seed"):
        subprocess.run(
            [APP_PYTHON, "-m", "store", command],
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )
    ports = Ports(store=free_port())
    with Stack(log_dir=workdir / "logs") as stack:
        stack.start(store_spec(ports, env=env))
        stack.wait_healthy(timeout=60)
        yield f"http://127.0.0.1:{ports.store}"


def configure(store_url: str, **changes: Any) -> ActionSettings:
    settings = ActionSettings.from_env(
        {
            "STORE_URL": store_url,
            "SHOPDESK_VERIFICATION_SECRET": VERIFICATION_SECRET,
            "SHOPDESK_IDENTITY_SECRET": IDENTITY_SECRET,
            **changes,
        }
    )
    bootstrap.configure(settings)
    return settings


@pytest.fixture
def services(store_url: str) -> ActionSettings:
    return configure(store_url)


def load_tracker(name: str, **slot_changes: Any) -> Tracker:
    state = json.loads((TRACKERS / f"{name}.json").read_text())
    state["slots"].update(slot_changes)
    return Tracker.from_dict(state)
