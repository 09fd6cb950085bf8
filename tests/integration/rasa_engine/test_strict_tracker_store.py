"""bot/strict_tracker_store.py against the original it replaces (Rasa's FailSafeTrackerStore
hooks), and bot/turns.py's pieces that read Rasa's events: which replies a resent message
gets, and which failures are outages (503) rather than errors.

Runs in the Rasa engine's environment (`make test` runs it there)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import psycopg2
import pytest
import rasa
import sqlalchemy.exc
from rasa.core.lock_store import LockError
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import strict_tracker_store
from bot.strict_tracker_store import TrackerStoreUnavailable
from bot.turns import is_outage, message_id, replies_to


class DatabaseDown(InMemoryTrackerStore):
    """A tracker store whose database does not answer (what psycopg2 raises then)."""

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        raise psycopg2.OperationalError("connection refused")

    async def save(self, tracker: DialogueStateTracker) -> None:
        raise psycopg2.OperationalError("connection refused")


@pytest.fixture
def strict() -> Iterator[None]:
    assert strict_tracker_store.install({})
    yield
    strict_tracker_store.uninstall()


def _tracker(sender: str = "jo") -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, [UserUttered("hi")])


def test_with_the_patch_a_failing_store_fails_the_turn(strict: None) -> None:
    store = FailSafeTrackerStore(DatabaseDown(Domain.empty()))
    with pytest.raises(TrackerStoreUnavailable) as read:
        asyncio.run(store.retrieve("jo"))
    assert isinstance(read.value.__cause__, psycopg2.OperationalError)
    with pytest.raises(TrackerStoreUnavailable):
        asyncio.run(store.save(_tracker()))
    assert is_outage(read.value)


def test_the_original_falls_back_to_memory_which_the_patch_removes() -> None:
    strict_tracker_store.uninstall()
    store = FailSafeTrackerStore(DatabaseDown(Domain.empty()))
    assert asyncio.run(store.retrieve("jo")) is None  # a fresh conversation: forgotten
    asyncio.run(store.save(_tracker()))  # "saved" in memory only
    assert asyncio.run(store.fallback_tracker_store.retrieve("jo")) is not None


def test_a_working_store_is_used_as_before(strict: None) -> None:
    store = FailSafeTrackerStore(InMemoryTrackerStore(Domain.empty()))
    asyncio.run(store.save(_tracker()))
    tracker = asyncio.run(store.retrieve("jo"))
    assert tracker is not None and tracker.latest_message.text == "hi"


def test_switched_off_it_keeps_rasas_behaviour() -> None:
    assert strict_tracker_store.install({"SHOPDESK_TRACKER_STORE_FALLBACK": "memory"}) is False
    store = FailSafeTrackerStore(DatabaseDown(Domain.empty()))
    assert asyncio.run(store.retrieve("jo")) is None
    with pytest.raises(ValueError, match="SHOPDESK_TRACKER_STORE_FALLBACK"):
        strict_tracker_store.install({"SHOPDESK_TRACKER_STORE_FALLBACK": "sometimes"})


def test_another_rasa_version_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    strict_tracker_store.uninstall()
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(RuntimeError, match="written for Rasa 3.6.21, not 3.7.0"):
        strict_tracker_store.install({})


def test_a_resent_message_gets_the_replies_it_got_the_first_time() -> None:
    events = [
        ActionExecuted("action_listen"),
        UserUttered("where is order 10023?", metadata={"message_id": "m-1"}),
        BotUttered("What email?", data={"buttons": [{"title": "x", "payload": "/x"}]}),
        ActionExecuted("action_listen"),
        UserUttered("jo@example.com", metadata={"message_id": "m-2"}),
        SlotSet("email", "jo@example.com"),
        BotUttered("On its way with UPS."),
        BotUttered("Tracking: 1Z999"),
        ActionExecuted("action_listen"),
        UserUttered("thanks", metadata={"message_id": "m-3"}),
    ]
    # as Rasa sent them the first time (the processor sends `BotUttered.message()`)
    assert replies_to(events, "m-1") == [events[2].message()]
    assert replies_to(events, "m-1")[0]["buttons"] == [{"title": "x", "payload": "/x"}]
    assert [r["text"] for r in replies_to(events, "m-2")] == [
        "On its way with UPS.", "Tracking: 1Z999"
    ]
    assert replies_to(events, "m-3") == []  # handled, nothing said (yet)
    assert replies_to(events, "m-4") is None  # never handled: handle it now


def test_only_a_usable_message_id_counts() -> None:
    assert message_id({"message_id": "abc"}) == "abc"
    assert message_id({"message_id": ""}) is None
    assert message_id({"message_id": 7}) is None
    assert message_id({"message_id": "x" * 129}) is None
    assert message_id(None) is None


def test_outages_are_told_from_other_failures() -> None:
    assert is_outage(LockError("redis down"))
    assert is_outage(sqlalchemy.exc.OperationalError("select", {}, Exception("gone")))
    try:
        try:
            raise psycopg2.InterfaceError("connection already closed")
        except psycopg2.Error as cause:
            raise TrackerStoreUnavailable("the tracker store failed") from cause
    except TrackerStoreUnavailable as wrapped:
        assert is_outage(wrapped)
    assert not is_outage(ValueError("a bug"))
    assert not is_outage(TrackerStoreUnavailable("no database cause"))
    assert not is_outage(psycopg2.DataError("invalid byte sequence"))
