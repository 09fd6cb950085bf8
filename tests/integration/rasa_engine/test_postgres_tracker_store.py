"""bot.tracker_store.PostgresTrackerStore against Rasa's own SQLTrackerStore on PostgreSQL.

The same conversation script (sessions, turns, empty saves, a conversation without a session
start) runs once with each store, each in a fresh process, Rasa's with nothing of ours
imported, against its own pair of databases. Both must leave the same rows in the tracker
and broker tables and return the same events from `retrieve` and `retrieve_full_tracker`.

Runs in the Rasa engine's environment (`make test` runs it there)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest

from tests.integration.rasa_engine.conftest import PG

ROOT = Path(__file__).resolve().parents[3]


def run_script(kind: str, tracker_db: str, events_db: str) -> dict:
    """The conversation script; prints what the store returned (run in a subprocess)."""
    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import (
        ActionExecuted,
        BotUttered,
        SessionStarted,
        SlotSet,
        UserUttered,
    )
    from rasa.shared.core.trackers import DialogueStateTracker

    if kind == "ours":
        from bot.tracker_store import PostgresTrackerStore as store_class
    else:  # the reference: Rasa's own code, none of bot/rasa_patches.py's patches
        store_class = SQLTrackerStore
        assert SQLTrackerStore.save.__module__ == "rasa.core.tracker_store"
        assert SQLTrackerStore._retrieve.__module__ == "rasa.core.tracker_store"
    broker = SQLEventBroker(dialect="postgresql", host="127.0.0.1", port=5432, db=events_db,
                            username="postgres")
    store = store_class(Domain.empty(), dialect="postgresql", host="127.0.0.1", port=5432,
                        db=tracker_db, username="postgres", event_broker=broker)

    def turn(t: float, text: str, intent: str, reply: str) -> list:
        return [
            ActionExecuted("action_listen", timestamp=t),
            UserUttered(text, intent={"name": intent, "confidence": 0.9}, timestamp=t + 0.1),
            SlotSet("last_intent", intent, timestamp=t + 0.2),
            ActionExecuted(f"utter_{intent}", timestamp=t + 0.3),
            BotUttered(reply, timestamp=t + 0.4),
        ]

    def dump(tracker: DialogueStateTracker | None) -> list | None:
        return None if tracker is None else [e.as_dict() for e in tracker.events]

    async def main() -> dict:
        seen: dict[str, list | None] = {}
        a = DialogueStateTracker.from_events("a", [SessionStarted(timestamp=1.0)])
        for event in turn(1.5, "hi", "greet", "Hello!"):
            a.update(event)
        await store.save(a)
        await store.save(a)  # nothing new
        a = await store.retrieve("a")
        seen["a after turn 1"] = dump(a)
        for event in turn(3.0, "where is my order", "order_status", "Which order?"):
            a.update(event)
        await store.save(a)
        # a new session: retrieve returns only its events, the full tracker all of them
        a = await store.retrieve("a")
        a.update(SessionStarted(timestamp=10.0))
        for event in turn(10.5, "back again", "greet", "Welcome back!"):
            a.update(event)
        await store.save(a)
        seen["a last session"] = dump(await store.retrieve("a"))
        seen["a full"] = dump(await store.retrieve_full_tracker("a"))
        a = await store.retrieve("a")
        for event in turn(12.0, "thanks", "thanks", "You're welcome."):
            a.update(event)
        await store.save(a)
        seen["a last session, 2 turns"] = dump(await store.retrieve("a"))
        # two saves of one retrieved tracker (the first save's new rows must count); a new
        # session saved from a retrieved tracker; then two saves of the next retrieval
        a = await store.retrieve("a")
        for event in turn(13.0, "one", "inform", "Noted."):
            a.update(event)
        await store.save(a)
        for event in turn(14.0, "two", "inform", "Noted again."):
            a.update(event)
        await store.save(a)
        a = await store.retrieve("a")
        a.update(SessionStarted(timestamp=30.0))
        await store.save(a)
        a = await store.retrieve("a")
        for event in turn(30.5, "three", "inform", "And again."):
            a.update(event)
        await store.save(a)
        await store.save(a)  # nothing new
        if kind == "ours":  # what the tracker carries instead of a count query
            import copy

            from bot.tracker_store import stored_rows

            seen["carried"] = stored_rows(a)
            seen["carried by a copy"] = stored_rows(copy.deepcopy(a))
        seen["a after saves of retrieved trackers"] = dump(await store.retrieve("a"))
        seen["a full, at the end"] = dump(await store.retrieve_full_tracker("a"))
        # a conversation that never had a session start
        b = DialogueStateTracker.from_events("b", turn(20.0, "yo", "greet", "Hi!"))
        await store.save(b)
        b = await store.retrieve("b")
        for event in turn(21.0, "bye", "goodbye", "Bye!"):
            b.update(event)
        await store.save(b)
        seen["b"] = dump(await store.retrieve("b"))
        seen["nobody"] = dump(await store.retrieve("nobody"))
        return seen

    return asyncio.run(main())


def _table(db: str, columns: str) -> list[tuple]:
    with psycopg2.connect(dbname=db, **PG) as conn, conn.cursor() as cur:
        cur.execute(f"SELECT {columns} FROM events ORDER BY id")  # noqa: S608 - test constants
        return cur.fetchall()


def _run_in_fresh_process(kind: str, tracker_db: str, events_db: str) -> dict:
    code = (
        "import json, sys\n"
        "from tests.integration.rasa_engine.test_postgres_tracker_store import run_script\n"
        "print('RESULT ' + json.dumps(run_script(*sys.argv[1:])))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"}
    done = subprocess.run([sys.executable, "-c", code, kind, tracker_db, events_db], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    (line,) = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
    return json.loads(line[len("RESULT "):])


def test_same_rows_and_same_retrievals_as_rasas_sql_tracker_store(new_database) -> None:
    results, tables = {}, {}
    for kind in ("rasa", "ours"):
        tracker_db, events_db = new_database(), new_database()
        results[kind] = _run_in_fresh_process(kind, tracker_db, events_db)
        tables[kind] = (
            _table(tracker_db,
                   "id, sender_id, type_name, timestamp, intent_name, action_name, data"),
            _table(events_db, "id, sender_id, data"),
        )
    # a saved tracker knows how many of its rows are stored, as the count query would say
    carried = results["ours"].pop("carried")
    assert results["ours"].pop("carried by a copy") is None  # a copy counts again
    assert carried == len(results["ours"]["a after saves of retrieved trackers"]) == 1 + 5
    assert results["ours"] == results["rasa"]
    assert tables["ours"] == tables["rasa"]
    stored, published = tables["ours"]
    # the script's 9 turns of 5 events and 3 session starts, each stored and published once
    assert len(stored) == len(published) == 9 * 5 + 3
    assert results["ours"]["nobody"] is None
    assert len(results["ours"]["a full"]) == 2 + 3 * 5
    assert len(results["ours"]["a last session"]) == 1 + 5
    assert [json.loads(d)["event"] for (_, _, d) in published] == [
        json.loads(row[-1])["event"] for row in stored]


def test_another_kind_of_broker_gets_each_new_event_once_in_order(new_database) -> None:
    from rasa.core.brokers.broker import EventBroker
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.tracker_store import PostgresTrackerStore

    class Recording(EventBroker):
        def __init__(self) -> None:
            self.published: list[dict] = []

        def publish(self, event: dict) -> None:
            self.published.append(event)

    broker = Recording()
    tracker_db = new_database()
    store = PostgresTrackerStore(Domain.empty(), dialect="postgresql", host="127.0.0.1",
                                 port=5432, db=tracker_db, username="postgres",
                                 event_broker=broker)

    async def main() -> None:
        tracker = DialogueStateTracker.from_events("c", [SessionStarted(timestamp=1.0)])
        for t in range(3):
            if t:
                tracker = await store.retrieve("c")
            tracker.update(ActionExecuted("action_listen", timestamp=2.0 + t))
            tracker.update(UserUttered(f"message {t}", timestamp=2.5 + t))
            await store.save(tracker)
            await store.save(tracker)

    asyncio.run(main())
    stored = [json.loads(d) for (d,) in _table(tracker_db, "data")]
    assert [e["sender_id"] for e in broker.published] == ["c"] * 7
    assert [{k: v for k, v in e.items() if k != "sender_id"} for e in broker.published] == stored
    assert [e["text"] for e in stored if e["event"] == "user"] == [f"message {t}" for t in range(3)]


def test_refuses_a_database_other_than_postgresql(tmp_path) -> None:
    from rasa.shared.core.domain import Domain

    from bot.tracker_store import PostgresTrackerStore

    with pytest.raises(ValueError, match="dialect: postgresql"):
        PostgresTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.db"))


def test_a_save_after_another_instance_took_the_conversation_over_is_refused(
    new_database,
) -> None:
    """Fencing: instance A reads a conversation and is frozen past its lock's lease; B takes
    the conversation over, handles a turn and saves it; A resumes and saves its own turn.
    A's save must write nothing (its events would land after B's, or repeat them) and fail
    the turn as retryable; a save of a tracker read after B's is accepted."""
    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.tracker_store import PostgresTrackerStore
    from bot.turns import ConversationChanged, is_outage

    tracker_db, events_db = new_database(), new_database()

    def instance() -> PostgresTrackerStore:
        broker = SQLEventBroker(dialect="postgresql", host="127.0.0.1", port=5432,
                                db=events_db, username="postgres")
        return PostgresTrackerStore(Domain.empty(), dialect="postgresql", host="127.0.0.1",
                                    port=5432, db=tracker_db, username="postgres",
                                    event_broker=broker)

    def turn(tracker: DialogueStateTracker, t: float, text: str) -> None:
        tracker.update(UserUttered(text, timestamp=t))
        tracker.update(ActionExecuted("action_listen", timestamp=t + 0.1))

    a, b = instance(), instance()

    async def main() -> None:
        first = DialogueStateTracker.from_events(
            "c", [SessionStarted(timestamp=1.0), ActionExecuted("action_listen", timestamp=1.1)]
        )
        await a.save(first)
        on_a = await a.retrieve("c")  # A's turn starts; A is frozen here
        on_b = await b.retrieve("c")  # B takes the conversation over
        turn(on_b, 2.0, "handled by B")
        await b.save(on_b)
        turn(on_a, 3.0, "handled by A")  # A resumes
        with pytest.raises(ConversationChanged) as refused:
            await a.save(on_a)
        assert is_outage(refused.value)  # answered 503, retryable
        again = await a.retrieve("c")  # a resend on A reads B's turn, and is accepted
        turn(again, 4.0, "resent to A")
        await a.save(again)

    asyncio.run(main())
    stored = [json.loads(d) for (d,) in _table(tracker_db, "data")]
    published = [json.loads(d) for (d,) in _table(events_db, "data")]
    assert [e["text"] for e in stored if e["event"] == "user"] == ["handled by B", "resent to A"]
    assert len(published) == len(stored) == 2 + 2 * 2  # nothing of A's refused turn anywhere
