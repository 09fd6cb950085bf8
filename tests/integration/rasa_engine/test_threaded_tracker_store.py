"""The production profile's tracker store on PostgreSQL (`type:
bot.tracker_store.PostgresTrackerStore`): queries run off the server's event loop, so one
conversation waiting for the database does not stop the others, and every event is still
stored and published exactly once, in order.

Runs in the Rasa engine's environment (`make test` runs it there)."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import psycopg2
import pytest

from bot import rasa_patches
from tests.integration.rasa_engine.conftest import PG


@pytest.fixture
def databases(new_database) -> tuple[str, str]:  # noqa: ANN001 - conftest fixture
    return new_database(), new_database()


STORES = ["postgres_tracker_store"]


def _stores(tracker_db: str, events_db: str, kind: str):  # noqa: ANN202 - Rasa types
    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    from bot.tracker_store import PostgresTrackerStore

    store_class = PostgresTrackerStore if kind == "postgres_tracker_store" else SQLTrackerStore

    broker = SQLEventBroker(dialect="postgresql", host="127.0.0.1", port=5432, db=events_db,
                            username="postgres")
    store = store_class(Domain.empty(), dialect="postgresql", host="127.0.0.1", port=5432,
                            db=tracker_db, username="postgres", event_broker=broker)
    return store, broker


def _rows(db: str, sender: str) -> list[dict]:
    with psycopg2.connect(dbname=db, **PG) as conn, conn.cursor() as cur:
        cur.execute("SELECT data FROM events WHERE sender_id = %s ORDER BY id", (sender,))
        return [json.loads(data) for (data,) in cur.fetchall()]


@pytest.mark.parametrize("kind", STORES)
def test_concurrent_conversations_store_and_publish_each_event_once(databases, kind) -> None:
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    assert rasa_patches.install("all")
    tracker_db, events_db = databases
    store, _ = _stores(tracker_db, events_db, kind)
    senders = [f"shopper-{i}" for i in range(6)]

    async def conversation(sender: str) -> None:
        tracker = DialogueStateTracker.from_events(sender, [SessionStarted()])
        for turn in range(5):
            if turn:
                tracker = await store.retrieve(sender)
            tracker.update(ActionExecuted("action_listen"))
            tracker.update(UserUttered(f"{sender} message {turn}"))
            tracker.update(BotUttered(f"reply {turn}"))
            await store.save(tracker)
        await store.save(tracker)  # nothing new: nothing written or published

    async def main() -> None:
        await asyncio.gather(*(conversation(s) for s in senders))

    asyncio.run(main())
    for sender in senders:
        stored, published = _rows(tracker_db, sender), _rows(events_db, sender)
        users = [e["text"] for e in stored if e["event"] == "user"]
        assert users == [f"{sender} message {t}" for t in range(5)]
        assert [(e["event"], e["timestamp"]) for e in published] == [
            (e["event"], e["timestamp"]) for e in stored]
        assert len(stored) == 1 + 5 * 3


@pytest.mark.parametrize("kind", STORES)
def test_a_conversation_waiting_for_the_database_does_not_stop_the_others(databases, kind) -> None:
    """The tracker table is locked against writes by someone else: one conversation's save
    waits for it, and meanwhile another conversation is read and answered."""
    from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    assert rasa_patches.install("all")
    tracker_db, events_db = databases
    store, _ = _stores(tracker_db, events_db, kind)

    async def main() -> None:
        other = DialogueStateTracker.from_events("other", [SessionStarted()])
        other.update(UserUttered("already here"))
        await store.save(other)
        waiting = DialogueStateTracker.from_events("waiting", [SessionStarted()])
        waiting.update(ActionExecuted("action_listen"))
        waiting.update(UserUttered("my save has to wait"))

        locker = psycopg2.connect(dbname=tracker_db, **PG)
        cur = locker.cursor()
        cur.execute("BEGIN; LOCK TABLE events IN EXCLUSIVE MODE")  # reads allowed, no writes
        # Released by another thread after 3 s, so that a blocked loop fails the test
        # instead of hanging it.
        release = threading.Timer(3.0, locker.rollback)
        release.start()
        try:
            started = time.monotonic()
            save = asyncio.create_task(store.save(waiting))
            await asyncio.sleep(0.3)
            read = await asyncio.wait_for(store.retrieve("other"), timeout=10)
            read_after = time.monotonic() - started
            assert [e.text for e in read.events if isinstance(e, UserUttered)] == [
                "already here"]
            # The other conversation was served while the save still waited for the lock.
            assert read_after < 2.5 and not save.done(), read_after
            await asyncio.wait_for(save, timeout=10)
        finally:
            release.join()
            locker.close()

    asyncio.run(main())
    assert [e["text"] for e in _rows(tracker_db, "waiting") if e["event"] == "user"] == [
        "my save has to wait"]
