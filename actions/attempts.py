"""Failed verifications per client, across conversations.

The per-conversation limit (`verification_failures`) ends with the conversation: a new
sender id or a restart starts from zero. This limit follows the client instead: the
shopper's IP as the channel recorded it in the message metadata (`client_ip`), or the
conversation id when the channel did not. Kept in memory by the action server process
(the store keeps its own, authoritative count per client and answers 429 beyond it).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

CLIENT_IP_KEY = "client_ip"


def client_key(*, metadata: Any, sender_id: str) -> str:
    """Who is guessing: `ip:<address>` when the channel recorded a valid one, else the
    conversation (`conversation:<sender id>`)."""
    if isinstance(metadata, Mapping):
        raw = metadata.get(CLIENT_IP_KEY)
        if isinstance(raw, str):
            try:
                return f"ip:{ipaddress.ip_address(raw.strip())}"
            except ValueError:
                pass
    return f"conversation:{sender_id}"
