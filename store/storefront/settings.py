"""Storefront configuration, read from the environment once at start-up."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from common.secrets import DEMO_IDENTITY_SECRET
from common.settings import SECRET, EnvSettings, LongSecret

log = logging.getLogger(__name__)

DEFAULT_WIDGET_SERVER_URL = "http://127.0.0.1:5005"
DEFAULT_DEMO_CUSTOMER_EMAIL = "jo@example.com"
DEFAULT_TOKEN_TTL_SECONDS = 15 * 60
MAX_TOKEN_TTL_SECONDS = 60 * 60


class StorefrontSettingsError(ValueError):
    """A storefront setting is missing or malformed; the message names the env var."""


class StorefrontSettings(EnvSettings):
    settings_error = StorefrontSettingsError

    # Where shoppers' browsers reach Rasa's socket.io channel.
    widget_server_url: str = Field(DEFAULT_WIDGET_SERVER_URL, alias="SHOPDESK_WIDGET_SERVER_URL")
    # HS256 secret shared with the action server, which verifies the tokens.
    identity_secret: LongSecret = Field(
        DEMO_IDENTITY_SECRET, alias="SHOPDESK_IDENTITY_SECRET", json_schema_extra=SECRET
    )
    # The customer the demo "order history" page is signed in as.
    demo_customer_email: str = Field(
        DEFAULT_DEMO_CUSTOMER_EMAIL, alias="SHOPDESK_DEMO_CUSTOMER_EMAIL"
    )
    token_ttl_seconds: int = Field(
        DEFAULT_TOKEN_TTL_SECONDS,
        gt=0,
        le=MAX_TOKEN_TTL_SECONDS,
        alias="SHOPDESK_IDENTITY_TOKEN_TTL",
    )
    store_name: str = "Shopdesk Demo Store"

    @field_validator("widget_server_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"SHOPDESK_WIDGET_SERVER_URL must be an http(s) URL, got {value!r}")
        return value.rstrip("/")

    @field_validator("demo_customer_email")
    @classmethod
    def _email(cls, value: str) -> str:
        if "@" not in value:
            raise ValueError(f"SHOPDESK_DEMO_CUSTOMER_EMAIL is not an email address: {value!r}")
        return value.lower()

    @property
    def widget_origin(self) -> str:
        parts = urlsplit(self.widget_server_url)
        return f"{parts.scheme}://{parts.netloc}"

    @classmethod
    def derived_values(cls, env: Mapping[str, str]) -> dict[str, Any]:
        if env.get("SHOPDESK_IDENTITY_SECRET", DEMO_IDENTITY_SECRET) == DEMO_IDENTITY_SECRET:
            log.warning("SHOPDESK_IDENTITY_SECRET is not set: using the public demo secret")
        return {}
