"""The handoff tables (on their own MetaData) and the engine factory.

The schema is created and upgraded by the migrations in `handoff/migrations`
(`python -m handoff migrate`); these table objects describe it for queries.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect, Engine

from common import db


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Stores aware datetimes as naive UTC; returns aware UTC datetimes."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


metadata = sa.MetaData()

outbox = sa.Table(
    "handoff_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("idempotency_key", sa.String(300), nullable=False, unique=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),  # escalation | follow_up
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # pending | done | parked
    sa.Column("stage", sa.String(20), nullable=False),  # helpdesk | notify | done
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("locked_by", sa.String(100)),
    sa.Column("locked_until", UTCDateTime),
    sa.Column("last_error", sa.Text),
    sa.Column("ticket_id", sa.String(100)),
    sa.Column("ticket_url", sa.String(500)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_handoff_outbox_due", "status", "next_attempt_at"),
)

conversations = sa.Table(
    "handoff_conversations",
    metadata,
    sa.Column("conversation_id", sa.String(255), primary_key=True),
    sa.Column("reference", sa.String(20), nullable=False, unique=True),
    sa.Column("email", sa.String(320), nullable=False, index=True),
    sa.Column("state", sa.String(20), nullable=False),  # paused | resumed
    sa.Column("escalations", sa.Integer, nullable=False),
    sa.Column("ticket_id", sa.String(100)),
    sa.Column("ticket_url", sa.String(500)),
    sa.Column("paused_at", UTCDateTime, nullable=False),
    sa.Column("resumed_at", UTCDateTime),
    sa.Column("resume_reason", sa.String(50)),
    # The verified order of the latest escalation (priority: a repeat contact about it).
    sa.Column("order_number", sa.String(50)),
    sa.Column("language", sa.String(10)),
    # What the helpdesk last said about the ticket (webhook or poll), and how far its public
    # agent comments have been relayed into the chat.
    sa.Column("ticket_status", sa.String(20)),
    sa.Column("ticket_updated_at", sa.String(40)),
    sa.Column("last_comment_id", sa.BigInteger),
    sa.Column("polled_at", UTCDateTime),
    # The ticket an escalation after "solved" follows up on.
    sa.Column("previous_reference", sa.String(20)),
    sa.Column("previous_ticket_id", sa.String(100)),
    sa.Column("assignee", sa.String(200)),
    # The Slack alert, to update it when someone claims the ticket.
    sa.Column("alert_channel", sa.String(100)),
    sa.Column("alert_ts", sa.String(50)),
    # The shopper's latest message while paused and the latest "added to your request".
    sa.Column("last_follow_up_at", UTCDateTime),
    sa.Column("last_ack_at", UTCDateTime),
)

cursors = sa.Table(
    "handoff_cursors",
    metadata,
    sa.Column("name", sa.String(50), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
)

tickets = sa.Table(
    "helpdesk_tickets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("external_id", sa.String(300), nullable=False, unique=True),
    sa.Column("reference", sa.String(20), nullable=False),
    sa.Column("conversation_id", sa.String(255), nullable=False),
    sa.Column("requester_email", sa.String(320), nullable=False),
    sa.Column("requester_name", sa.String(200)),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # open | solved
    sa.Column("priority", sa.String(20), nullable=False),
    sa.Column("tags", sa.JSON, nullable=False),
    sa.Column("order_number", sa.String(50)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("solved_at", UTCDateTime),
    sa.Column("assignee", sa.String(200)),
    sa.Column("previous_ticket_id", sa.Integer),
)

comments = sa.Table(
    "helpdesk_comments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket_id", sa.Integer, sa.ForeignKey("helpdesk_tickets.id"), nullable=False),
    sa.Column("idempotency_key", sa.String(300), unique=True),
    sa.Column("author", sa.String(20), nullable=False),  # shopper | system | agent
    sa.Column("public", sa.Boolean, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("author_name", sa.String(200)),  # the agent's name on an agent reply
)

# Messages for the shopper's chat (agent replies, "added to your request", solved, parked,
# timed out), delivered into the Rasa conversation by `handoff.chat.ChatRelay`.
chat_messages = sa.Table(
    "handoff_chat_messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("idempotency_key", sa.String(300), nullable=False, unique=True),
    sa.Column("kind", sa.String(20), nullable=False),  # reply | ack | solved | parked | timeout
    sa.Column("author", sa.String(200)),  # the agent's name on a reply
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("response", sa.String(100)),  # the domain response the body was rendered from
    sa.Column("resume", sa.Boolean, nullable=False),  # hand the chat back to the bot too
    sa.Column("status", sa.String(20), nullable=False),  # pending | done | parked
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("locked_by", sa.String(100)),
    sa.Column("locked_until", UTCDateTime),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("delivered_at", UTCDateTime),
    sa.Index("ix_handoff_chat_messages_due", "status", "next_attempt_at"),
)

# What happened to each handoff and when (escalated, agent_reply, claimed, solved, parked,
# resumed): the KPI report reads it for time to first human reply and time to solve.
ticket_events = sa.Table(
    "handoff_ticket_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("reference", sa.String(20), nullable=False),
    sa.Column("ticket_id", sa.String(100)),
    sa.Column("helpdesk", sa.String(20), nullable=False),  # builtin | zendesk
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("source", sa.String(20), nullable=False),  # inbox | api | zendesk | slack | bot
    sa.Column("actor", sa.String(200)),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_handoff_ticket_events_kind_at", "kind", "at"),
)

# Signed webhook requests already processed (Zendesk, Slack): a replay is answered, not
# acted on. Rows older than the signatures' validity are deleted as new ones arrive.
receipts = sa.Table(
    "handoff_webhook_receipts",
    metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("received_at", UTCDateTime, nullable=False, index=True),
)

# Time-limited roles that one handoff process holds at a time (the Zendesk poller).
leases = sa.Table(
    "handoff_leases",
    metadata,
    sa.Column("name", sa.String(50), primary_key=True),
    sa.Column("holder", sa.String(100), nullable=False),
    sa.Column("until", UTCDateTime, nullable=False),
)


def now_utc() -> datetime:
    return datetime.now(UTC)


def create_db_engine(url: str) -> Engine:
    """An engine for `url` with common.db's timeouts; SQLite waits up to 30 s for a lock
    (the outbox workers and the inbox write the same file)."""
    return db.make_engine(url, busy_timeout=30)
