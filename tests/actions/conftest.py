"""Action tests: real actions, saved tracker states, a real store service over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker

from actions import bootstrap
from actions.settings import ActionSettings
from tests.support.stack import SEEDED_STORE_TOKEN, seeded_store

TRACKERS = Path(__file__).parent / "trackers"
VERIFICATION_SECRET = "action-tests-verification-secret-0123456789"
IDENTITY_SECRET = "action-tests-identity-secret-0123456789"
ACTION_SERVER_TOKEN = "action-tests-action-server-token-0123456789"


@pytest.fixture(scope="session")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The reference store, migrated and seeded into a fresh SQLite file."""
    env = {"SHOPDESK_IDENTITY_SECRET": IDENTITY_SECRET}  # its storefront signs shoppers in
    with seeded_store(tmp_path_factory.mktemp("action-store"), env=env) as url:
        yield url


def configure(store_url: str, **changes: Any) -> ActionSettings:
    settings = ActionSettings.from_env(
        {
            "STORE_URL": store_url,
            "STORE_API_TOKEN": SEEDED_STORE_TOKEN,
            "SHOPDESK_VERIFICATION_SECRET": VERIFICATION_SECRET,
            "SHOPDESK_IDENTITY_SECRET": IDENTITY_SECRET,
            "ACTION_SERVER_TOKEN": ACTION_SERVER_TOKEN,
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
