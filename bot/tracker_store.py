"""The production profile's tracker store: Rasa's SQL tracker store on PostgreSQL, with each
turn's database work done in a few plain SQL statements instead of SQLAlchemy ORM sessions.

Why: with bot/rasa_patches.py applied, Rasa's SQL tracker store and SQL event broker took
~29% of a Rasa server's CPU under load, almost all of it SQLAlchemy ORM work (sessions, unit
of work, query compilation, one object per event) around four small queries per turn: read
the conversation, count its stored events, publish the new ones to the broker, insert them
into the tracker table.

What is the same as `rasa.core.tracker_store.SQLTrackerStore` (it is a subclass; tests in
tests/integration/rasa_engine/test_postgres_tracker_store.py compare the two):
- the tables, columns and rows: Rasa's `events` table (tracker database) and the SQL broker's
  `events` table (events database), so the handoff process, the KPI report and `forget` read
  and erase them as before, and `type: SQL` can be switched back at any time;
- which events a retrieve returns (those since the latest `session_started`, or all), in id
  order, rebuilt with Rasa's own `DialogueStateTracker.from_dict`;
- which events a save writes: those beyond the count of stored events since the latest
  session start (Rasa's `_additional_events`), published to the broker first, then stored;
  a save with nothing new writes nothing.

What differs:
- plain SQL through the engine's pooled DBAPI connections (psycopg2), one round trip per
  statement: a retrieve is one query; a save is one round trip that locks the conversation
  for the transaction and counts its stored events, and one multi-row insert per table;
- a save is fenced: a tracker this store read carries how many stored rows that read
  returned (STORED_ROWS_ATTR), and if the conversation has other rows by the time it is
  saved (another instance took the conversation over while this one was frozen past its
  lock's lease, then went on), the save writes nothing and raises `ConversationChanged`:
  the turn fails, retryable, instead of its events landing after the other instance's;
- a turn's new events are one transaction in each database (Rasa: one per event in the
  broker, one for the tracker rows), and each event is turned into a dict once, not twice;
- the database work runs in a worker thread, so while one conversation waits for PostgreSQL
  the server's event loop serves the others. One conversation's turns stay serial: the
  lock store holds its lock across the whole turn, save included.

A broker other than Rasa's SQL broker (Kafka, RabbitMQ) gets the new events through Rasa's own
publish, on the event loop, before they are stored.

PostgreSQL only (`dialect: postgresql`): the embedded default keeps Rasa's SQL store on SQLite.
Configured in bot/endpoints.production.yml (`type: bot.tracker_store.PostgresTrackerStore`,
the same keys as `type: SQL`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg2
from rasa.core.brokers.sql import SQLEventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.turns import ConversationChanged

# a stored conversation is read with ujson: ~2x quicker than `json.loads`, the same value
from common.fast_json import loads as read_json

# The events of one conversation since its latest session start (Rasa's `_event_query`):
# with no session start, all of them; an event without a timestamp only then.
_SINCE_SESSION_START = """
    WITH s AS (
        SELECT max(timestamp) AS start FROM events
        WHERE sender_id = %(sender)s AND type_name = %(session_started)s
    )
    SELECT {columns} FROM events e CROSS JOIN s
    WHERE e.sender_id = %(sender)s AND (s.start IS NULL OR e.timestamp >= s.start)
"""
# One text holding the rows' JSON as an array in id order: one value to fetch, one parse.
_RETRIEVE_SINCE_SESSION_START = _SINCE_SESSION_START.format(
    columns="'[' || coalesce(string_agg(e.data, ',' ORDER BY e.id), '') || ']'"
)
_RETRIEVE_ALL = """
    SELECT '[' || coalesce(string_agg(data, ',' ORDER BY id), '') || ']' FROM events
    WHERE sender_id = %(sender)s
"""
_COUNT_SINCE_SESSION_START = _SINCE_SESSION_START.format(columns="count(*)")
# The same count, after taking a lock on the conversation that the transaction holds until
# it ends: two saves of one conversation count and insert one after the other.
_LOCK_AND_COUNT = (
    "SELECT pg_advisory_xact_lock(hashtextextended(%(sender)s, 0));"
    + _COUNT_SINCE_SESSION_START
)
_INSERT_TRACKER_ROW = "(%s, %s, %s, %s, %s, %s)"
_INSERT_TRACKER_ROWS = (
    "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
    "VALUES "
)
_INSERT_BROKER_ROWS = "INSERT INTO events (sender_id, data) VALUES "


# Set on a tracker this store read (since its latest session start): how many of the
# conversation's stored rows that read returned, kept up to date by this store's saves. A
# save of that tracker expects the same count: under the lock store nobody else writes the
# conversation between the read and the save, and a different count means someone did.
# Dropped when a save writes a session start (the stored count "since the latest session
# start" then follows timestamps, and the count query decides again).
# Kept with the tracker's id, so that a copy of the tracker (copy.deepcopy copies its
# attributes) does not inherit a count that the original's saves then outdate.
STORED_ROWS_ATTR = "_shopdesk_stored_rows"


def stored_rows(tracker: DialogueStateTracker) -> int | None:
    """What STORED_ROWS_ATTR says for this very tracker object, or None."""
    mark = getattr(tracker, STORED_ROWS_ATTR, None)
    return mark[1] if mark is not None and mark[0] == id(tracker) else None


def _mark_stored_rows(tracker: DialogueStateTracker, rows: int | None) -> None:
    if rows is not None:
        setattr(tracker, STORED_ROWS_ATTR, (id(tracker), rows))
    elif hasattr(tracker, STORED_ROWS_ATTR):
        delattr(tracker, STORED_ROWS_ATTR)


class PostgresTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store (same tables and rows) with a lean per-turn path on PostgreSQL."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name != "postgresql":
            raise ValueError(
                "PostgresTrackerStore needs `dialect: postgresql`; "
                f"got {self.engine.dialect.name!r} (use `type: SQL` for other databases)"
            )

    # --- reading ------------------------------------------------------------------------

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        events = await asyncio.to_thread(
            self._read_events, sender_id, fetch_events_from_all_sessions
        )
        if self.domain and events:
            tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
            if not fetch_events_from_all_sessions:
                _mark_stored_rows(tracker, len(events))
            return tracker
        return None

    def _read_events(self, sender_id: str, all_sessions: bool) -> list[dict[str, Any]]:
        query = _RETRIEVE_ALL if all_sessions else _RETRIEVE_SINCE_SESSION_START
        with _transaction(self.engine) as cur:
            cur.execute(query, _params(sender_id))
            (array,) = cur.fetchone()
        return read_json(array)

    # --- writing ------------------------------------------------------------------------

    async def save(self, tracker: DialogueStateTracker) -> None:
        sender_id = tracker.sender_id
        broker = self.event_broker
        if broker is None or type(broker) is SQLEventBroker:
            await asyncio.to_thread(self._write_turn, tracker, broker)
            return
        # Another kind of broker: Rasa's own publish (on the loop), then store.
        new_events = await asyncio.to_thread(self._new_events, tracker)
        if not new_events:
            return
        await self._stream_new_events(broker, new_events, sender_id)
        await asyncio.to_thread(self._write_turn, tracker, None, new_events)

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        """Publishes the events not stored yet (Rasa's API; `save` already does this)."""
        if self.event_broker is None:
            return
        new_events = await asyncio.to_thread(self._new_events, tracker)
        await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)

    def _new_events(self, tracker: DialogueStateTracker) -> list[Any]:
        stored = stored_rows(tracker)
        if stored is None:
            with _transaction(self.engine) as cur:
                stored = _count_stored(cur, tracker.sender_id)
        return list(tracker.events)[stored:]

    def _write_turn(
        self,
        tracker: DialogueStateTracker,
        broker: SQLEventBroker | None,
        new_events: list[Any] | None = None,
    ) -> None:
        """Counts, publishes (SQL broker) and stores one turn's new events; nothing if the
        conversation changed since this tracker was read (ConversationChanged)."""
        sender_id = tracker.sender_id
        read = stored_rows(tracker)
        with _transaction(self.engine) as cur:
            cur.execute(_LOCK_AND_COUNT, _params(sender_id))
            stored = int(cur.fetchone()[0])
            if read is not None and stored != read:
                raise ConversationChanged(sender_id, read=read, stored=stored)
            if new_events is None:
                new_events = list(tracker.events)[stored:]
            if not new_events:
                return
            dicts = [event.as_dict() for event in new_events]
            if broker is not None:  # published first, as Rasa does
                _publish(broker, sender_id, dicts)
            rows: list[Any] = []
            for event, data in zip(new_events, dicts, strict=True):
                rows += (
                    sender_id,
                    event.type_name,
                    data.get("timestamp"),
                    data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                    data.get("name"),
                    json.dumps(data),
                )
            values = ",".join([_INSERT_TRACKER_ROW] * len(dicts))
            cur.execute(_INSERT_TRACKER_ROWS + values, rows)
        # committed: the tracker's rows now include these (see STORED_ROWS_ATTR)
        if read is None or any(isinstance(e, SessionStarted) for e in new_events):
            _mark_stored_rows(tracker, None)
        else:
            _mark_stored_rows(tracker, stored + len(new_events))


def _params(sender_id: str) -> dict[str, str]:
    return {"sender": sender_id, "session_started": SessionStarted.type_name}


def _count_stored(cur: Any, sender_id: str) -> int:
    cur.execute(_COUNT_SINCE_SESSION_START, _params(sender_id))
    (count,) = cur.fetchone()
    return int(count)


def _publish(broker: SQLEventBroker, sender_id: str, dicts: list[dict[str, Any]]) -> None:
    """The rows Rasa's SQL broker writes for these events, in one transaction."""
    rows: list[str] = []
    for data in dicts:
        body = {"sender_id": sender_id}
        body.update(data)
        rows += (sender_id, json.dumps(body))
    with _transaction(broker.engine) as cur:
        cur.execute(_INSERT_BROKER_ROWS + ",".join(["(%s, %s)"] * len(dicts)), rows)


# A connection that failed with these is dropped with its whole pool: after a PostgreSQL
# restart every pooled connection is dead, and each would fail one more turn.
_LOST_CONNECTION = (psycopg2.OperationalError, psycopg2.InterfaceError)


@contextmanager
def _transaction(engine: Any) -> Iterator[Any]:
    """A cursor on one of the engine's pooled DBAPI connections, in one transaction:
    committed when the block ends, rolled back if it raises; the connection goes back to
    the pool either way."""
    conn = engine.raw_connection()
    try:
        with conn.cursor() as cur:
            yield cur
        conn.commit()
    except BaseException as exc:
        try:
            conn.rollback()
        except Exception:  # noqa: BLE001 - the connection is gone; `exc` says why
            lost = True
        else:
            lost = isinstance(exc, _LOST_CONNECTION)
        if lost:
            # PostgreSQL went away: every pooled connection is dead, not just this one. A
            # new pool (the old one's connections are closed as they come back) means one
            # failed turn, not one per pooled connection.
            conn.invalidate()
            engine.dispose()
        raise
    finally:
        conn.close()
