"""After the handoff: the shopper's further messages go to the ticket (the first of each
burst is acknowledged in the chat), and the bot resumes after a configured time or when the
shopper starts over. (A solved ticket resumes it through `handoff.activity`.)

The shopper's messages are read from Rasa's SQL event broker table (`events`: id,
sender_id, data as JSON), which Rasa keeps writing while a conversation is paused.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from handoff.activity import ACK_RESPONSE, AgentActivity
from handoff.masking import mask_sensitive
from handoff.models import FollowUp
from handoff.outbox import Ack, OutboxStore

logger = logging.getLogger(__name__)

CURSOR = "rasa_event_broker"
_RESTART_INTENTS = {"restart", "session_start"}
_EXTERNAL_PREFIX = "EXTERNAL"


@dataclass(frozen=True)
class BrokerEvent:
    """One row of the broker's table; its JSON is parsed only when read (most rows belong
    to conversations that are not with a person, and are skipped unread)."""

    id: int
    sender_id: str
    raw: str | None

    @functools.cached_property
    def data(self) -> dict[str, Any]:
        try:
            data = json.loads(self.raw or "{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}


class BrokerEventSource:
    """Rasa's SQL event broker table, read in id order."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.events = sa.Table(
            "events",
            sa.MetaData(),
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("sender_id", sa.String(255)),
            sa.Column("data", sa.Text),
        )

    def read_after(self, position: int, *, limit: int = 500) -> list[BrokerEvent]:
        query = (
            sa.select(self.events)
            .where(self.events.c.id > position)
            .order_by(self.events.c.id)
            .limit(limit)
        )
        try:
            with self.engine.connect() as db:
                rows = db.execute(query).all()
        except sa.exc.OperationalError as exc:
            if "no such table" in str(exc):  # Rasa has not published anything yet
                return []
            raise
        return [BrokerEvent(id=int(row.id), sender_id=row.sender_id or "", raw=row.data)
                for row in rows]


# How long a hole in the broker's ids may be waited for. With several Rasa instances, ids
# are handed out when a transaction starts but become visible when it commits, so a reader
# can see id 12 before id 11 exists. Moving the cursor past 11 would lose that message for
# good; a hole that outlives this grace is an id from a rolled-back transaction (sequences
# never reuse them) and is skipped.
GAP_GRACE_SECONDS = 10.0


class FollowUpPoller:
    def __init__(
        self,
        *,
        store: OutboxStore,
        source: BrokerEventSource,
        activity: AgentActivity | None = None,
        ack_quiet: timedelta = timedelta(minutes=2),
        gap_grace_seconds: float = GAP_GRACE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.source = source
        self.activity = activity
        self.ack_quiet = ack_quiet
        self.gap_grace_seconds = gap_grace_seconds
        self.clock = clock
        self._holes_seen_at: dict[int, float] = {}

    def _readable(self, position: int, events: list[BrokerEvent]) -> list[BrokerEvent]:
        """The events up to the first hole in the ids that is still young enough to fill."""
        now = self.clock()
        expected = position + 1
        for index, event in enumerate(events):
            # On a fresh cursor the table may simply start higher (after a purge).
            hole = event.id > expected and not (position == 0 and index == 0)
            if hole:
                first_seen = self._holes_seen_at.setdefault(expected, now)
                if now - first_seen < self.gap_grace_seconds:
                    return events[:index]
                logger.info("broker ids %d..%d never appeared; skipped", expected, event.id - 1)
            expected = event.id + 1
        if events:
            last = events[-1].id
            self._holes_seen_at = {k: v for k, v in self._holes_seen_at.items() if k > last}
        return events

    def poll_once(self) -> int:
        """Enqueue the new messages of paused conversations; returns events read."""
        position = self.store.cursor(CURSOR)
        events = self._readable(position, self.source.read_after(position))
        if not events:
            return 0
        paused = {c.conversation_id: c for c in self.store.paused_conversations()}
        last_message = {c.conversation_id: c.last_follow_up_at for c in paused.values()}
        follow_ups: list[FollowUp] = []
        acks: list[Ack] = []
        resumed: list[tuple[str, str]] = []
        for event in events:
            conversation = paused.get(event.sender_id)
            if conversation is None:
                continue
            at = datetime.fromtimestamp(float(event.data.get("timestamp") or 0), tz=UTC)
            if at <= conversation.paused_at:
                continue
            kind = event.data.get("event")
            if kind == "user":
                text = (event.data.get("text") or "").strip()
                intent = ((event.data.get("parse_data") or {}).get("intent") or {}).get("name")
                if (
                    text
                    and not text.startswith(("/", _EXTERNAL_PREFIX))
                    and intent not in _RESTART_INTENTS
                ):
                    follow_ups.append(
                        FollowUp(
                            conversation_id=event.sender_id,
                            event_id=event.id,
                            text=mask_sensitive(text),
                            at=at,
                        )
                    )
                    previous = last_message.get(event.sender_id)
                    if self.activity is not None and (
                        previous is None or at - previous >= self.ack_quiet
                    ):
                        acks.append(
                            Ack(
                                conversation_id=event.sender_id,
                                event_id=event.id,
                                body=self.activity.render_ack(conversation),
                                response=ACK_RESPONSE,
                            )
                        )
                    last_message[event.sender_id] = at
            elif kind in ("restart", "resume"):
                resumed.append(
                    (
                        event.sender_id,
                        "shopper_restarted" if kind == "restart" else "resumed",
                    )
                )
                del paused[event.sender_id]
        self.store.ingest(
            cursor_name=CURSOR,
            old_position=position,
            new_position=events[-1].id,
            follow_ups=follow_ups,
            resumed=resumed,
            acks=acks,
        )
        if acks and self.activity is not None:
            self.activity.wake()
        return len(events)


class Resumer:
    """Hands paused conversations back to the bot when the pause has run out (the shopper
    is told, in the chat, that the team still has their request)."""

    def __init__(self, *, store: OutboxStore, activity: AgentActivity, resume_after: timedelta):
        self.store = store
        self.activity = activity
        self.resume_after = resume_after

    def check_once(self, now: datetime | None = None) -> list[str]:
        now = now or datetime.now(UTC)
        resumed = []
        for conversation in self.store.paused_conversations():
            if now - conversation.paused_at < self.resume_after:
                continue
            if self.activity.timed_out(
                conversation_id=conversation.conversation_id,
                key=f"timeout:{conversation.conversation_id}:{conversation.paused_at.isoformat()}",
            ):
                resumed.append(conversation.conversation_id)
        return resumed


def run_after_handoff(
    *,
    stop: threading.Event,
    poller: FollowUpPoller | None,
    resumer: Resumer,
    poll_seconds: float,
    resume_check_seconds: float,
) -> None:
    next_resume_check = 0.0
    clock = 0.0
    while not stop.is_set():
        try:
            if poller is not None:
                poller.poll_once()
            if clock >= next_resume_check:
                resumer.check_once()
                next_resume_check = clock + resume_check_seconds
        except Exception:
            logger.exception("after-handoff loop failed; retrying")
        stop.wait(poll_seconds)
        clock += poll_seconds
