"""Reading Rasa's SQL tracker store (the `events` table) and the handoff outbox.

Rasa writes one row per event: `sender_id`, `type_name`, `timestamp` (epoch seconds),
`intent_name` (user messages), `action_name` (the action's name, or the slot's name for a
slot event) and `data` (the whole event as JSON). The query keeps only the rows the report
needs, pulls the two JSON fields it needs out in SQL (a bot message's response name, a
slot's value), and streams the result in (sender, id) order with a server-side cursor, so
memory stays flat however many conversations there are.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from analytics import outcomes as oc
from analytics.conversations import EventRow

ACTIONS_READ = (*sorted(oc.FALLBACK_ACTIONS), oc.ESCALATE_ACTION)
SLOTS_READ = (
    oc.HANDOFF_REFERENCE_SLOT,
    oc.HANDOFF_REASON_SLOT,
    oc.VERIFICATION_OUTCOME_SLOT,
    oc.VERIFICATION_FAILURES_SLOT,
    oc.CSAT_ASKED_SLOT,
    oc.CSAT_SCORE_SLOT,
    oc.CSAT_COMMENT_SLOT,
)
FETCH_ROWS = 20_000


class ReportSourceError(RuntimeError):
    """A database the report reads is missing or unreadable; the message says which."""


def _detail_sql(dialect: str) -> str:
    if dialect == "sqlite":
        return (
            "CASE type_name WHEN 'bot' THEN json_extract(data, '$.metadata.utter_action') "
            "WHEN 'slot' THEN json_extract(data, '$.value') END"
        )
    if dialect == "postgresql":
        return (
            "CASE type_name WHEN 'bot' THEN (data::json -> 'metadata' ->> 'utter_action') "
            "WHEN 'slot' THEN (data::json ->> 'value') END"
        )
    raise ReportSourceError(f"tracker store dialect {dialect!r} is not supported")


def _event_query(dialect: str) -> sa.TextClause:
    actions = ", ".join(f"'{name}'" for name in ACTIONS_READ)
    slots = ", ".join(f"'{name}'" for name in SLOTS_READ)
    return sa.text(
        f"SELECT sender_id, type_name, timestamp, intent_name, action_name, "
        f"{_detail_sql(dialect)} AS detail FROM events "
        f"WHERE timestamp >= :lo AND timestamp < :hi AND ("
        f"type_name IN ('user', 'bot', 'session_started', 'restart') "
        f"OR (type_name = 'action' AND action_name IN ({actions})) "
        f"OR (type_name = 'slot' AND action_name IN ({slots}))) "
        f"ORDER BY sender_id, id"
    )


def tracker_rows(engine: Engine, *, lo: float, hi: float) -> Iterator[EventRow]:
    """Event rows with lo <= timestamp < hi, ordered by sender then event id (streamed)."""
    query = _event_query(engine.dialect.name)
    try:
        with engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=FETCH_ROWS).execute(
                query, {"lo": lo, "hi": hi}
            )
            for sender_id, type_name, timestamp, intent, name, detail in result:
                yield EventRow(
                    sender_id,
                    type_name,
                    float(timestamp or 0.0),
                    intent,
                    name,
                    None if detail is None else str(detail),
                )
    except SQLAlchemyError as exc:
        raise ReportSourceError(
            f"cannot read the tracker store ({engine.url.render_as_string()}): "
            f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}"
        ) from None


@dataclass(frozen=True)
class EscalationRow:
    conversation_id: str
    reason: str
    status: str  # pending | done | parked
    created_at: datetime


def escalations(engine: Engine, *, start: datetime, end: datetime) -> list[EscalationRow]:
    """Escalations written to the handoff outbox with start <= created_at < end."""
    from handoff.db import outbox

    query = (
        sa.select(outbox.c.conversation_id, outbox.c.payload, outbox.c.status, outbox.c.created_at)
        .where(outbox.c.kind == "escalation")
        .where(outbox.c.created_at >= start)
        .where(outbox.c.created_at < end)
        .order_by(outbox.c.id)
    )
    try:
        with engine.connect() as conn:
            return [
                EscalationRow(
                    conversation_id=row.conversation_id,
                    reason=str((row.payload or {}).get("reason") or "unknown"),
                    status=row.status,
                    created_at=row.created_at,
                )
                for row in conn.execute(query)
            ]
    except SQLAlchemyError as exc:
        raise ReportSourceError(
            f"cannot read the handoff outbox ({engine.url.render_as_string()}): "
            f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}"
        ) from None
