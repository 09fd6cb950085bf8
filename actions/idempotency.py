"""Idempotency keys for order-changing store calls.

A key is derived only from the conversation and the request, so when Rasa (or a channel
retry) runs the same action again on the same state, the store sees the same key and
replays its first answer instead of acting twice. `earlier_runs` tells a retry (same
state, same count) from the shopper asking for the same thing again later in the
conversation (one more completed run), e.g. the second of two identical units.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def idempotency_key(
    *, sender_id: str, operation: str, order_number: str, request: Mapping[str, Any]
) -> str:
    """`<operation>-<64 hex>`: the same conversation and request always give the same key."""
    canonical = json.dumps(
        {"sender": sender_id, "op": operation, "order": order_number, "request": request},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return f"{operation}-{hashlib.sha256(canonical.encode()).hexdigest()}"


def earlier_runs(events: list[dict[str, Any]], action_name: str) -> int:
    """How many times `action_name` already completed in this conversation.

    A retry of the current run sees the same tracker, hence the same count: the current
    run is logged only once it has returned.
    """
    return sum(1 for e in events if e.get("event") == "action" and e.get("name") == action_name)
