"""What comes back from Zendesk, reduced to the fields Shopdesk uses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ZendeskUser:
    id: int
    email: str | None


@dataclass(frozen=True)
class ZendeskTicket:
    id: int
    status: str
    external_id: str | None
