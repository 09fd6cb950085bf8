"""Storefront configuration, read from the environment once at start-up."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from common.secrets import DEMO_IDENTITY_SECRET

log = logging.getLogger(__name__)

DEFAULT_WIDGET_SERVER_URL = "http://127.0.0.1:5005"
DEFAULT_DEMO_CUSTOMER_EMAIL = "jo@example.com"
DEFAULT_TOKEN_TTL_SECONDS = 15 * 60
MAX_TOKEN_TTL_SECONDS = 60 * 60
MIN_SECRET_LENGTH = 32  # HS256 wants a key at least as long as the hash (RFC 7518 3.2)


class StorefrontSettingsError(ValueError):
    """A storefront setting is missing or malformed; the message names the env var."""


@dataclass(frozen=True)
class StorefrontSettings:
    # Where shoppers' browsers reach Rasa's socket.io channel.
    widget_server_url: str = DEFAULT_WIDGET_SERVER_URL
    # HS256 secret shared with the action server, which verifies the tokens.
    identity_secret: str = DEMO_IDENTITY_SECRET
    # The customer the demo "order history" page is signed in as.
    demo_customer_email: str = DEFAULT_DEMO_CUSTOMER_EMAIL
    token_ttl_seconds: int = DEFAULT_TOKEN_TTL_SECONDS
    store_name: str = "Shopdesk Demo Store"

    def __post_init__(self) -> None:
        parts = urlsplit(self.widget_server_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise StorefrontSettingsError(
                f"SHOPDESK_WIDGET_SERVER_URL must be an http(s) URL, got {self.widget_server_url!r}"
            )
        if len(self.identity_secret) < MIN_SECRET_LENGTH:
            raise StorefrontSettingsError(
                f"SHOPDESK_IDENTITY_SECRET must be at least {MIN_SECRET_LENGTH} characters"
            )
        if not 0 < self.token_ttl_seconds <= MAX_TOKEN_TTL_SECONDS:
            raise StorefrontSettingsError(
                f"SHOPDESK_IDENTITY_TOKEN_TTL must be 1-{MAX_TOKEN_TTL_SECONDS} seconds, "
                f"got {self.token_ttl_seconds}"
            )
        if "@" not in self.demo_customer_email:
            raise StorefrontSettingsError(
                "SHOPDESK_DEMO_CUSTOMER_EMAIL is not an email address: "
                f"{self.demo_customer_email!r}"
            )

    @property
    def widget_origin(self) -> str:
        parts = urlsplit(self.widget_server_url)
        return f"{parts.scheme}://{parts.netloc}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StorefrontSettings:
        env = os.environ if env is None else env
        raw_ttl = env.get("SHOPDESK_IDENTITY_TOKEN_TTL", "").strip() or str(
            DEFAULT_TOKEN_TTL_SECONDS
        )
        try:
            ttl = int(raw_ttl)
        except ValueError:
            raise StorefrontSettingsError(
                f"SHOPDESK_IDENTITY_TOKEN_TTL must be an integer, got {raw_ttl!r}"
            ) from None
        secret = env.get("SHOPDESK_IDENTITY_SECRET", "").strip() or DEMO_IDENTITY_SECRET
        if secret == DEMO_IDENTITY_SECRET:
            log.warning("SHOPDESK_IDENTITY_SECRET is not set: using the public demo secret")
        return cls(
            widget_server_url=(
                env.get("SHOPDESK_WIDGET_SERVER_URL", "").strip() or DEFAULT_WIDGET_SERVER_URL
            ).rstrip("/"),
            identity_secret=secret,
            demo_customer_email=(
                env.get("SHOPDESK_DEMO_CUSTOMER_EMAIL", "").strip() or DEFAULT_DEMO_CUSTOMER_EMAIL
            ).lower(),
            token_ttl_seconds=ttl,
        )
