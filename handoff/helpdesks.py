"""Helpdesk adapters: Zendesk (through `integrations.zendesk`) and the built-in helpdesk that
keeps tickets in the handoff database (the embedded default, with the agent inbox page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from handoff.activity import AgentActivity
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


@dataclass(frozen=True)
class AgentComment:
    """A public comment an agent wrote on the ticket, for the shopper's chat."""

    id: int
    author: str
    body: str


class ZendeskHelpdesk:
    """Tickets in Zendesk. Idempotent: tickets by `external_id` (and Zendesk's
    Idempotency-Key), comments by their exact text (nothing of Shopdesk's bookkeeping shows
    in a comment)."""

    name = "zendesk"

    def __init__(
        self,
        client: ZendeskClient,
        *,
        tz: ZoneInfo,
        order_field_id: int | None = None,
        conversation_field_id: int | None = None,
        group_id: int | None = None,
        brand_id: int | None = None,
    ) -> None:
        self.client = client
        self.tz = tz
        self.order_field_id = order_field_id
        self.conversation_field_id = conversation_field_id
        self.group_id = group_id
        self.brand_id = brand_id
        self._me: int | None = None
        self._names: dict[int, str] = {}

    def open_ticket(self, escalation: Escalation) -> TicketRef:
        found = self.client.tickets_by_external_id(escalation.external_id)
        if found:
            ticket = found[0]
        else:
            requester = self.client.requester(email=escalation.email, name=escalation.name)
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
                group_id=self.group_id,
                brand_id=self.brand_id,
            )
        return TicketRef(
            id=str(ticket.id),
            url=self.client.agent_url(ticket.id),
            status=ticket.status,
        )

    def add_escalation(self, ticket_id: str, escalation: Escalation) -> None:
        body = repeat_escalation_comment(escalation, self.tz)
        if body.strip() in self._bodies(ticket_id):
            return
        self.client.add_comment(int(ticket_id), body=body, public=False)

    def add_follow_up(self, ticket_id: str, follow_up: FollowUp, *, requester_email: str) -> None:
        body = follow_up_comment(follow_up, self.tz)
        if body.strip() in self._bodies(ticket_id):
            return
        requester_id = self.client.show_ticket(int(ticket_id)).requester_id
        self.client.add_comment(int(ticket_id), body=body, public=True, author_id=requester_id)

    def ticket_status(self, ticket_id: str) -> str:
        return self.client.show_ticket(int(ticket_id)).status

    # -- what agents do in Zendesk, for the chat ---------------------------------------

    def agent_comments(
        self, ticket_id: str, *, after: int | None, requester_id: int | None = None
    ) -> list[AgentComment]:
        """Public comments by agents after comment id `after`, oldest first: never the
        shopper's (the requester's) and never Shopdesk's own (the API user's)."""
        if requester_id is None:
            requester_id = self.client.show_ticket(int(ticket_id)).requester_id
        me = self.api_user_id()
        found = []
        for comment in self.client.comments(int(ticket_id)):
            if not comment.public or (after is not None and comment.id <= after):
                continue
            if comment.author_id in (None, me, requester_id):
                continue
            found.append(
                AgentComment(id=comment.id, author=self.user_name(comment.author_id),
                             body=comment.body)
            )
        return sorted(found, key=lambda c: c.id)

    def last_comment_id(self, ticket_id: str) -> int | None:
        ids = [c.id for c in self.client.comments(int(ticket_id))]
        return max(ids) if ids else None

    def post_reply(self, ticket_id: str, *, body: str, author: str) -> None:
        """An answer given outside Zendesk (Slack): a public comment, so the requester's
        email thread has it too."""
        text = f"{body}\n\n— {author}"
        if text.strip() not in self._bodies(ticket_id):
            self.client.add_comment(int(ticket_id), body=text, public=True)

    def solve(self, ticket_id: str) -> None:
        self.client.update_ticket(int(ticket_id), status="solved")

    def assign(self, ticket_id: str, *, agent_name: str, agent_email: str | None) -> bool:
        """Assign to the Zendesk agent with this email; else note who claimed it."""
        agent = self.client.find_user(email=agent_email) if agent_email else None
        if agent is not None and agent.role in ("agent", "admin"):
            self.client.update_ticket(int(ticket_id), assignee_id=agent.id)
            return True
        self.client.update_ticket(
            int(ticket_id), comment=f"Claimed in Slack by {agent_name}.", public=False
        )
        return False

    def api_user_id(self) -> int:
        if self._me is None:
            self._me = self.client.me().id
        return self._me

    def user_name(self, user_id: int | None) -> str:
        if user_id is None:
            return "Our team"
        if user_id not in self._names:
            self._names[user_id] = self.client.show_user(user_id).name or "Our team"
        return self._names[user_id]

    def _bodies(self, ticket_id: str) -> set[str]:
        return {body.strip() for body in self.client.comment_bodies(int(ticket_id))}


@dataclass(frozen=True)
class InboxComment:
    id: int
    author: str
    public: bool
    body: str
    created_at: datetime
    author_name: str | None = None


@dataclass(frozen=True)
class InboxTicket:
    id: int
    reference: str
    conversation_id: str
    requester_email: str
    requester_name: str | None
    subject: str
    status: str
    priority: str
    tags: list[str]
    order_number: str | None
    created_at: datetime
    updated_at: datetime
    solved_at: datetime | None
    assignee: str | None
    previous_ticket_id: int | None


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
                    previous_ticket_id=(
                        int(escalation.previous_ticket_id)
                        if (escalation.previous_ticket_id or "").isdigit()
                        else None
                    ),
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

    def list_tickets(
        self,
        *,
        status: str | None = None,
        assignee: str | None = None,
        search: str | None = None,
        conversation_id: str | None = None,
        limit: int = 500,
    ) -> list[InboxTicket]:
        """Newest first. `search` matches the reference, the shopper's email or name, the
        subject, the order number, the conversation id and the words of any comment."""
        query = sa.select(tickets).order_by(tickets.c.id.desc()).limit(limit)
        if status:
            query = query.where(tickets.c.status == status)
        if assignee:
            query = query.where(tickets.c.assignee == assignee)
        if conversation_id:
            query = query.where(tickets.c.conversation_id == conversation_id)
        if search and search.strip():
            pattern = f"%{_escape_like(search.strip().lower())}%"
            in_comments = sa.select(comments.c.ticket_id).where(
                sa.func.lower(comments.c.body).like(pattern, escape="\\")
            )
            query = query.where(
                sa.or_(
                    *(
                        sa.func.lower(sa.func.coalesce(column, "")).like(pattern, escape="\\")
                        for column in (
                            tickets.c.reference,
                            tickets.c.requester_email,
                            tickets.c.requester_name,
                            tickets.c.subject,
                            tickets.c.order_number,
                            tickets.c.conversation_id,
                        )
                    ),
                    tickets.c.id.in_(in_comments),
                )
            )
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
                author_name=c.author_name,
            )
            for c in found
        ]

    def reply(
        self, ticket_id: int, *, body: str, author: str, source: str, activity: AgentActivity
    ) -> InboxComment | None:
        """An agent's public reply: on the ticket and, in the same transaction, on its way
        to the shopper's chat. None if there is no such ticket."""
        now = now_utc()
        with self.engine.begin() as db:
            conversation_id = db.execute(
                sa.select(tickets.c.conversation_id).where(tickets.c.id == ticket_id)
            ).scalar_one_or_none()
            if conversation_id is None:
                return None
            comment_id = db.execute(
                sa.insert(comments)
                .values(
                    ticket_id=ticket_id,
                    author="agent",
                    author_name=author,
                    public=True,
                    body=body,
                    created_at=now,
                )
                .returning(comments.c.id)
            ).scalar_one()
            db.execute(sa.update(tickets).where(tickets.c.id == ticket_id).values(updated_at=now))
            activity.reply(
                conversation_id=conversation_id,
                body=body,
                author=author,
                source=source,
                key=f"builtin:comment:{comment_id}",
                db=db,
                at=now,
            )
        activity.wake()
        return InboxComment(
            id=comment_id, author="agent", public=True, body=body, created_at=now,
            author_name=author,
        )

    def assign(self, ticket_id: int, *, assignee: str, activity: AgentActivity) -> bool:
        with self.engine.begin() as db:
            conversation_id = db.execute(
                sa.select(tickets.c.conversation_id).where(tickets.c.id == ticket_id)
            ).scalar_one_or_none()
            if conversation_id is None:
                return False
            db.execute(
                sa.update(tickets)
                .where(tickets.c.id == ticket_id)
                .values(assignee=assignee, updated_at=now_utc())
            )
            activity.claimed(
                conversation_id=conversation_id, actor=assignee, source="inbox", db=db
            )
        return True

    def solve(
        self, ticket_id: int, *, activity: AgentActivity, actor: str | None = None,
        source: str = "inbox",
    ) -> bool:
        """Mark solved; the shopper is told and the bot takes the chat back."""
        now = now_utc()
        with self.engine.begin() as db:
            conversation_id = db.execute(
                sa.select(tickets.c.conversation_id).where(
                    tickets.c.id == ticket_id, tickets.c.status != "solved"
                )
            ).scalar_one_or_none()
            if conversation_id is None:
                return False
            db.execute(
                sa.update(tickets)
                .where(tickets.c.id == ticket_id)
                .values(status="solved", solved_at=now, updated_at=now)
            )
            activity.solved(
                conversation_id=conversation_id,
                source=source,
                actor=actor,
                key=f"builtin:solved:{ticket_id}:{now.isoformat()}",
                db=db,
            )
        activity.wake()
        return True

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


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _inbox_ticket(row: Any) -> InboxTicket:
    return InboxTicket(**{name: getattr(row, name) for name in InboxTicket.__dataclass_fields__})
