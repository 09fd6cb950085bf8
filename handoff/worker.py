"""The delivery worker: outbox rows to the helpdesk, then to the team channel.

Each escalation goes through two stages, recorded on its row: `helpdesk` (open the ticket,
or comment on the conversation's open ticket) and `notify` (Slack). A failed stage is retried
with bounded exponential backoff, or after the `Retry-After` the service asked for; a stage
that cannot succeed (a 4xx other than 429) or runs out of attempts parks the row with its
error for an operator. The notify stage runs only after the ticket exists, so a Slack
failure never blocks or loses a ticket.
"""

from __future__ import annotations

import logging
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta

from handoff.activity import AgentActivity
from handoff.models import Alert, Escalation, FollowUp, TicketRef
from handoff.outbox import (
    ESCALATION,
    STAGE_DONE,
    STAGE_HELPDESK,
    STAGE_NOTIFY,
    OutboxRow,
    OutboxStore,
)
from handoff.ports import SOLVED_STATUSES, Helpdesk, Notifier

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 2.0
    max_delay_seconds: float = 300.0
    max_attempts: int = 15
    max_retry_after_seconds: float = 3600.0

    def delay(self, *, attempts: int, retry_after: float | None) -> float:
        """Seconds to wait before attempt number `attempts + 1`."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after_seconds)
        return min(self.base_seconds * 2 ** max(attempts - 1, 0), self.max_delay_seconds)


class WaitForEarlierEscalation(Exception):
    """This row needs a ticket that an earlier row has not created yet."""

    retryable = True
    retry_after: float | None = 2.0


class DeliveryWorker:
    def __init__(
        self,
        *,
        store: OutboxStore,
        helpdesk: Helpdesk,
        notifier: Notifier,
        policy: RetryPolicy | None = None,
        lease: timedelta = timedelta(seconds=120),
        worker_id: str | None = None,
        activity: AgentActivity | None = None,
    ) -> None:
        self.store = store
        self.helpdesk = helpdesk
        self.notifier = notifier
        self.activity = activity
        self.policy = policy or RetryPolicy()
        self.lease = lease
        self.worker_id = worker_id or f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"

    def run_once(self) -> int:
        """Deliver the rows that are due; returns how many were claimed."""
        rows = self.store.claim(worker_id=self.worker_id, lease=self.lease)
        for row in rows:
            self.deliver(row)
        return len(rows)

    def run_forever(self, stop: threading.Event, *, idle_seconds: float = 1.0) -> None:
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:
                logger.exception("delivery worker %s: claiming failed", self.worker_id)
                busy = 0
            if not busy:
                stop.wait(idle_seconds)

    def deliver(self, row: OutboxRow) -> None:
        stage, attempts = row.stage, row.attempts
        try:
            if row.kind == ESCALATION:
                escalation = Escalation.from_payload(row.payload)
                ticket = (
                    TicketRef(id=row.ticket_id, url=row.ticket_url or "") if row.ticket_id else None
                )
                if stage == STAGE_HELPDESK:
                    ticket = self._to_helpdesk(row, escalation)
                    self.store.advance(
                        row.id,
                        worker_id=self.worker_id,
                        stage=STAGE_NOTIFY,
                        ticket=ticket,
                    )
                    stage, attempts = STAGE_NOTIFY, 0
                assert ticket is not None
                posted = self.notifier.notify(
                    Alert(escalation=escalation, ticket=ticket), maybe_posted=attempts > 0
                )
                if posted is not None:
                    self.store.attach_alert(
                        escalation.conversation_id, channel=posted.channel, ts=posted.ts
                    )
            else:
                self._follow_up(row)
            self.store.advance(row.id, worker_id=self.worker_id, stage=STAGE_DONE)
        except WaitForEarlierEscalation as exc:
            self.store.retry_later(
                row.id,
                worker_id=self.worker_id,
                error=str(exc),
                delay=exc.retry_after or 2.0,
                count=False,
            )
        except Exception as exc:  # noqa: BLE001 - classified in _failed; nothing is dropped
            self._failed(row, stage=stage, attempts=attempts, exc=exc)

    def _to_helpdesk(self, row: OutboxRow, escalation: Escalation) -> TicketRef:
        conversation = self.store.conversation(escalation.conversation_id)
        if escalation.sequence > 1 and conversation is not None:
            if conversation.ticket_id is None and self.store.earlier_escalation_pending(
                escalation.conversation_id, row.id
            ):
                raise WaitForEarlierEscalation("waiting for the conversation's first ticket")
            if conversation.ticket_id is not None:
                status = self.helpdesk.ticket_status(conversation.ticket_id)
                if status not in SOLVED_STATUSES:
                    self.helpdesk.add_escalation(conversation.ticket_id, escalation)
                    ticket = TicketRef(
                        id=conversation.ticket_id,
                        url=conversation.ticket_url or "",
                        status=status,
                    )
                    return ticket
        ticket = self.helpdesk.open_ticket(escalation)
        self.store.attach_ticket(escalation.conversation_id, ticket)
        logger.info(
            "handoff %s: ticket %s (%s)",
            escalation.reference,
            ticket.id,
            self.helpdesk.name,
        )
        return ticket

    def _follow_up(self, row: OutboxRow) -> None:
        follow_up = FollowUp.from_payload(row.payload)
        conversation = self.store.conversation(follow_up.conversation_id)
        if conversation is None or conversation.ticket_id is None:
            raise WaitForEarlierEscalation("the conversation has no ticket yet")
        self.helpdesk.add_follow_up(
            conversation.ticket_id, follow_up, requester_email=conversation.email
        )

    def _parked(self, row: OutboxRow, *, stage: str, error: str) -> None:
        """An escalation no helpdesk took: the shopper is told and the bot answers again,
        and the team is alerted. (A parked alert or follow-up leaves the ticket in place.)"""
        if row.kind != ESCALATION or stage != STAGE_HELPDESK:
            return
        escalation = Escalation.from_payload(row.payload)
        if self.activity is not None:
            self.activity.parked(
                conversation_id=escalation.conversation_id,
                key=f"parked:{escalation.external_id}:{row.id}:{row.attempts}",
            )
        try:
            self.notifier.notify_parked(escalation, error)
        except Exception:  # noqa: BLE001 - the log line below is the alert of last resort
            logger.exception("could not alert the team about parked handoff %s",
                             escalation.reference)

    def _failed(self, row: OutboxRow, *, stage: str, attempts: int, exc: Exception) -> None:
        error = f"{stage}: {type(exc).__name__}: {exc}"
        retryable = bool(getattr(exc, "retryable", True))
        if not retryable or attempts + 1 >= self.policy.max_attempts:
            logger.error("outbox row %s parked: %s", row.id, error)
            if self.store.park(row.id, worker_id=self.worker_id, error=error):
                self._parked(row, stage=stage, error=error)
            return
        delay = self.policy.delay(
            attempts=attempts + 1, retry_after=getattr(exc, "retry_after", None)
        )
        logger.warning("outbox row %s: retry in %.1fs after %s", row.id, delay, error)
        self.store.retry_later(row.id, worker_id=self.worker_id, error=error, delay=delay)
