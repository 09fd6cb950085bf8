"""What comes back from Zendesk, reduced to the fields Shopdesk uses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ZendeskUser:
    id: int
    email: str | None
    name: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class ZendeskTicket:
    id: int
    status: str
    external_id: str | None
    requester_id: int | None = None
    assignee_id: int | None = None
    updated_at: str | None = None


@dataclass(frozen=True)
class ZendeskComment:
    id: int
    author_id: int | None
    public: bool
    body: str
