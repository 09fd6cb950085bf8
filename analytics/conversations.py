"""From Rasa's event rows to one summary per conversation (plain data, no I/O).

A *conversation* is one Rasa session (the events between two `session_started` events of
one sender, or after a `restart`) in which the shopper sent at least one message. Its day
is the UTC day of the shopper's first message. Sessions without a shopper message (a widget
opened and closed) are not conversations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from analytics import outcomes as oc


class EventRow(NamedTuple):
    """One row of the tracker store's `events` table, reduced to what the report reads.

    `detail` is the response name for a bot message and the value (as text) for a slot;
    `name` is the action name for an action and the slot name for a slot (Rasa's own
    `action_name` column holds both).
    """

    sender_id: str
    type_name: str
    timestamp: float
    intent: str | None
    name: str | None
    detail: str | None


@dataclass
class Conversation:
    sender_id: str
    started_at: float  # the shopper's first message (epoch seconds, UTC)
    last_event_at: float
    user_turns: int = 0
    fallback_turns: int = 0
    intents: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    first_resolution_at: float | None = None
    handed_off: bool = False
    handoff_reason: str | None = None
    verified: bool = False
    verification_failures: int = 0
    verification_locked: bool = False
    csat_asked: bool = False
    csat_score: int | None = None
    csat_comment: str | None = None

    @property
    def resolved(self) -> bool:
        """The bot settled at least one task and nobody had to take over."""
        return self.first_resolution_at is not None and not self.handed_off

    @property
    def verification_attempted(self) -> bool:
        return self.verified or self.verification_failures > 0 or self.verification_locked

    @property
    def seconds_to_resolution(self) -> float | None:
        if not self.resolved or self.first_resolution_at is None:
            return None
        return max(0.0, self.first_resolution_at - self.started_at)


class _Session:
    """Running state of one session while its events stream past."""

    __slots__ = ("conversation", "pending_reason", "turn_is_fallback", "sender_id")

    def __init__(self, sender_id: str) -> None:
        self.sender_id = sender_id
        self.conversation: Conversation | None = None
        self.pending_reason: str | None = None
        self.turn_is_fallback = False

    def add(self, row: EventRow) -> None:
        kind = row.type_name
        if kind == "user":
            conv = self.conversation
            if conv is None:
                conv = self.conversation = Conversation(
                    sender_id=self.sender_id,
                    started_at=row.timestamp,
                    last_event_at=row.timestamp,
                )
            conv.user_turns += 1
            self.turn_is_fallback = row.intent == oc.FALLBACK_INTENT
            if self.turn_is_fallback:
                conv.fallback_turns += 1
            if row.intent:
                conv.intents[row.intent] += 1
            conv.last_event_at = row.timestamp
            return
        conv = self.conversation
        if kind == "slot":
            self._slot(row, conv)
        if conv is None:
            return
        conv.last_event_at = max(conv.last_event_at, row.timestamp)
        if kind == "bot":
            outcome = oc.outcome_of(row.detail)
            if outcome is not None:
                conv.outcomes[outcome] += 1
                if conv.first_resolution_at is None:
                    conv.first_resolution_at = row.timestamp
        elif kind == "action":
            if row.name in oc.FALLBACK_ACTIONS and not self.turn_is_fallback:
                self.turn_is_fallback = True
                conv.fallback_turns += 1
            elif row.name == oc.ESCALATE_ACTION:
                pass  # the handoff counts when its reference is given (slot below)

    def _slot(self, row: EventRow, conv: Conversation | None) -> None:
        name, value = row.name, row.detail
        if name == oc.HANDOFF_REASON_SLOT:
            if value is not None:
                self.pending_reason = value
            return
        if conv is None:
            return
        if name == oc.HANDOFF_REFERENCE_SLOT and value is not None:
            if not conv.handed_off:
                conv.handed_off = True
                conv.handoff_reason = self.pending_reason or "requested"
        elif name == oc.VERIFICATION_OUTCOME_SLOT:
            if value == oc.VERIFIED:
                conv.verified = True
            elif value == oc.LOCKED:
                conv.verification_locked = True
        elif name == oc.VERIFICATION_FAILURES_SLOT:
            try:
                if value is not None and float(value) > 0:
                    conv.verification_failures += 1
            except ValueError:
                pass
        elif name == oc.CSAT_ASKED_SLOT:
            if value in _TRUE:
                conv.csat_asked = True
        elif name == oc.CSAT_SCORE_SLOT:
            score = oc.csat_score(value)
            if score is not None:
                conv.csat_score = score
        elif name == oc.CSAT_COMMENT_SLOT and value:
            conv.csat_comment = value


_TRUE = frozenset({"true", "True", "1"})  # JSON true as SQLite and PostgreSQL give it back
SESSION_BOUNDARIES = frozenset({"session_started", "restart"})


def conversations(rows: Iterable[EventRow]) -> Iterator[Conversation]:
    """Folds rows ordered by (sender, event id) into conversations, one pass, O(1) state."""
    session: _Session | None = None
    for row in rows:
        if session is None or row.sender_id != session.sender_id:
            if session is not None and session.conversation is not None:
                yield session.conversation
            session = _Session(row.sender_id)
        elif row.type_name in SESSION_BOUNDARIES:
            if session.conversation is not None:
                yield session.conversation
            session = _Session(row.sender_id)
            continue
        session.add(row)
    if session is not None and session.conversation is not None:
        yield session.conversation
