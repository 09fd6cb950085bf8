"""The `sql_errors_not_exit` patch (bot/rasa_patches.py) against the original it replaces
(Rasa's `SQLTrackerStore.session_scope`, captured at run time): Rasa's scope exits the
process on any ValueError raised while a conversation is written; patched, that error leaves
as itself and the server goes on, while a missing PostgreSQL schema still stops it.

Runs in the Rasa engine's environment (`make test` runs it there)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import rasa.core.tracker_store as tracker_store
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import rasa_patches
from bot.rasa_patches import PATCHES

# What a lone surrogate in an action name posted through Rasa's HTTP API becomes.
UNSTORABLE = DialogueStateTracker.from_events("api-caller", [ActionExecuted("\ud800")])


@pytest.fixture
def patched() -> Iterator[None]:
    rasa_patches.remove_all()
    assert rasa_patches.install("sql_errors_not_exit") == {"sql_errors_not_exit"}
    yield
    rasa_patches.remove_all()


def _store(tmp_path: Path) -> SQLTrackerStore:
    return SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))


def test_the_original_exits_the_process_on_an_unstorable_event(tmp_path: Path) -> None:
    rasa_patches.remove_all()
    with pytest.raises(SystemExit):
        asyncio.run(_store(tmp_path).save(UNSTORABLE))


def test_patched_the_error_fails_the_call_and_the_store_goes_on(
    patched: None, tmp_path: Path
) -> None:
    store = _store(tmp_path)
    with pytest.raises(UnicodeEncodeError):
        asyncio.run(store.save(UNSTORABLE))
    ordinary = DialogueStateTracker.from_events("jo", [UserUttered("hi")])
    asyncio.run(store.save(ordinary))
    stored = asyncio.run(store.retrieve("jo"))
    assert stored is not None and [e.text for e in stored.events] == ["hi"]


def test_patched_a_missing_schema_still_stops_as_rasa_meant(
    patched: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _store(tmp_path)

    def schema_missing(session: object) -> None:
        raise ValueError("shopdesk")

    monkeypatch.setattr(tracker_store, "ensure_schema_exists", schema_missing)
    with pytest.raises(SystemExit):
        asyncio.run(store.retrieve("jo"))
    rasa_patches.remove_all()
    original = PATCHES["sql_errors_not_exit"].original
    assert original is tracker_store.SQLTrackerStore.__dict__["session_scope"]
    with pytest.raises(SystemExit):
        asyncio.run(store.retrieve("jo"))
