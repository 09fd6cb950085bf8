"""Plain data passed between the action, the outbox, the worker and the helpdesks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from handoff.transcript import Turn

REASONS = (
    "requested",
    "fallback",
    "verification_failed",
    "refusal_disputed",
    "complaint",
    "store_unavailable",
    "refund_failed",
)


@dataclass(frozen=True)
class OrderContext:
    """What an agent needs to know about the verified order, as lines of text."""

    order_number: str
    status: str
    total: str
    placed_on: str | None = None
    items: tuple[str, ...] = ()
    shipments: tuple[str, ...] = ()
    returns: str | None = None  # return eligibility in words; None: not known

    def to_payload(self) -> dict[str, Any]:
        return {
            "order_number": self.order_number,
            "status": self.status,
            "total": self.total,
            "placed_on": self.placed_on,
            "items": list(self.items),
            "shipments": list(self.shipments),
            "returns": self.returns,
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> OrderContext:
        return cls(
            order_number=data["order_number"],
            status=data["status"],
            total=data["total"],
            placed_on=data.get("placed_on"),
            items=tuple(data.get("items") or ()),
            shipments=tuple(data.get("shipments") or ()),
            returns=data.get("returns"),
        )


@dataclass(frozen=True)
class Escalation:
    """One request for a person, as written to the outbox (already masked)."""

    conversation_id: str
    sequence: int
    reference: str
    email: str
    summary: str
    reason: str
    intent: str | None
    order_number: str | None
    verified: bool
    priority: str
    tags: tuple[str, ...]
    turns: tuple[Turn, ...]
    created_at: datetime
    name: str | None = None
    order_context: OrderContext | None = None
    # Order numbers the shopper named but did not prove (the agent may need to check them).
    claimed_orders: tuple[str, ...] = ()
    # A request after the conversation's earlier ticket was solved follows up on it.
    previous_reference: str | None = None
    previous_ticket_id: str | None = None
    # the conversation's language (en/de/fr/es); None in escalations written before it existed
    language: str | None = None

    @property
    def external_id(self) -> str:
        """The idempotency key: Zendesk `external_id` of the ticket this escalation opens."""
        return external_id_for(self.conversation_id, self.sequence)

    def to_payload(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "sequence": self.sequence,
            "reference": self.reference,
            "email": self.email,
            "name": self.name,
            "summary": self.summary,
            "reason": self.reason,
            "intent": self.intent,
            "order_number": self.order_number,
            "verified": self.verified,
            "priority": self.priority,
            "tags": list(self.tags),
            "turns": [t.to_dict() for t in self.turns],
            "created_at": self.created_at.isoformat(),
            "order_context": self.order_context.to_payload() if self.order_context else None,
            "claimed_orders": list(self.claimed_orders),
            "previous_reference": self.previous_reference,
            "previous_ticket_id": self.previous_ticket_id,
            "language": self.language,
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Escalation:
        return cls(
            conversation_id=data["conversation_id"],
            sequence=int(data["sequence"]),
            reference=data["reference"],
            email=data["email"],
            name=data.get("name"),
            summary=data["summary"],
            reason=data["reason"],
            intent=data.get("intent"),
            order_number=data.get("order_number"),
            verified=bool(data.get("verified")),
            priority=data["priority"],
            tags=tuple(data.get("tags") or ()),
            turns=tuple(Turn.from_dict(t) for t in data.get("turns") or ()),
            created_at=datetime.fromisoformat(data["created_at"]),
            order_context=(
                OrderContext.from_payload(data["order_context"])
                if data.get("order_context")
                else None
            ),
            claimed_orders=tuple(data.get("claimed_orders") or ()),
            previous_reference=data.get("previous_reference"),
            previous_ticket_id=data.get("previous_ticket_id"),
            language=data.get("language"),
        )


def external_id_for(conversation_id: str, sequence: int) -> str:
    return f"shopdesk:{conversation_id}:{sequence}"


@dataclass(frozen=True)
class FollowUp:
    """A message the shopper sent while the conversation was with a person."""

    conversation_id: str
    event_id: int
    text: str
    at: datetime

    def to_payload(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "event_id": self.event_id,
            "text": self.text,
            "at": self.at.isoformat(),
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> FollowUp:
        return cls(
            conversation_id=data["conversation_id"],
            event_id=int(data["event_id"]),
            text=data["text"],
            at=datetime.fromisoformat(data["at"]),
        )


@dataclass(frozen=True)
class TicketRef:
    """A ticket in whichever helpdesk holds it."""

    id: str
    url: str
    status: str = "new"


@dataclass(frozen=True)
class Alert:
    """What the team channel is told about a new escalation."""

    escalation: Escalation
    ticket: TicketRef
    last_turns: tuple[Turn, ...] = field(default=())
