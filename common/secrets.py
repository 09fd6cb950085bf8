"""Secrets every service checks the same way."""

from __future__ import annotations

import hashlib
import hmac

# A published demo value: anyone can mint identity tokens with it. Fine for `make run` on a
# laptop, never for a real store (set SHOPDESK_IDENTITY_SECRET to a long random string).
DEMO_IDENTITY_SECRET = "demo-identity-secret-change-me-please"


def derived_forwarding_secret(verification_secret: str) -> str:
    """The key that signs forwarded shopper keys, derived from the verification secret: the
    action server and the store, started one by one with the same environment, agree on it."""
    return hmac.new(
        verification_secret.encode(), b"shopdesk-store-forwarding", hashlib.sha256
    ).hexdigest()
