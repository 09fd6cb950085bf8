"""Helpdesk adapters: Zendesk (through `integrations.zendesk`) and the built-in helpdesk that
keeps tickets in the handoff database (the embedded default, with the agent inbox page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from handoff.db import comments, now_utc, tickets
from handoff.models import Escalation, FollowUp, TicketRef
from handoff.ticket_text import (
    follow_up_comment,
    repeat_escalation_comment,
    ticket_body,
    ticket_subject,
)
from integrations.zendesk import ZendeskClient


def follow_up_key(follow_up: FollowUp) -> str:
    return f"shopdesk:{follow_up.conversation_id}:msg:{follow_up.event_id}"


def _marker(key: str) -> str:
    return f"(ref {key})"


class ZendeskHelpdesk:
    """Tickets in Zendesk. Idempotent: tickets by `external_id`, comments by a marker."""

    name = "zendesk"

    def __init__(
        self,
        client: ZendeskClient,
        *,
        tz: ZoneInfo,
        order_field_id: int | None = None,
        conversation_field_id: int | None = None,
    ) -> None:
        self.client = client
        self.tz = tz
        self.order_field_id = order_field_id
        self.conversation_field_id = conversation_field_id

    def open_ticket(self, escalation: Escalation) -> TicketRef:
        found = self.client.tickets_by_external_id(escalation.external_id)
        if found:
            ticket = found[0]
        else:
            requester = self.client.create_or_update_user(
                email=escalation.email, name=escalation.name
            )
            fields: dict[int, str] = {}
            if self.order_field_id and escalation.order_number:
                fields[self.order_field_id] = escalation.order_number
            if self.conversation_field_id:
                fields[self.conversation_field_id] = escalation.conversation_id
            ticket = self.client.create_ticket(
                subject=ticket_subject(escalation),
                body=ticket_body(escalation, self.tz),
                requester_id=requester.id,
                external_id=escalation.external_id,
                tags=list(escalation.tags),
                priority=escalation.priority,
                custom_fields=fields,
            )
        return TicketRef(
            id=str(ticket.id),
            url=self.client.agent_url(ticket.id),
            status=ticket.status,
        )

    def add_escalation(self, ticket_id: str, escalation: Escalation) -> None:
        marker = _marker(escalation.external_id)
        if any(marker in body for body in self.client.comment_bodies(int(ticket_id))):
            return
        body = f"{repeat_escalation_comment(escalation, self.tz)}\n{marker}"
        self.client.add_comment(int(ticket_id), body=body, public=False)

    def add_follow_up(self, ticket_id: str, follow_up: FollowUp, *, requester_email: str) -> None:
        marker = _marker(follow_up_key(follow_up))
        if any(marker in body for body in self.client.comment_bodies(int(ticket_id))):
            return
        requester = self.client.create_or_update_user(email=requester_email)
        self.client.add_comment(
            int(ticket_id),
            body=f"{follow_up_comment(follow_up, self.tz)}\n{marker}",
            public=True,
            author_id=requester.id,
        )

    def ticket_status(self, ticket_id: str) -> str:
        return self.client.show_ticket(int(ticket_id)).status


@dataclass(frozen=True)
class InboxComment:
    id: int
    author: str
    public: bool
    body: str
    created_at: datetime


@dataclass(frozen=True)
class InboxTicket:
    id: int
    reference: str
    conversation_id: str
    requester_email: str
    subject: str
    status: str
    priority: str
    tags: list[str]
    order_number: str | None
    created_at: datetime
    updated_at: datetime
    solved_at: datetime | None


class BuiltinHelpdesk:
    """Tickets kept in the handoff database and worked in the agent inbox page."""

    name = "builtin"

    def __init__(self, engine: Engine, *, tz: ZoneInfo, public_url: str) -> None:
        self.engine = engine
        self.tz = tz
        self.public_url = public_url.rstrip("/")

    def ticket_url(self, ticket_id: int | str) -> str:
        return f"{self.public_url}/inbox/tickets/{ticket_id}"

    def open_ticket(self, escalation: Escalation) -> TicketRef:
        now = now_utc()
        with self.engine.begin() as db:
            existing = db.execute(
                sa.select(tickets.c.id, tickets.c.status).where(
                    tickets.c.external_id == escalation.external_id
                )
            ).first()
            if existing:
                return TicketRef(
                    id=str(existing.id),
                    url=self.ticket_url(existing.id),
                    status=existing.status,
                )
            ticket_id = db.execute(
                sa.insert(tickets)
                .values(
                    external_id=escalation.external_id,
                    reference=escalation.reference,
                    conversation_id=escalation.conversation_id,
                    requester_email=escalation.email,
                    requester_name=escalation.name,
                    subject=ticket_subject(escalation),
                    status="open",
                    priority=escalation.priority,
                    tags=list(escalation.tags),
                    order_number=escalation.order_number,
                    created_at=now,
                    updated_at=now,
                )
                .returning(tickets.c.id)
            ).scalar_one()
            self._comment(
                db,
                ticket_id=ticket_id,
                key=escalation.external_id,
                author="system",
                public=False,
                body=ticket_body(escalation, self.tz),
                now=now,
            )
        return TicketRef(id=str(ticket_id), url=self.ticket_url(ticket_id), status="open")

    def add_escalation(self, ticket_id: str, escalation: Escalation) -> None:
        self._add(
            int(ticket_id),
            key=escalation.external_id,
            author="system",
            public=False,
            body=repeat_escalation_comment(escalation, self.tz),
        )

    def add_follow_up(self, ticket_id: str, follow_up: FollowUp, *, requester_email: str) -> None:
        self._add(
            int(ticket_id),
            key=follow_up_key(follow_up),
            author="shopper",
            public=True,
            body=follow_up_comment(follow_up, self.tz),
        )

    def ticket_status(self, ticket_id: str) -> str:
        with self.engine.connect() as db:
            status = db.execute(
                sa.select(tickets.c.status).where(tickets.c.id == int(ticket_id))
            ).scalar_one_or_none()
        if status is None:
            raise LookupError(f"no built-in ticket {ticket_id}")
        return str(status)

    # -- the agent inbox ----------------------------------------------------------------

    def list_tickets(self, *, status: str | None = None) -> list[InboxTicket]:
        query = sa.select(tickets).order_by(tickets.c.id.desc())
        if status:
            query = query.where(tickets.c.status == status)
        with self.engine.connect() as db:
            return [_inbox_ticket(r) for r in db.execute(query).all()]

    def get_ticket(self, ticket_id: int) -> tuple[InboxTicket, list[InboxComment]] | None:
        with self.engine.connect() as db:
            row = db.execute(sa.select(tickets).where(tickets.c.id == ticket_id)).first()
            if row is None:
                return None
            found = db.execute(
                sa.select(comments).where(comments.c.ticket_id == ticket_id).order_by(comments.c.id)
            ).all()
        return _inbox_ticket(row), [
            InboxComment(
                id=c.id,
                author=c.author,
                public=c.public,
                body=c.body,
                created_at=c.created_at,
            )
            for c in found
        ]

    def solve(self, ticket_id: int) -> bool:
        now = now_utc()
        with self.engine.begin() as db:
            result = db.execute(
                sa.update(tickets)
                .where(tickets.c.id == ticket_id, tickets.c.status != "solved")
                .values(status="solved", solved_at=now, updated_at=now)
            )
        return result.rowcount == 1

    def _add(self, ticket_id: int, *, key: str, author: str, public: bool, body: str) -> None:
        now = now_utc()
        with self.engine.begin() as db:
            seen = db.execute(
                sa.select(comments.c.id).where(comments.c.idempotency_key == key)
            ).first()
            if seen:
                return
            self._comment(
                db,
                ticket_id=ticket_id,
                key=key,
                author=author,
                public=public,
                body=body,
                now=now,
            )
            # A message from the shopper reopens a solved ticket, as in Zendesk.
            db.execute(
                sa.update(tickets)
                .where(tickets.c.id == ticket_id)
                .values(status="open", solved_at=None, updated_at=now)
            )

    @staticmethod
    def _comment(
        db: sa.Connection,
        *,
        ticket_id: int,
        key: str,
        author: str,
        public: bool,
        body: str,
        now: datetime,
    ) -> None:
        db.execute(
            sa.insert(comments).values(
                ticket_id=ticket_id,
                idempotency_key=key,
                author=author,
                public=public,
                body=body,
                created_at=now,
            )
        )


def _inbox_ticket(row: Any) -> InboxTicket:
    return InboxTicket(**{name: getattr(row, name) for name in InboxTicket.__dataclass_fields__})
