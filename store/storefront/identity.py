"""Identity tokens for the widget: the store vouches for the logged-in shopper.

The contract with the action server (which verifies, and alone decides to trust):
a JWT signed HS256 with SHOPDESK_IDENTITY_SECRET, claims
``{"iss": "shopdesk-store", "sub": "<customer id>", "email": ..., "iat": ..., "exp": ...}``,
lifetime at most one hour. The widget passes it along as ``customData.identity_token``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import jwt

ISSUER = "shopdesk-store"
ALGORITHM = "HS256"
MAX_LIFETIME = timedelta(hours=1)


def issue_identity_token(
    *, customer_id: int | str, email: str, secret: str, now: datetime, ttl: timedelta
) -> str:
    """A signed token saying "this browser is signed in as customer ``customer_id``"."""
    if not timedelta(0) < ttl <= MAX_LIFETIME:
        raise ValueError(f"identity token lifetime must be within (0, 1 h], got {ttl}")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    claims = {
        "iss": ISSUER,
        "sub": str(customer_id),
        "email": email,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_identity_token(token: str, *, secret: str) -> str | None:
    """The email a valid token vouches for (signature, issuer, expiry and at most an hour's
    lifetime checked), else None."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], issuer=ISSUER,
            options={"require": ["exp", "iat", "iss", "sub", "email"]},
        )
    except jwt.PyJWTError:
        return None
    if claims["exp"] - claims["iat"] > MAX_LIFETIME.total_seconds():
        return None
    email = claims["email"]
    return email.strip().lower() if isinstance(email, str) and "@" in email else None
