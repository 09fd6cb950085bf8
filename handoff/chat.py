"""Messages for the shopper's chat and their delivery into the Rasa conversation.

Agent replies (inbox, Zendesk, Slack), "added to your request", solved, parked and timed-out
notices are written to `handoff_chat_messages` in the same transaction as what caused them,
then `ChatRelay` appends each to the conversation through Rasa's HTTP API as a bot event with
its own id (`hm<row id>`), executed on the socket.io channel: the open widget shows it at once,
the tracker keeps it (a reload or a shopper who comes back re-syncs it), and the widget shows
an id once however often it arrives. Solved, parked and timed-out notices also resume the
bot, in the same request. A delivery whose outcome is unknown (timeout) is looked up in the
conversation before it is sent again.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from common.chat_messages import (
    AGENT,
    ASSISTANT,
    AUTHOR,
    BOT,
    CHAT_STATE,
    MESSAGE_ID,
    SENDER,
    WITH_TEAM,
)
from handoff.db import chat_messages, conversations, now_utc, ticket_events
from handoff.rasa_api import RasaClient

logger = logging.getLogger(__name__)

REPLY, ACK, SOLVED, PARKED, TIMEOUT = "reply", "ack", "solved", "parked", "timeout"
# Why the conversation was handed back to the bot, per kind of notice.
RESUME_REASONS = {SOLVED: "ticket_solved", PARKED: "parked", TIMEOUT: "timeout"}
PENDING, DONE, FAILED = "pending", "done", "parked"
MAX_BODY_CHARS = 4000


@dataclass(frozen=True)
class ChatMessage:
    id: int
    conversation_id: str
    kind: str
    author: str | None
    body: str
    response: str | None
    resume: bool
    status: str
    attempts: int
    created_at: datetime
    delivered_at: datetime | None

    @property
    def message_id(self) -> str:
        """The id the widget knows this message by (live and after a re-sync)."""
        return f"hm{self.id}"

    def events(self, *, timestamp: float) -> list[dict[str, Any]]:
        """The events appended to the Rasa conversation for this message."""
        metadata: dict[str, Any] = {
            MESSAGE_ID: self.message_id,
            SENDER: AGENT if self.kind == REPLY else ASSISTANT,
            CHAT_STATE: BOT if self.resume else WITH_TEAM,
        }
        if self.author:
            metadata[AUTHOR] = self.author
        if self.response:
            metadata["utter_action"] = self.response
        bot = {"event": "bot", "text": self.body, "timestamp": timestamp, "metadata": metadata}
        if self.resume:
            return [{"event": "resume", "timestamp": timestamp}, bot]
        return [bot]


def _message(row: Any) -> ChatMessage:
    return ChatMessage(**{name: getattr(row, name) for name in ChatMessage.__dataclass_fields__})


def enqueue(
    db: Connection,
    *,
    conversation_id: str,
    key: str,
    kind: str,
    body: str,
    author: str | None = None,
    response: str | None = None,
    now: datetime | None = None,
) -> int | None:
    """Write a message for the chat (inside the caller's transaction); None if `key` exists."""
    now = now or now_utc()
    if db.execute(
        sa.select(chat_messages.c.id).where(chat_messages.c.idempotency_key == key)
    ).first():
        return None
    return int(
        db.execute(
            sa.insert(chat_messages)
            .values(
                conversation_id=conversation_id,
                idempotency_key=key,
                kind=kind,
                author=author,
                body=body[:MAX_BODY_CHARS],
                response=response,
                resume=kind in RESUME_REASONS,
                status=PENDING,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
            .returning(chat_messages.c.id)
        ).scalar_one()
    )


def record_ticket_event(
    db: Connection,
    *,
    conversation_id: str,
    helpdesk: str,
    kind: str,
    source: str,
    actor: str | None = None,
    at: datetime | None = None,
) -> None:
    """One line of the handoff's timeline (`handoff_ticket_events`), for the KPI report."""
    found = db.execute(
        sa.select(conversations.c.reference, conversations.c.ticket_id).where(
            conversations.c.conversation_id == conversation_id
        )
    ).first()
    if found is None:
        return
    db.execute(
        sa.insert(ticket_events).values(
            conversation_id=conversation_id,
            reference=found.reference,
            ticket_id=found.ticket_id,
            helpdesk=helpdesk,
            kind=kind,
            source=source,
            actor=actor,
            at=at or now_utc(),
        )
    )


class ChatStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def claim(
        self, *, worker_id: str, lease: timedelta, limit: int = 10, now: datetime | None = None
    ) -> list[ChatMessage]:
        now = now or now_utc()
        free = sa.or_(chat_messages.c.locked_until.is_(None), chat_messages.c.locked_until < now)
        claimed: list[ChatMessage] = []
        with self.engine.begin() as db:
            candidates = db.execute(
                sa.select(chat_messages.c.id)
                .where(
                    chat_messages.c.status == PENDING,
                    chat_messages.c.next_attempt_at <= now,
                    free,
                )
                .order_by(chat_messages.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).scalars().all()
            for row_id in candidates:
                taken = db.execute(
                    sa.update(chat_messages)
                    .where(chat_messages.c.id == row_id, chat_messages.c.status == PENDING, free)
                    .values(locked_by=worker_id, locked_until=now + lease)
                )
                if taken.rowcount == 1:
                    row = db.execute(
                        sa.select(chat_messages).where(chat_messages.c.id == row_id)
                    ).one()
                    claimed.append(_message(row))
        return claimed

    def delivered(self, message: ChatMessage, *, worker_id: str) -> bool:
        """Mark it delivered; a notice that resumes the bot also ends the pause here."""
        now = now_utc()
        with self.engine.begin() as db:
            done = db.execute(
                sa.update(chat_messages)
                .where(chat_messages.c.id == message.id, chat_messages.c.locked_by == worker_id)
                .values(status=DONE, delivered_at=now, locked_by=None, locked_until=None)
            )
            if done.rowcount != 1:
                return False
            if message.resume:
                db.execute(
                    sa.update(conversations)
                    .where(
                        conversations.c.conversation_id == message.conversation_id,
                        conversations.c.state == "paused",
                    )
                    .values(
                        state="resumed",
                        resumed_at=now,
                        resume_reason=RESUME_REASONS[message.kind],
                    )
                )
        return True

    def retry_later(self, row_id: int, *, worker_id: str, error: str, delay: float) -> None:
        self._release(row_id, worker_id, error=error, next_at=now_utc() + timedelta(seconds=delay))

    def park(self, row_id: int, *, worker_id: str, error: str) -> None:
        self._release(row_id, worker_id, error=error, status=FAILED)

    def _release(
        self,
        row_id: int,
        worker_id: str,
        *,
        error: str,
        next_at: datetime | None = None,
        status: str = PENDING,
    ) -> None:
        values: dict[str, Any] = {
            "attempts": chat_messages.c.attempts + 1,
            "last_error": error[:2000],
            "locked_by": None,
            "locked_until": None,
            "status": status,
        }
        if next_at is not None:
            values["next_attempt_at"] = next_at
        with self.engine.begin() as db:
            db.execute(
                sa.update(chat_messages)
                .where(chat_messages.c.id == row_id, chat_messages.c.locked_by == worker_id)
                .values(**values)
            )

    def earlier_pending(self, message: ChatMessage) -> bool:
        """An earlier message of the same conversation still waits (order is kept)."""
        with self.engine.connect() as db:
            found = db.execute(
                sa.select(chat_messages.c.id).where(
                    chat_messages.c.conversation_id == message.conversation_id,
                    chat_messages.c.status == PENDING,
                    chat_messages.c.id < message.id,
                )
            ).first()
        return found is not None

    def postpone(self, row_id: int, *, worker_id: str, delay: float) -> None:
        """Release without counting an attempt."""
        with self.engine.begin() as db:
            db.execute(
                sa.update(chat_messages)
                .where(chat_messages.c.id == row_id, chat_messages.c.locked_by == worker_id)
                .values(
                    locked_by=None,
                    locked_until=None,
                    next_attempt_at=now_utc() + timedelta(seconds=delay),
                )
            )

    def messages(self, conversation_id: str) -> list[ChatMessage]:
        with self.engine.connect() as db:
            rows = db.execute(
                sa.select(chat_messages)
                .where(chat_messages.c.conversation_id == conversation_id)
                .order_by(chat_messages.c.id)
            ).all()
        return [_message(r) for r in rows]

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as db:
            found = db.execute(
                sa.select(chat_messages.c.status, sa.func.count()).group_by(chat_messages.c.status)
            ).all()
        return {PENDING: 0, DONE: 0, FAILED: 0, **{status: n for status, n in found}}


class ChatRelay:
    """Delivers pending chat messages to Rasa, in order, each exactly once into the widget."""

    def __init__(
        self,
        *,
        store: ChatStore,
        rasa: RasaClient | None,
        lease: timedelta = timedelta(seconds=60),
        max_attempts: int = 15,
        max_delay_seconds: float = 60.0,
        worker_id: str | None = None,
    ) -> None:
        self.store = store
        self.rasa = rasa
        self.lease = lease
        self.max_attempts = max_attempts
        self.max_delay_seconds = max_delay_seconds
        self.worker_id = worker_id or f"{socket.gethostname()}:chat:{uuid.uuid4().hex[:8]}"
        self.wake = threading.Event()

    def run_once(self) -> int:
        if self.rasa is None:
            return 0
        messages = self.store.claim(worker_id=self.worker_id, lease=self.lease)
        for message in messages:
            self.deliver(message)
        return len(messages)

    def deliver(self, message: ChatMessage) -> None:
        assert self.rasa is not None
        if self.store.earlier_pending(message):
            self.store.postpone(message.id, worker_id=self.worker_id, delay=0.5)
            return
        try:
            # A previous attempt may have reached Rasa before it failed: never send twice.
            if not (
                message.attempts
                and self.rasa.has_message(message.conversation_id, message.message_id)
            ):
                self.rasa.append_events(
                    message.conversation_id,
                    message.events(timestamp=time.time()),
                    output_channel="socketio",
                )
        except Exception as exc:  # noqa: BLE001 - retried with backoff, parked in the end
            error = f"{type(exc).__name__}: {exc}"
            if message.attempts + 1 >= self.max_attempts:
                logger.error("chat message %s parked: %s", message.id, error)
                self.store.park(message.id, worker_id=self.worker_id, error=error)
            else:
                delay = min(2.0 ** message.attempts, self.max_delay_seconds)
                logger.warning("chat message %s: retry in %.0fs after %s", message.id, delay, error)
                self.store.retry_later(
                    message.id, worker_id=self.worker_id, error=error, delay=delay
                )
            return
        self.store.delivered(message, worker_id=self.worker_id)

    def run_forever(self, stop: threading.Event, *, idle_seconds: float = 1.0) -> None:
        if self.rasa is None:
            logger.warning("RASA_URL not set: agent replies cannot reach the shopper's chat")
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:
                logger.exception("chat relay %s: claiming failed", self.worker_id)
                busy = 0
            if not busy:
                self.wake.wait(idle_seconds)
                self.wake.clear()
