"""The logged-in shopper's identity, vouched for by the storefront.

The storefront signs a short-lived JWT (HS256, shared secret) for its logged-in customer and
the widget sends it with every message as metadata `identity_token`. A valid token lets the
shopper see that customer's orders without typing order details; a missing, bad or expired
token is ignored and the normal verification applies.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

logger = logging.getLogger(__name__)

ISSUER = "shopdesk-store"
MAX_LIFETIME_SECONDS = 3600
METADATA_KEY = "identity_token"


@dataclass(frozen=True)
class ShopperIdentity:
    customer_id: str
    email: str


def identity_from_token(token: object, *, secret: bytes | None) -> ShopperIdentity | None:
    """The identity a valid token carries, or None for anything else."""
    if not secret or not isinstance(token, str) or not token:
        return None
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "iss", "sub", "email"]},
        )
    except jwt.PyJWTError as exc:
        logger.info("ignoring identity token: %s", exc.__class__.__name__)
        return None
    if claims["exp"] - claims["iat"] > MAX_LIFETIME_SECONDS:
        logger.info("ignoring identity token: lifetime too long")
        return None
    email = claims["email"]
    if not isinstance(email, str) or "@" not in email:
        return None
    return ShopperIdentity(customer_id=str(claims["sub"]), email=email.strip().lower())


def identity_from_metadata(
    metadata: Mapping[str, Any] | None, *, secret: bytes | None
) -> ShopperIdentity | None:
    if not metadata:
        return None
    return identity_from_token(metadata.get(METADATA_KEY), secret=secret)
