"""From Rasa's event rows to one summary per conversation (plain data, no I/O).

A *conversation* is one Rasa session (the events between two `session_started` events of
one sender, or after a `restart`) in which the shopper sent at least one message. Sessions
without a shopper message (a widget opened and closed) are not conversations.

Each conversation gets exactly one outcome (`Conversation.outcome`), decided in this order:
handed off (the shopper was given a reference) > asked for a person but left > resolved by
the bot (a settling answer was sent; the first one names the task) > unanswered (the
shopper's last message got "not understood" / "not something I can help with") > abandoned
mid-task (a task was asked for and never settled) > unanswered (some message earlier) >
abandoned before asking for anything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from common import outcomes as oc


class EventRow(NamedTuple):
    """One row of the tracker store's `events` table, reduced to what the report reads.

    `name` is Rasa's `action_name` column: the action's, slot's or loop's name. `detail` is
    the response name of a bot message, the value (as text) of a slot and the input channel
    of a shopper message; `extra` is a bot message's recorded value ("49.00 GBP").
    """

    id: int
    sender_id: str
    type_name: str
    timestamp: float
    intent: str | None
    name: str | None
    detail: str | None
    extra: str | None = None


class Unanswered(NamedTuple):
    """A shopper message the bot could not answer (its text is read later, by event id)."""

    event_id: int
    kind: str  # oc.NOT_UNDERSTOOD | oc.OUT_OF_SCOPE


@dataclass
class Conversation:
    sender_id: str
    started_at: float  # the shopper's first message (epoch seconds, UTC)
    channel: str = "unknown"
    language: str | None = None
    first_intent: str | None = None
    user_turns: int = 0
    intents: Counter[str] = field(default_factory=Counter)
    form_answers: Counter[str] = field(default_factory=Counter)
    unanswered: list[Unanswered] = field(default_factory=list)
    last_message_unanswered: bool = False
    reply_seconds: list[float] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)  # settled, in order, each once
    first_resolution_at: float | None = None
    task_asked: str | None = None  # the last task intent the shopper asked for
    handed_off: bool = False
    handoff_reason: str | None = None
    asked_for_person: bool = False
    left_at: str | None = None  # the handoff form's question the shopper left at
    open_question: str | None = None  # the form question unanswered at the end, if any
    last_response: str | None = None
    verified: bool = False
    verification_failures: int = 0
    verification_locked: bool = False
    csat_asked: bool = False
    csat_score: int | None = None
    csat_comment: str | None = None
    values: list[tuple[str, Decimal, str]] = field(default_factory=list)  # kind, amount, cur

    @property
    def resolved(self) -> bool:
        """The bot settled at least one task and nobody had to take over."""
        return self.outcome[0] == oc.RESOLVED

    @property
    def fallback_turns(self) -> int:
        return sum(1 for u in self.unanswered if u.kind == oc.NOT_UNDERSTOOD)

    @property
    def verification_attempted(self) -> bool:
        return self.verified or self.verification_failures > 0 or self.verification_locked

    @property
    def seconds_to_resolution(self) -> float | None:
        if not self.resolved or self.first_resolution_at is None:
            return None
        return max(0.0, self.first_resolution_at - self.started_at)

    @property
    def stopped_at(self) -> str:
        """Where the conversation stopped: the form's open question, else the bot's last
        response (a refusal, a "kept as it is", a store outage)."""
        return self.open_question or self.last_response or "no_reply"

    @property
    def outcome(self) -> tuple[str, str]:
        """(outcome, detail): exactly one per conversation (order in the module doc)."""
        if self.handed_off:
            return oc.HANDED_OFF, self.handoff_reason or "requested"
        if self.asked_for_person:
            return oc.ASKED_FOR_PERSON_LEFT, self.left_at or "before the request was sent"
        if self.tasks:
            return oc.RESOLVED, self.tasks[0]
        if self.last_message_unanswered:
            return oc.UNANSWERED, self.unanswered[-1].kind
        if self.task_asked is not None:
            return oc.ABANDONED, self.task_asked
        if self.unanswered:
            return oc.UNANSWERED, self.unanswered[-1].kind
        return oc.ABANDONED, oc.NO_REQUEST


_TRUE = frozenset({"true", "True", "1"})  # JSON true as SQLite and PostgreSQL give it back
SESSION_BOUNDARIES = frozenset({"session_started", "restart"})


def _amount(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


class _Session:
    """Running state of one session while its events stream past."""

    __slots__ = (
        "conversation",
        "pending_reason",
        "sender_id",
        "active_loop",
        "requested_slot",
        "awaiting_reply_since",
        "turn_unanswered",
        "last_user_id",
        "language",
    )

    def __init__(self, sender_id: str) -> None:
        self.sender_id = sender_id
        self.conversation: Conversation | None = None
        self.pending_reason: str | None = None
        self.active_loop: str | None = None
        self.requested_slot: str | None = None
        self.awaiting_reply_since: float | None = None
        self.turn_unanswered = False
        self.last_user_id = 0
        self.language: str | None = None  # set at the session's start, before any message

    def add(self, row: EventRow) -> None:
        kind = row.type_name
        if kind == "user":
            self._user(row)
            return
        conv = self.conversation
        if kind == "slot":
            self._slot(row, conv)
        elif kind == "active_loop":
            self.active_loop = row.name
            if row.name is None:
                self.requested_slot = None
                if conv is not None:
                    conv.open_question = None
        if conv is None:
            return
        if kind == "bot":
            self._bot(row, conv)
        elif kind == "action":
            if row.name in oc.FALLBACK_ACTIONS:
                self._unanswered(conv, oc.NOT_UNDERSTOOD)
            elif row.name == oc.START_HANDOFF_ACTION:
                conv.asked_for_person = True

    def _user(self, row: EventRow) -> None:
        conv = self.conversation
        if conv is None:
            conv = self.conversation = Conversation(
                sender_id=self.sender_id,
                started_at=row.timestamp,
                channel=row.detail or "unknown",
                first_intent=row.intent,
                language=self.language,
            )
        conv.user_turns += 1
        conv.last_message_unanswered = False
        self.turn_unanswered = False
        self.last_user_id = row.id
        self.awaiting_reply_since = row.timestamp
        if self.active_loop is not None and self.requested_slot is not None:
            # An answer to the form's question, whatever the NLU made of it.
            conv.form_answers[self.requested_slot] += 1
            if self.active_loop == oc.HANDOFF_FORM:
                conv.left_at = self.requested_slot
            return
        if row.intent:
            conv.intents[row.intent] += 1
            if row.intent in oc.TASK_INTENTS:
                conv.task_asked = row.intent

    def _bot(self, row: EventRow, conv: Conversation) -> None:
        if self.awaiting_reply_since is not None:
            conv.reply_seconds.append(max(0.0, row.timestamp - self.awaiting_reply_since))
            self.awaiting_reply_since = None
        response = row.detail
        conv.last_response = response
        unanswered = oc.UNANSWERED_RESPONSES.get(response or "")
        if unanswered is not None:
            self._unanswered(conv, unanswered)
            return
        outcome = oc.outcome_of(response)
        if outcome is not None:
            if outcome not in conv.tasks:
                conv.tasks.append(outcome)
            if conv.first_resolution_at is None:
                conv.first_resolution_at = row.timestamp
        value_kind = oc.VALUE_RESPONSES.get(response or "")
        parsed = oc.parse_value(row.extra) if value_kind else None
        if value_kind and parsed:
            amount = _amount(parsed[0])
            if amount is not None:
                conv.values.append((value_kind, amount, parsed[1]))

    def _unanswered(self, conv: Conversation, kind: str) -> None:
        """Once per shopper message (a fallback action and its reply are one)."""
        if not self.turn_unanswered and self.last_user_id:
            self.turn_unanswered = True
            conv.unanswered.append(Unanswered(self.last_user_id, kind))
            conv.last_message_unanswered = True

    def _slot(self, row: EventRow, conv: Conversation | None) -> None:
        name, value = row.name, row.detail
        if name == oc.REQUESTED_SLOT:
            self.requested_slot = value
            if conv is not None:
                conv.open_question = value if self.active_loop is not None else None
                if value is not None and self.active_loop == oc.HANDOFF_FORM:
                    conv.left_at = value
            return
        if name == oc.HANDOFF_REASON_SLOT:
            if value is not None:
                self.pending_reason = value
            return
        if name == oc.LANGUAGE_SLOT and value:
            self.language = value
            if conv is not None:
                conv.language = value
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
