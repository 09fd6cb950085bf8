"""The `strict_tracker_store` patch (bot/rasa_patches.py) against the original it replaces
(Rasa's `Agent._create_tracker_store`, captured at run time), and bot/turns.py's pieces that
read Rasa's events: which replies a resent message gets, and which failures are outages
(503) rather than errors.

Runs in the Rasa engine's environment (`make test` runs it there)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import psycopg2
import pytest
import sqlalchemy.exc
from rasa.core.agent import Agent
from rasa.core.lock_store import LockError
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import rasa_patches
from bot.rasa_patches import PATCHES, TrackerStoreUnavailable
from bot.turns import is_outage, message_id, replies_to


class DatabaseDown(InMemoryTrackerStore):
    """A tracker store whose database does not answer (what psycopg2 raises then)."""

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        raise psycopg2.OperationalError("connection refused")

    async def save(self, tracker: DialogueStateTracker) -> None:
        raise psycopg2.OperationalError("connection refused")


@pytest.fixture
def strict() -> Iterator[None]:
    rasa_patches.remove_all()
    assert rasa_patches.install("strict_tracker_store") == {"strict_tracker_store"}
    yield
    rasa_patches.remove_all()


@pytest.fixture
def unpatched() -> Iterator[None]:
    rasa_patches.remove_all()
    yield
    rasa_patches.remove_all()


def _agents_store(store: TrackerStore) -> TrackerStore:
    """The tracker store an Agent (what `rasa run` builds) uses for `store`."""
    return Agent(domain=Domain.empty(), tracker_store=store).tracker_store


def _tracker(sender: str = "jo") -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, [UserUttered("hi")])


def test_with_the_patch_a_failing_store_fails_the_turn(strict: None) -> None:
    store = _agents_store(DatabaseDown(Domain.empty()))
    with pytest.raises(TrackerStoreUnavailable) as read:
        asyncio.run(store.retrieve("jo"))
    assert isinstance(read.value.__cause__, psycopg2.OperationalError)
    with pytest.raises(TrackerStoreUnavailable):
        asyncio.run(store.save(_tracker()))
    assert is_outage(read.value)


def test_the_original_falls_back_to_memory_which_the_patch_removes(strict: None) -> None:
    rasas = PATCHES["strict_tracker_store"].original  # Rasa's own, captured when applied
    store = rasas(DatabaseDown(Domain.empty()), Domain.empty())
    assert isinstance(store, FailSafeTrackerStore)
    assert asyncio.run(store.retrieve("jo")) is None  # a fresh conversation: forgotten
    asyncio.run(store.save(_tracker()))  # "saved" in memory only
    assert asyncio.run(store.fallback_tracker_store.retrieve("jo")) is not None


def test_a_working_store_is_used_as_before(strict: None) -> None:
    domain = Domain.from_dict({"intents": ["greet"]})
    primary = InMemoryTrackerStore(Domain.empty())
    store = Agent(domain=domain, tracker_store=primary).tracker_store
    assert isinstance(store, FailSafeTrackerStore) and primary.domain is domain  # as Rasa's
    asyncio.run(store.save(_tracker()))
    tracker = asyncio.run(store.retrieve("jo"))
    assert tracker is not None and tracker.latest_message.text == "hi"
    assert asyncio.run(primary.retrieve("jo")) is not None  # in the primary store
    assert isinstance(_agents_store(None), FailSafeTrackerStore)  # no store: memory, as Rasa


def test_switched_off_it_keeps_rasas_behaviour(unpatched: None) -> None:
    assert "strict_tracker_store" not in rasa_patches.install("none")
    store = _agents_store(DatabaseDown(Domain.empty()))
    assert asyncio.run(store.retrieve("jo")) is None
    assert "strict_tracker_store" not in rasa_patches.install("event_type_cache")
    assert asyncio.run(_agents_store(DatabaseDown(Domain.empty())).retrieve("jo")) is None


def test_another_rasa_version_is_refused(
    unpatched: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(rasa_patches.WRITTEN_FOR, "rasa", "3.7.0")
    assert rasa_patches.install("strict_tracker_store") == frozenset()
    assert asyncio.run(_agents_store(DatabaseDown(Domain.empty())).retrieve("jo")) is None


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
