"""What agents do in Zendesk reaches the shopper's chat: each new public agent comment once
(the conversation remembers the last comment id relayed; the shopper's own comments and
Shopdesk's never), and a solve ends the pause with a note to the shopper.

Two ways in:
- the webhook (`ZENDESK_WEBHOOK_SECRET` set): Zendesk calls the handoff service with a
  ticket id when a ticket changes, and `sync_ticket` reads that ticket;
- polling (no secret): `poll_once` reads the open handoffs' tickets in one request
  (tickets/show_many) and the comments of those that changed since the last look.

Every request this makes goes through its own Zendesk client, whose budget allows at most
`requests_per_minute` (`HANDOFF_ZENDESK_REQUESTS_PER_MINUTE`) and none until a 429's
Retry-After has passed; what the budget leaves out is read in a later round. With the
webhook the same poll runs rarely, to catch a missed call.

Only one handoff process polls at a time (a lease in the database).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from pyrate_limiter import Duration, Limiter, Rate

from handoff.activity import AgentActivity
from handoff.db import conversations, leases, now_utc
from handoff.helpdesks import ZendeskHelpdesk
from handoff.outbox import Conversation, OutboxStore
from handoff.ports import SOLVED_STATUSES
from integrations.zendesk import ZendeskBudgetSpent, ZendeskError, ZendeskRateLimited

logger = logging.getLogger(__name__)

LEASE = "zendesk-poller"
DEFAULT_RETRY_AFTER = 60.0
MAX_TICKETS_PER_READ = 100


class RequestBudget:
    """At most `per_minute` requests a minute (pyrate-limiter), and none while blocked
    (after a 429, until its Retry-After). `spend` is the Zendesk client's request budget."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limiter = Limiter(Rate(per_minute, Duration.MINUTE))
        self.clock = clock
        self.blocked_until = 0.0

    def blocked_for(self) -> float:
        return max(0.0, self.blocked_until - self.clock())

    def spend(self, requests: int = 1) -> bool:
        if self.blocked_for() > 0:
            return False
        return bool(self.limiter.try_acquire("zendesk", weight=requests, blocking=False))

    def block(self, seconds: float | None) -> None:
        self.blocked_until = max(
            self.blocked_until,
            self.clock() + (seconds if seconds is not None else DEFAULT_RETRY_AFTER),
        )


class ZendeskSync:
    def __init__(
        self,
        *,
        store: OutboxStore,
        helpdesk: ZendeskHelpdesk,
        activity: AgentActivity,
        budget: RequestBudget,
    ) -> None:
        self.store = store
        self.helpdesk = helpdesk
        self.activity = activity
        self.budget = budget

    # -- the webhook ------------------------------------------------------------------

    def sync_ticket(self, ticket_id: str) -> bool:
        """Bring one ticket's news to its chat; False if the ticket is not a handoff's.
        Raises ZendeskError (the webhook answers 503, Zendesk calls again)."""
        conversation = self._by_ticket(ticket_id)
        if conversation is None:
            return False
        try:
            ticket = self.helpdesk.client.show_ticket(int(ticket_id))
            self._apply(conversation, status=ticket.status, updated_at=ticket.updated_at,
                        requester_id=ticket.requester_id, read_comments=True)
        except ZendeskRateLimited as exc:
            self.budget.block(exc.retry_after)
            raise
        return True

    # -- polling ----------------------------------------------------------------------

    def poll_once(self) -> int:
        """Read what changed on open handoffs' tickets; returns the tickets looked at."""
        open_ones = self._open_handoffs()
        if not open_ones or self.budget.blocked_for() > 0:
            return 0
        by_ticket = {c.ticket_id: c for c in open_ones if c.ticket_id}
        seen = 0
        try:
            tickets = self.helpdesk.client.show_tickets([int(t) for t in by_ticket])
            for ticket in tickets:
                conversation = by_ticket.get(str(ticket.id))
                if conversation is None:
                    continue
                try:
                    self._apply(
                        conversation, status=ticket.status, updated_at=ticket.updated_at,
                        requester_id=ticket.requester_id,
                        read_comments=ticket.updated_at != conversation.ticket_updated_at,
                    )
                except (ZendeskBudgetSpent, ZendeskRateLimited):
                    raise  # the round ends here
                except ZendeskError as exc:
                    logger.warning("Zendesk ticket %s not read: %s", ticket.id, exc)
                    continue
                seen += 1
        except ZendeskBudgetSpent:
            logger.info("Zendesk request budget spent; the rest is read in a later round")
        except ZendeskRateLimited as exc:
            self.budget.block(exc.retry_after)
            logger.warning("Zendesk 429: polling paused for %.0fs", self.budget.blocked_for())
        except ZendeskError as exc:
            logger.warning("Zendesk poll failed: %s", exc)
        return seen

    def poll_if_leader(self, *, holder: str, lease: timedelta) -> int:
        if not self._take_lease(holder, lease):
            return 0
        return self.poll_once()

    # -- shared -----------------------------------------------------------------------

    def _apply(
        self,
        conversation: Conversation,
        *,
        status: str,
        updated_at: str | None,
        requester_id: int | None,
        read_comments: bool,
    ) -> None:
        assert conversation.ticket_id is not None
        conversation_id = conversation.conversation_id
        if read_comments:
            comments = self.helpdesk.agent_comments(
                conversation.ticket_id, after=conversation.last_comment_id,
                requester_id=requester_id,
            )
            for comment in comments:
                with self.store.engine.begin() as db:
                    self.activity.reply(
                        conversation_id=conversation_id,
                        body=comment.body,
                        author=comment.author,
                        source="zendesk",
                        key=f"zendesk:comment:{comment.id}",
                        db=db,
                    )
                    db.execute(
                        sa.update(conversations)
                        .where(conversations.c.conversation_id == conversation_id)
                        .values(last_comment_id=comment.id)
                    )
                self.activity.wake()
        if status in SOLVED_STATUSES and conversation.ticket_status not in SOLVED_STATUSES:
            self.activity.solved(
                conversation_id=conversation_id,
                source="zendesk",
                key=f"zendesk:solved:{conversation.ticket_id}:{updated_at}",
            )
        elif status not in SOLVED_STATUSES and status != conversation.ticket_status:
            self.activity.reopened(conversation_id=conversation_id, status=status)
        with self.store.engine.begin() as db:
            db.execute(
                sa.update(conversations)
                .where(conversations.c.conversation_id == conversation_id)
                .values(polled_at=now_utc(), **({"ticket_updated_at": updated_at}
                                                if read_comments else {}))
            )

    def _open_handoffs(self) -> list[Conversation]:
        with self.store.engine.connect() as db:
            rows = db.execute(
                sa.select(conversations.c.conversation_id)
                .where(
                    conversations.c.ticket_id.is_not(None),
                    sa.or_(
                        conversations.c.ticket_status.is_(None),
                        conversations.c.ticket_status.not_in(sorted(SOLVED_STATUSES)),
                    ),
                )
                .order_by(conversations.c.polled_at.is_not(None), conversations.c.polled_at)
                .limit(MAX_TICKETS_PER_READ)
            ).scalars().all()
        return [c for c in (self.store.conversation(r) for r in rows) if c is not None]

    def _by_ticket(self, ticket_id: str) -> Conversation | None:
        with self.store.engine.connect() as db:
            found = db.execute(
                sa.select(conversations.c.conversation_id).where(
                    conversations.c.ticket_id == ticket_id
                )
            ).scalar_one_or_none()
        return self.store.conversation(found) if found else None

    def _take_lease(self, holder: str, lease: timedelta) -> bool:
        """Hold the poller's lease (taking it when free or expired)."""
        now = now_utc()
        until = now + lease
        with self.store.engine.connect() as db:
            exists = db.execute(sa.select(leases.c.name).where(leases.c.name == LEASE)).first()
        if exists is None:
            try:
                with self.store.engine.begin() as db:
                    db.execute(sa.insert(leases).values(name=LEASE, holder=holder, until=until))
                return True
            except sa.exc.IntegrityError:
                return False  # another process took it first
        with self.store.engine.begin() as db:
            taken = db.execute(
                sa.update(leases)
                .where(
                    leases.c.name == LEASE,
                    sa.or_(leases.c.holder == holder, leases.c.until < now),
                )
                .values(holder=holder, until=until)
            )
            return taken.rowcount == 1
