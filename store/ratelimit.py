"""Failed-lookup limits: a client that keeps guessing order details gets 429, not answers.

Every request that names an order and fails the ownership check (`order_not_found`) counts
as one failure for its client. Beyond `max_failures` within `window_seconds` the client is
refused (429, `Retry-After`) until its oldest failure in the window expires, even for
details that would match: a guesser must not learn which guess was right.

Who "the client" is: the TCP peer, unless the request carries the shopper's key forwarded
by the bot's action server, signed with the forwarding secret both sides share
(`Shopdesk-Client` + `Shopdesk-Client-Signature`). Without a valid signature the headers
are ignored, so a shopper calling the API directly cannot mint fresh keys to dodge the
limit; with one, the shoppers behind one action server are limited one by one instead of
all together.

The counting is common.limits.FailureWindow (shared with the action server). State is
in memory, per store process (a restart forgets it; several store processes
each count on their own).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

CLIENT_HEADER = "Shopdesk-Client"
SIGNATURE_HEADER = "Shopdesk-Client-Signature"
MAX_CLIENT_KEY_LENGTH = 200


def client_signature(secret: bytes, client: str) -> str:
    """HMAC-SHA256 of the forwarded client key (hex); the action server computes the same."""
    return hmac.new(secret, b"shopdesk-client\x00" + client.encode(), hashlib.sha256).hexdigest()


def forwarded_or_peer_key(
    *, peer: str | None, headers: Mapping[str, str], forwarding_secret: bytes | None
) -> str:
    """The key failures are counted under: the signed forwarded client, else the peer."""
    forwarded = headers.get(CLIENT_HEADER)
    signature = headers.get(SIGNATURE_HEADER)
    if (
        forwarding_secret
        and forwarded
        and signature
        and len(forwarded) <= MAX_CLIENT_KEY_LENGTH
        and hmac.compare_digest(
            client_signature(forwarding_secret, forwarded).encode(), signature.encode()
        )
    ):
        return f"forwarded:{forwarded}"
    return f"peer:{peer or 'unknown'}"
