"""Idempotency keys for order-changing store calls.

A key is derived only from the conversation and the request, so when Rasa (or a channel
retry) runs the same action again on the same state, the store sees the same key and
replays its first answer instead of acting twice.
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
