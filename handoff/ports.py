"""The interfaces the worker delivers through; adapters live in `handoff.helpdesks` and
`handoff.notifiers`.

Adapters raise exceptions that carry `retryable: bool` and `retry_after: float | None`
(see `integrations/*/errors.py`); anything else is treated as retryable, so an unexpected
failure is retried and, in the end, parked — never dropped.
"""

from __future__ import annotations

from typing import Protocol

from handoff.models import Alert, Escalation, FollowUp, TicketRef
from integrations.slack import PostedMessage

SOLVED_STATUSES = frozenset({"solved", "closed"})


class Helpdesk(Protocol):
    name: str

    def open_ticket(self, escalation: Escalation) -> TicketRef:
        """Create the ticket for `escalation`, or return it if it already exists."""

    def add_escalation(self, ticket_id: str, escalation: Escalation) -> None:
        """Add a repeat escalation to an open ticket (at most once per escalation)."""

    def add_follow_up(self, ticket_id: str, follow_up: FollowUp, *, requester_email: str) -> None:
        """Append a later message of the shopper (at most once per message)."""

    def ticket_status(self, ticket_id: str) -> str:
        """The ticket's status: new, open, pending, hold, solved or closed."""


class Notifier(Protocol):
    def notify(self, alert: Alert, *, maybe_posted: bool = False) -> PostedMessage | None:
        """Tell the team about a new escalation, once: `maybe_posted` says an earlier
        attempt may have got through (look for it before posting again)."""

    def notify_parked(self, escalation: Escalation, error: str) -> None:
        """Tell the team that an escalation could not be delivered to the helpdesk."""
