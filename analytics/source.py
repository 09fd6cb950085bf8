"""Reading Rasa's SQL tracker store (the `events` table) and the handoff outbox.

Rasa writes one row per event: `sender_id`, `type_name`, `timestamp` (epoch seconds),
`intent_name` (user messages), `action_name` (the action's name, or the slot's name for a
slot event) and `data` (the whole event as JSON). The query keeps only the rows the report
needs, pulls the two JSON fields it needs out in SQL (a bot message's response name, a
slot's value), and streams the result in (sender, id) order with a server-side cursor, so
memory stays flat however many conversations there are.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from analytics.conversations import EventRow
from common import outcomes as oc
from handoff.db import comments, outbox, ticket_events, tickets

ACTIONS_READ = (*sorted(oc.FALLBACK_ACTIONS), oc.ESCALATE_ACTION, oc.START_HANDOFF_ACTION)
SLOTS_READ = (
    oc.HANDOFF_REFERENCE_SLOT,
    oc.HANDOFF_REASON_SLOT,
    oc.VERIFICATION_OUTCOME_SLOT,
    oc.VERIFICATION_FAILURES_SLOT,
    oc.CSAT_ASKED_SLOT,
    oc.CSAT_SCORE_SLOT,
    oc.CSAT_COMMENT_SLOT,
    oc.REQUESTED_SLOT,
    oc.LANGUAGE_SLOT,
)
FETCH_ROWS = 20_000
TEXT_BATCH = 500


class ReportSourceError(RuntimeError):
    """A database the report reads is missing or unreadable; the message says which."""


def _json_sql(dialect: str, path: str) -> str:
    """A JSON field of `data` as text: path like 'metadata.utter_action'."""
    if dialect == "sqlite":
        return f"json_extract(data, '$.{path}')"
    if dialect == "postgresql":
        *parents, leaf = path.split(".")
        chain = "".join(f" -> '{p}'" for p in parents)
        return f"(data::json{chain} ->> '{leaf}')"
    raise ReportSourceError(f"tracker store dialect {dialect!r} is not supported")


def _detail_sql(dialect: str) -> str:
    return (
        f"CASE type_name WHEN 'bot' THEN {_json_sql(dialect, 'metadata.utter_action')} "
        f"WHEN 'slot' THEN {_json_sql(dialect, 'value')} "
        f"WHEN 'user' THEN {_json_sql(dialect, 'input_channel')} END"
    )


def _extra_sql(dialect: str) -> str:
    # Only settling replies carry a value: a substring test first spares parsing the rest.
    found = "instr(data, '{key}') > 0" if dialect == "sqlite" else "strpos(data, '{key}') > 0"
    return (
        f"CASE WHEN type_name = 'bot' AND {found.format(key=oc.VALUE_KEY)} "
        f"THEN {_json_sql(dialect, 'metadata.' + oc.VALUE_KEY)} END"
    )


def _like_prefix(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _event_query(
    dialect: str, *, excluded_prefixes: tuple[str, ...], one_sender: bool = False
) -> sa.TextClause:
    actions = ", ".join(f"'{name}'" for name in ACTIONS_READ)
    slots = ", ".join(f"'{name}'" for name in SLOTS_READ)
    excluded = "".join(
        f" AND sender_id NOT LIKE :prefix{n} ESCAPE '\\'" for n in range(len(excluded_prefixes))
    )
    if one_sender:
        excluded += " AND sender_id = :sender"
    return sa.text(
        f"SELECT id, sender_id, type_name, timestamp, intent_name, action_name, "
        f"CAST({_detail_sql(dialect)} AS TEXT) AS detail, {_extra_sql(dialect)} AS extra "
        f"FROM events "
        f"WHERE timestamp >= :lo AND timestamp < :hi{excluded} AND ("
        f"type_name IN ('user', 'bot', 'session_started', 'restart', 'active_loop') "
        f"OR (type_name = 'action' AND action_name IN ({actions})) "
        f"OR (type_name = 'slot' AND action_name IN ({slots}))) "
        f"ORDER BY sender_id, id"
    )


def _failed(what: str, engine: Engine, exc: SQLAlchemyError) -> ReportSourceError:
    return ReportSourceError(
        f"cannot read {what} ({engine.url.render_as_string()}): "
        f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}"
    )


def tracker_rows(
    engine: Engine,
    *,
    lo: float,
    hi: float,
    excluded_prefixes: tuple[str, ...] = (),
    sender_id: str | None = None,
) -> Iterator[EventRow]:
    """Event rows with lo <= timestamp < hi, ordered by sender then event id (streamed);
    senders starting with one of `excluded_prefixes` (test traffic) are left out; with
    `sender_id`, that sender's rows only."""
    query = _event_query(
        engine.dialect.name, excluded_prefixes=excluded_prefixes, one_sender=sender_id is not None
    )
    params: dict[str, object] = {"lo": lo, "hi": hi, "sender": sender_id}
    params.update({f"prefix{n}": _like_prefix(p) for n, p in enumerate(excluded_prefixes)})
    if engine.dialect.name == "sqlite":
        yield from _sqlite_rows(engine, query, params)
        return
    try:
        with engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=FETCH_ROWS).execute(
                query, params
            )
            # Row by row: Result.partitions() reads the whole result first (measured: 257 MiB
            # for 20,000 conversations against 78 MiB streamed).
            yield from map(EventRow._make, result)
    except SQLAlchemyError as exc:
        raise _failed("the tracker store", engine, exc) from None


def _sqlite_rows(
    engine: Engine, query: sa.TextClause, params: dict[str, object]
) -> Iterator[EventRow]:
    """The same query through sqlite3's own cursor: SQLAlchemy's result rows cost as much
    CPU as SQLite's JSON work here (measured with `make bench-report`)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(query.text, params)
        while batch := cursor.fetchmany(FETCH_ROWS):
            yield from map(EventRow._make, batch)
    except sqlite3.Error as exc:
        raise ReportSourceError(
            f"cannot read the tracker store ({engine.url.render_as_string()}): "
            f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}"
        ) from None
    finally:
        raw.close()


def oldest_event_time(engine: Engine) -> float | None:
    """The timestamp of the oldest event in the tracker store (None: no events)."""
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("events"):
                return None
            value = conn.execute(sa.text("SELECT min(timestamp) FROM events")).scalar()
    except SQLAlchemyError as exc:
        raise _failed("the tracker store", engine, exc) from None
    return None if value is None else float(value)


def message_texts(engine: Engine, event_ids: Iterable[int]) -> dict[int, str]:
    """The text of the shopper messages with these event ids (read in batches)."""
    text = _json_sql(engine.dialect.name, "text")
    ids = sorted(set(event_ids))
    found: dict[int, str] = {}
    try:
        with engine.connect() as conn:
            for start in range(0, len(ids), TEXT_BATCH):
                batch = ids[start : start + TEXT_BATCH]
                query = sa.text(
                    f"SELECT id, {text} FROM events WHERE id IN :ids"
                ).bindparams(sa.bindparam("ids", expanding=True))
                for event_id, value in conn.execute(query, {"ids": batch}):
                    found[int(event_id)] = "" if value is None else str(value)
    except SQLAlchemyError as exc:
        raise _failed("the tracker store", engine, exc) from None
    return found


@dataclass(frozen=True)
class EscalationRow:
    conversation_id: str
    reason: str
    status: str  # pending | done | parked
    created_at: datetime
    reference: str = ""
    first_agent_reply_at: datetime | None = None
    solved_at: datetime | None = None

    @property
    def wait_seconds(self) -> float | None:
        """From the shopper being told "a person has it" to the first agent reply."""
        if self.first_agent_reply_at is None:
            return None
        return max(0.0, (self.first_agent_reply_at - self.created_at).total_seconds())

    @property
    def solve_seconds(self) -> float | None:
        if self.solved_at is None:
            return None
        return max(0.0, (self.solved_at - self.created_at).total_seconds())


# The kinds of the handoff service's ticket timeline (handoff.db.ticket_events, written by
# handoff.chat.record_ticket_event for every helpdesk) that the report reads.
AGENT_REPLY, SOLVED = "agent_reply", "solved"


def _agent_times(conn: Connection, *, start: datetime) -> dict[tuple[str, str, str], datetime]:
    """(conversation, reference, kind) -> the first agent reply / solve since `start`; the
    timeline is read when the handoff tables have it (migrated)."""
    if not sa.inspect(conn).has_table(ticket_events.name):
        return {}
    query = (
        sa.select(
            ticket_events.c.conversation_id,
            ticket_events.c.reference,
            ticket_events.c.kind,
            sa.func.min(ticket_events.c.at).label("at"),
        )
        .where(ticket_events.c.kind.in_((AGENT_REPLY, SOLVED)))
        .where(ticket_events.c.at >= start)
        .group_by(ticket_events.c.conversation_id, ticket_events.c.reference, ticket_events.c.kind)
    )
    found: dict[tuple[str, str, str], datetime] = {}
    for row in conn.execute(query):
        at = _aware(row.at)
        if at is not None:
            found[(row.conversation_id, row.reference, row.kind)] = at
    return found


def _first_agent_replies(conn: Connection, *, start: datetime) -> dict[int, datetime]:
    """Ticket id -> its first agent comment, for the built-in helpdesk's tickets that had
    one since `start` (a ticket is opened by an escalation, so its replies come after it)."""
    query = (
        sa.select(comments.c.ticket_id, sa.func.min(comments.c.created_at).label("at"))
        .where(comments.c.author == "agent")
        .where(comments.c.created_at >= start)
        .group_by(comments.c.ticket_id)
    )
    return {row.ticket_id: row.at for row in conn.execute(query)}


def _after(moment: datetime | None, start: datetime) -> datetime | None:
    return moment if moment is not None and moment >= start else None


def escalations(engine: Engine, *, start: datetime, end: datetime) -> list[EscalationRow]:
    """Escalations written to the handoff outbox with start <= created_at < end, with the
    first agent reply and the solve of each: from the handoff service's ticket events (any
    helpdesk) when it keeps them, else from the built-in helpdesk's tickets and comments."""
    # The first agent reply per ticket is read on its own and joined here: joined in SQL,
    # PostgreSQL without fresh statistics on the helpdesk tables re-aggregated every comment
    # for each escalation (41 s for 16,742 escalations in `make bench-report`).
    query = (
        sa.select(
            outbox.c.conversation_id,
            outbox.c.payload,
            outbox.c.status,
            outbox.c.created_at,
            tickets.c.id.label("ticket_id"),
            tickets.c.solved_at,
        )
        .select_from(
            outbox.outerjoin(tickets, tickets.c.external_id == outbox.c.idempotency_key)
        )
        .where(outbox.c.kind == "escalation")
        .where(outbox.c.created_at >= start)
        .where(outbox.c.created_at < end)
        .order_by(outbox.c.id)
    )
    try:
        with engine.connect() as conn:
            agent = _agent_times(conn, start=start)
            first_replies = _first_agent_replies(conn, start=start)
            found = []
            for row in conn.execute(query):
                reference = str((row.payload or {}).get("reference") or "")
                key = (row.conversation_id, reference)
                found.append(
                    EscalationRow(
                        conversation_id=row.conversation_id,
                        reason=str((row.payload or {}).get("reason") or "unknown"),
                        status=row.status,
                        created_at=row.created_at,
                        reference=reference,
                        first_agent_reply_at=_after(
                            agent.get((*key, AGENT_REPLY))
                            or _aware(first_replies.get(row.ticket_id)),
                            row.created_at,
                        ),
                        solved_at=_after(
                            agent.get((*key, SOLVED)) or _aware(row.solved_at), row.created_at
                        ),
                    )
                )
            return found
    except SQLAlchemyError as exc:
        raise _failed("the handoff outbox", engine, exc) from None


def _aware(value: datetime | None) -> datetime | None:
    """The handoff tables keep naive UTC; min() over them may come back naive."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@dataclass(frozen=True)
class TranscriptEvent:
    type_name: str  # user | bot | session_started | restart
    timestamp: float
    text: str | None
    label: str | None  # the intent of a shopper message


def transcript(engine: Engine, sender_id: str) -> list[TranscriptEvent]:
    """One sender's messages and session boundaries, in order."""
    text = _json_sql(engine.dialect.name, "text")
    query = sa.text(
        f"SELECT type_name, timestamp, {text} AS text, intent_name FROM events "
        "WHERE sender_id = :sender AND type_name IN ('user', 'bot', 'session_started', "
        "'restart') ORDER BY id"
    )
    try:
        with engine.connect() as conn:
            return [
                TranscriptEvent(row.type_name, float(row.timestamp or 0), row.text, row.intent_name)
                for row in conn.execute(query, {"sender": sender_id})
            ]
    except SQLAlchemyError as exc:
        raise _failed("the tracker store", engine, exc) from None
