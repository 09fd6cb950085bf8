"""The shopper a store call is made for, forwarded by the action server and signed so the
store can trust it (stdlib only).

The store counts failed lookups per forwarded client rather than per action server, but only
when the signature (HMAC-SHA256 under `SHOPDESK_FORWARDING_SECRET`, which both sides hold)
matches: a caller of the store API cannot mint fresh keys to dodge its limit.
"""

from __future__ import annotations

import hashlib
import hmac

CLIENT_HEADER = "Shopdesk-Client"
SIGNATURE_HEADER = "Shopdesk-Client-Signature"
MAX_CLIENT_KEY_LENGTH = 200


def client_signature(secret: bytes, client: str) -> str:
    """HMAC-SHA256 of a forwarded client key (hex)."""
    return hmac.new(secret, b"shopdesk-client\x00" + client.encode(), hashlib.sha256).hexdigest()


def signed_client_headers(secret: bytes, client: str) -> dict[str, str]:
    """The two headers that forward `client`: a header-safe key (visible ASCII, bounded;
    hashed when it is not) and its signature."""
    if not (client.isascii() and client.isprintable() and len(client) <= MAX_CLIENT_KEY_LENGTH):
        client = "sha256:" + hashlib.sha256(client.encode("utf-8", "replace")).hexdigest()
    return {CLIENT_HEADER: client, SIGNATURE_HEADER: client_signature(secret, client)}


def verified_client(secret: bytes | None, *, client: str | None, signature: str | None) -> bool:
    """Whether `client` was forwarded by a holder of `secret` (compared in constant time)."""
    return bool(
        secret
        and client
        and signature
        and len(client) <= MAX_CLIENT_KEY_LENGTH
        and hmac.compare_digest(client_signature(secret, client).encode(), signature.encode())
    )
