"""What comes back from Slack, reduced to the fields Shopdesk uses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PostedMessage:
    channel: str
    ts: str
