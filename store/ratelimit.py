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

from collections.abc import Mapping

from common.forwarded_client import CLIENT_HEADER, SIGNATURE_HEADER, verified_client


def forwarded_or_peer_key(
    *, peer: str | None, headers: Mapping[str, str], forwarding_secret: bytes | None
) -> str:
    """The key failures are counted under: the signed forwarded client, else the peer."""
    forwarded = headers.get(CLIENT_HEADER)
    if verified_client(
        forwarding_secret, client=forwarded, signature=headers.get(SIGNATURE_HEADER)
    ):
        return f"forwarded:{forwarded}"
    return f"peer:{peer or 'unknown'}"
