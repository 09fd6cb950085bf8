"""The outbox: escalations and follow-up messages waiting to be delivered, and the state of
conversations that are with a person.

One `with engine.begin():` per operation. Rows are claimed with a lease: on PostgreSQL
through `SELECT ... FOR UPDATE SKIP LOCKED`, and on every database through a conditional
UPDATE, so several workers (threads or processes) never deliver the same row at once and a
worker that dies mid-delivery releases its rows when the lease runs out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from handoff.chat import ACK, enqueue
from handoff.db import conversations, cursors, now_utc, outbox, ticket_events
from handoff.models import Escalation, FollowUp, TicketRef
from handoff.ports import SOLVED_STATUSES
from handoff.rules import new_reference

PENDING, DONE, PARKED = "pending", "done", "parked"
STAGE_HELPDESK, STAGE_NOTIFY, STAGE_DONE = "helpdesk", "notify", "done"
ESCALATION, FOLLOW_UP = "escalation", "follow_up"
PAUSED, RESUMED = "paused", "resumed"


@dataclass(frozen=True)
class EscalationContext:
    """What the outbox knows when an escalation is written."""

    sequence: int
    reference: str
    previous_contacts: int  # earlier conversations of the same email address
    ticket_id: str | None  # the open ticket of an earlier escalation in this conversation
    # The shopper came back about the same order (another conversation), or asked again
    # while this conversation's ticket is still open.
    repeat_contact: bool = False
    # This conversation's earlier ticket, solved: the new one follows up on it.
    previous_reference: str | None = None
    previous_ticket_id: str | None = None


@dataclass(frozen=True)
class OutboxRow:
    id: int
    kind: str
    conversation_id: str
    idempotency_key: str
    payload: dict[str, Any]
    status: str
    stage: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    ticket_id: str | None
    ticket_url: str | None
    created_at: datetime


@dataclass(frozen=True)
class Conversation:
    conversation_id: str
    reference: str
    email: str
    state: str
    escalations: int
    ticket_id: str | None
    ticket_url: str | None
    paused_at: datetime
    resumed_at: datetime | None
    resume_reason: str | None = None
    order_number: str | None = None
    language: str | None = None
    ticket_status: str | None = None
    ticket_updated_at: str | None = None
    last_comment_id: int | None = None
    polled_at: datetime | None = None
    previous_reference: str | None = None
    previous_ticket_id: str | None = None
    assignee: str | None = None
    alert_channel: str | None = None
    alert_ts: str | None = None
    last_follow_up_at: datetime | None = None
    last_ack_at: datetime | None = None


@dataclass(frozen=True)
class Ack:
    """An "added to your request" for the first message of a burst while paused."""

    conversation_id: str
    event_id: int
    body: str
    response: str


def _row(r: Any) -> OutboxRow:
    return OutboxRow(**{name: getattr(r, name) for name in OutboxRow.__dataclass_fields__})


def _conversation(r: Any) -> Conversation:
    return Conversation(**{name: getattr(r, name) for name in Conversation.__dataclass_fields__})


class OutboxStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- written by the action server ---------------------------------------------------

    def record_escalation(
        self,
        *,
        conversation_id: str,
        email: str,
        build: Callable[[EscalationContext], Escalation],
        order_number: str | None = None,
        language: str | None = None,
        helpdesk: str = "builtin",
        now: datetime | None = None,
    ) -> Escalation:
        """Write an escalation and pause the conversation, in one transaction.

        After the conversation's ticket was solved, a new escalation gets a new reference
        and ticket, and says which one it follows up on.
        """
        now = now or now_utc()
        with self.engine.begin() as db:
            existing = db.execute(
                sa.select(conversations).where(conversations.c.conversation_id == conversation_id)
            ).first()
            others = sa.select(sa.func.count()).select_from(conversations).where(
                conversations.c.email == email,
                conversations.c.conversation_id != conversation_id,
            )
            previous_contacts = db.execute(others).scalar_one()
            same_order = (
                db.execute(others.where(conversations.c.order_number == order_number)).scalar_one()
                if order_number
                else 0
            )
            follows_solved = existing is not None and existing.ticket_status in SOLVED_STATUSES
            open_ticket = existing is not None and not follows_solved and existing.ticket_id
            context = EscalationContext(
                sequence=(existing.escalations + 1) if existing else 1,
                reference=(
                    existing.reference if existing and not follows_solved else new_reference()
                ),
                previous_contacts=previous_contacts,
                ticket_id=existing.ticket_id if open_ticket else None,
                repeat_contact=same_order > 0 or bool(open_ticket),
                previous_reference=existing.reference if follows_solved else None,
                previous_ticket_id=existing.ticket_id if follows_solved else None,
            )
            escalation = build(context)
            values: dict[str, Any] = {
                "state": PAUSED,
                "paused_at": now,
                "resumed_at": None,
                "resume_reason": None,
                "order_number": order_number,
                "language": language,
            }
            if existing:
                if follows_solved:
                    values.update(
                        reference=context.reference,
                        previous_reference=context.previous_reference,
                        previous_ticket_id=context.previous_ticket_id,
                        ticket_id=None,
                        ticket_url=None,
                        ticket_status=None,
                        ticket_updated_at=None,
                        last_comment_id=None,
                        assignee=None,
                        alert_channel=None,
                        alert_ts=None,
                        last_follow_up_at=None,
                        last_ack_at=None,
                    )
                db.execute(
                    sa.update(conversations)
                    .where(conversations.c.conversation_id == conversation_id)
                    .values(escalations=context.sequence, **values)
                )
            else:
                db.execute(
                    sa.insert(conversations).values(
                        conversation_id=conversation_id,
                        reference=context.reference,
                        email=email,
                        escalations=1,
                        **values,
                    )
                )
            self._insert(
                db,
                kind=ESCALATION,
                key=escalation.external_id,
                conversation_id=conversation_id,
                payload=escalation.to_payload(),
                now=now,
            )
            db.execute(
                sa.insert(ticket_events).values(
                    conversation_id=conversation_id,
                    reference=context.reference,
                    ticket_id=context.ticket_id,
                    helpdesk=helpdesk,
                    kind="escalated",
                    source="bot",
                    actor=None,
                    at=now,
                )
            )
        return escalation

    # -- written by the follow-up poller ------------------------------------------------

    def cursor(self, name: str) -> int:
        with self.engine.connect() as db:
            value = db.execute(
                sa.select(cursors.c.position).where(cursors.c.name == name)
            ).scalar_one_or_none()
        return int(value) if value is not None else 0

    def ingest(
        self,
        *,
        cursor_name: str,
        old_position: int,
        new_position: int,
        follow_ups: Iterable[FollowUp],
        resumed: Iterable[tuple[str, str]] = (),
        acks: Iterable[Ack] = (),
        now: datetime | None = None,
    ) -> bool:
        """Advance the cursor and enqueue follow-ups (and acknowledgements) atomically.

        Returns False (and writes nothing) if another poller advanced the cursor first.
        """
        now = now or now_utc()
        try:
            return self._ingest(
                cursor_name=cursor_name,
                old_position=old_position,
                new_position=new_position,
                follow_ups=follow_ups,
                resumed=resumed,
                acks=acks,
                now=now,
            )
        except sa.exc.IntegrityError:
            return False  # another poller created the cursor or the rows first

    def _ingest(
        self,
        *,
        cursor_name: str,
        old_position: int,
        new_position: int,
        follow_ups: Iterable[FollowUp],
        resumed: Iterable[tuple[str, str]],
        acks: Iterable[Ack],
        now: datetime,
    ) -> bool:
        with self.engine.begin() as db:
            # The cursor update comes first so it takes the write lock before anything else.
            if (
                old_position == 0
                and db.execute(
                    sa.select(cursors.c.name).where(cursors.c.name == cursor_name)
                ).first()
                is None
            ):
                db.execute(sa.insert(cursors).values(name=cursor_name, position=new_position))
            else:
                moved = db.execute(
                    sa.update(cursors)
                    .where(
                        cursors.c.name == cursor_name,
                        cursors.c.position == old_position,
                    )
                    .values(position=new_position)
                )
                if moved.rowcount != 1:
                    db.rollback()
                    return False
            for follow_up in follow_ups:
                self._insert(
                    db,
                    kind=FOLLOW_UP,
                    key=f"shopdesk:{follow_up.conversation_id}:msg:{follow_up.event_id}",
                    conversation_id=follow_up.conversation_id,
                    payload=follow_up.to_payload(),
                    now=now,
                )
                db.execute(
                    sa.update(conversations)
                    .where(conversations.c.conversation_id == follow_up.conversation_id)
                    .values(last_follow_up_at=follow_up.at)
                )
            for ack in acks:
                enqueue(
                    db,
                    conversation_id=ack.conversation_id,
                    key=f"ack:{ack.conversation_id}:{ack.event_id}",
                    kind=ACK,
                    body=ack.body,
                    response=ack.response,
                    now=now,
                )
                db.execute(
                    sa.update(conversations)
                    .where(conversations.c.conversation_id == ack.conversation_id)
                    .values(last_ack_at=now)
                )
            for conversation_id, reason in resumed:
                self._mark_resumed(db, conversation_id, reason=reason, now=now)
        return True

    # -- the delivery worker ------------------------------------------------------------

    def claim(
        self,
        *,
        worker_id: str,
        lease: timedelta,
        limit: int = 5,
        now: datetime | None = None,
    ) -> list[OutboxRow]:
        now = now or now_utc()
        free = sa.or_(outbox.c.locked_until.is_(None), outbox.c.locked_until < now)
        claimed: list[OutboxRow] = []
        with self.engine.begin() as db:
            candidates = (
                db.execute(
                    sa.select(outbox.c.id)
                    .where(
                        outbox.c.status == PENDING,
                        outbox.c.next_attempt_at <= now,
                        free,
                    )
                    .order_by(outbox.c.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
                .scalars()
                .all()
            )
            for row_id in candidates:
                taken = db.execute(
                    sa.update(outbox)
                    .where(outbox.c.id == row_id, outbox.c.status == PENDING, free)
                    .values(locked_by=worker_id, locked_until=now + lease)
                )
                if taken.rowcount == 1:
                    row = db.execute(sa.select(outbox).where(outbox.c.id == row_id)).one()
                    claimed.append(_row(row))
        return claimed

    def advance(
        self,
        row_id: int,
        *,
        worker_id: str,
        stage: str,
        ticket: TicketRef | None = None,
    ) -> bool:
        values: dict[str, Any] = {"stage": stage, "attempts": 0, "last_error": None}
        if ticket is not None:
            values.update(ticket_id=ticket.id, ticket_url=ticket.url)
        if stage == STAGE_DONE:
            values.update(status=DONE, locked_by=None, locked_until=None)
        return self._update_own(row_id, worker_id, values)

    def retry_later(
        self,
        row_id: int,
        *,
        worker_id: str,
        error: str,
        delay: float,
        count: bool = True,
    ) -> bool:
        """Release the row until `delay` seconds from now; `count` adds one attempt."""
        now = now_utc()
        with self.engine.begin() as db:
            result = db.execute(
                sa.update(outbox)
                .where(outbox.c.id == row_id, outbox.c.locked_by == worker_id)
                .values(
                    attempts=outbox.c.attempts + (1 if count else 0),
                    last_error=error[:2000],
                    next_attempt_at=now + timedelta(seconds=delay),
                    locked_by=None,
                    locked_until=None,
                    updated_at=now,
                )
            )
        return result.rowcount == 1

    def park(self, row_id: int, *, worker_id: str, error: str) -> bool:
        return self._update_own(
            row_id,
            worker_id,
            {
                "status": PARKED,
                "last_error": error[:2000],
                "locked_by": None,
                "locked_until": None,
            },
        )

    def earlier_escalation_pending(self, conversation_id: str, row_id: int) -> bool:
        with self.engine.connect() as db:
            found = db.execute(
                sa.select(outbox.c.id).where(
                    outbox.c.conversation_id == conversation_id,
                    outbox.c.kind == ESCALATION,
                    outbox.c.status == PENDING,
                    outbox.c.stage == STAGE_HELPDESK,
                    outbox.c.id < row_id,
                )
            ).first()
        return found is not None

    def attach_alert(self, conversation_id: str, *, channel: str, ts: str) -> None:
        with self.engine.begin() as db:
            db.execute(
                sa.update(conversations)
                .where(conversations.c.conversation_id == conversation_id)
                .values(alert_channel=channel, alert_ts=ts)
            )

    def attach_ticket(self, conversation_id: str, ticket: TicketRef) -> None:
        with self.engine.begin() as db:
            db.execute(
                sa.update(conversations)
                .where(conversations.c.conversation_id == conversation_id)
                .values(ticket_id=ticket.id, ticket_url=ticket.url)
            )

    # -- conversations ------------------------------------------------------------------

    def conversation(self, conversation_id: str) -> Conversation | None:
        with self.engine.connect() as db:
            row = db.execute(
                sa.select(conversations).where(conversations.c.conversation_id == conversation_id)
            ).first()
        return _conversation(row) if row else None

    def paused_conversations(self) -> list[Conversation]:
        with self.engine.connect() as db:
            rows = db.execute(sa.select(conversations).where(conversations.c.state == PAUSED)).all()
        return [_conversation(r) for r in rows]

    def mark_resumed(
        self, conversation_id: str, *, reason: str, now: datetime | None = None
    ) -> None:
        with self.engine.begin() as db:
            self._mark_resumed(db, conversation_id, reason=reason, now=now or now_utc())

    # -- operator views -----------------------------------------------------------------

    def rows(self, *, status: str | None = None, limit: int = 200) -> list[OutboxRow]:
        query = sa.select(outbox).order_by(outbox.c.id.desc()).limit(limit)
        if status:
            query = query.where(outbox.c.status == status)
        with self.engine.connect() as db:
            return [_row(r) for r in db.execute(query).all()]

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as db:
            result = db.execute(
                sa.select(outbox.c.status, sa.func.count()).group_by(outbox.c.status)
            ).all()
        return {PENDING: 0, DONE: 0, PARKED: 0, **{status: n for status, n in result}}

    def requeue(self, row_id: int) -> bool:
        """Send a parked row back to the queue (an operator fixed the cause)."""
        now = now_utc()
        with self.engine.begin() as db:
            result = db.execute(
                sa.update(outbox)
                .where(outbox.c.id == row_id, outbox.c.status == PARKED)
                .values(status=PENDING, attempts=0, next_attempt_at=now, updated_at=now)
            )
        return result.rowcount == 1

    # -- helpers ------------------------------------------------------------------------

    def _insert(
        self,
        db: sa.Connection,
        *,
        kind: str,
        key: str,
        conversation_id: str,
        payload: dict[str, Any],
        now: datetime,
    ) -> None:
        db.execute(
            sa.insert(outbox).values(
                idempotency_key=key,
                conversation_id=conversation_id,
                kind=kind,
                payload=payload,
                status=PENDING,
                stage=STAGE_HELPDESK,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
        )

    def _update_own(self, row_id: int, worker_id: str, values: dict[str, Any]) -> bool:
        with self.engine.begin() as db:
            result = db.execute(
                sa.update(outbox)
                .where(outbox.c.id == row_id, outbox.c.locked_by == worker_id)
                .values(**values, updated_at=now_utc())
            )
        return result.rowcount == 1

    @staticmethod
    def _mark_resumed(
        db: sa.Connection, conversation_id: str, *, reason: str, now: datetime
    ) -> None:
        db.execute(
            sa.update(conversations)
            .where(conversations.c.conversation_id == conversation_id)
            .where(conversations.c.state == PAUSED)
            .values(state=RESUMED, resumed_at=now, resume_reason=reason)
        )
