"""Action server configuration, read once from the environment at start-up."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any, Self

from pydantic import Field, field_validator, model_validator

from common.client_address import client_proof_key
from common.env import RedisLocation
from common.order_numbers import BackendSettingError, store_backend
from common.secrets import derived_forwarding_secret
from common.settings import (
    SECRET,
    EnvSettings,
    LongSecretBytes,
    NonNegativeFloat,
    Port,
    PositiveFloat,
    PositiveInt,
)
from integrations.shopify.settings import ShopifySettingError, ShopifySettings
from integrations.store.configured_policy import PolicyError, StorePolicy, load_policy
from integrations.store.port import DEFAULT_TIMEOUT

# The shared token Rasa sends with every action call (bot/endpoints*.yml).
TOKEN_SETTING = "ACTION_SERVER_TOKEN"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names it."""


class ActionSettings(EnvSettings):
    settings_error = ConfigError

    profile: str = Field("embedded", alias="SHOPDESK_PROFILE")
    # Where the action server listens (`--port` wins over ACTION_SERVER_PORT).
    host: str = Field("127.0.0.1", alias="SANIC_HOST")
    port: Port = Field(5055, alias="ACTION_SERVER_PORT")
    store_url: str = Field("http://127.0.0.1:8100", alias="STORE_URL")
    store_api_token: str | None = Field(None, alias="STORE_API_TOKEN", json_schema_extra=SECRET)
    store_timeout: PositiveFloat = Field(DEFAULT_TIMEOUT, alias="STORE_TIMEOUT_SECONDS")
    # Key for the HMAC that proves a verification was made by this action server. Embedded
    # default: a fresh key per process, so verifications end with it (the safe direction).
    verification_secret: bytes = Field(
        default_factory=lambda: secrets.token_hex(32).encode(),
        alias="SHOPDESK_VERIFICATION_SECRET",
        json_schema_extra=SECRET,
    )
    # Shared with the storefront; signs the logged-in shopper's identity token.
    identity_secret: bytes | None = Field(
        None, alias="SHOPDESK_IDENTITY_SECRET", json_schema_extra=SECRET
    )
    max_verification_attempts: PositiveInt = Field(3, alias="SHOPDESK_MAX_VERIFICATION_ATTEMPTS")
    # Failed verifications one client (IP or, without one, conversation) may make within
    # the window, across conversations, before the bot stops checking and offers a person.
    max_failed_verifications_per_client: PositiveInt = Field(
        30, alias="SHOPDESK_MAX_FAILED_VERIFICATIONS_PER_CLIENT"
    )
    failed_verification_window_seconds: PositiveFloat = Field(
        900.0, alias="SHOPDESK_FAILED_VERIFICATION_WINDOW_SECONDS"
    )
    # Shared with the store: signs the shopper's client key forwarded with store lookups.
    forwarding_secret: LongSecretBytes | None = Field(
        None, alias="SHOPDESK_FORWARDING_SECRET", json_schema_extra=SECRET
    )
    # How long the store's policy (return window, shipping methods) is kept; 0: ask each time.
    store_policy_ttl: NonNegativeFloat = Field(60.0, alias="STORE_POLICY_TTL_SECONDS")
    # The store's platform: "reference" (the store/ service over HTTP) or "shopify".
    store_backend: str = Field("reference", alias="SHOPDESK_STORE_BACKEND")
    # With the Shopify backend: its settings (SHOPIFY_*), and Shopdesk's return and shipping
    # policy for the shop (STORE_POLICY_FILE and the STORE_* overrides, as the reference
    # store reads them).
    shopify: ShopifySettings | None = None
    shopify_policy: StorePolicy | None = None

    @field_validator("store_backend")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        try:
            return store_backend({"SHOPDESK_STORE_BACKEND": value})
        except BackendSettingError as exc:
            raise ValueError(str(exc)) from None
    # The shared token Rasa sends with every action call (checked by actions/webhook.py);
    # the chat channel's signatures on client addresses use a key derived from it.
    action_server_token: str | None = Field(
        None, alias=TOKEN_SETTING, json_schema_extra=SECRET
    )
    # Where the per-network failure budgets are shared (production), else in memory.
    redis_host: str | None = Field(None, alias="REDIS_HOST")
    redis_port: Port = Field(6379, alias="REDIS_PORT")
    redis_db: int = Field(0, ge=0, alias="REDIS_DB")
    redis_password: str | None = Field(None, alias="REDIS_PASSWORD", json_schema_extra=SECRET)

    @property
    def client_proof_key(self) -> bytes | None:
        """Checks the chat channel's signature on the client address."""
        token = self.action_server_token
        return client_proof_key(token) if token else None

    @property
    def redis(self) -> RedisLocation | None:
        if not self.redis_host:
            return None
        return RedisLocation(
            host=self.redis_host, port=self.redis_port, db=self.redis_db,
            password=self.redis_password,
        )

    @field_validator("store_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"STORE_URL must be an http(s) URL, got {value!r}")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _production_identity_secret(self) -> Self:
        if (
            self.profile == "production"
            and self.identity_secret is not None
            and len(self.identity_secret) < 32
        ):
            raise ValueError("SHOPDESK_IDENTITY_SECRET must be at least 32 characters")
        return self

    @classmethod
    def derived_values(cls, env: Mapping[str, str]) -> dict[str, Any]:
        return {**_shopify_values(env), **_forwarding_values(env)}


def _shopify_values(env: Mapping[str, str]) -> dict[str, Any]:
    """The Shopify backend's settings and policy, when it is the backend."""
    try:
        if store_backend(env) != "shopify":
            return {}
        return {"shopify": ShopifySettings.from_env(env), "shopify_policy": load_policy(env)}
    except (BackendSettingError, ShopifySettingError, PolicyError) as exc:
        raise ConfigError(str(exc)) from None


def _forwarding_values(env: Mapping[str, str]) -> dict[str, Any]:
    verification = env.get("SHOPDESK_VERIFICATION_SECRET")
    if verification is None:
        if env.get("SHOPDESK_PROFILE") == "production":
            raise ConfigError("SHOPDESK_VERIFICATION_SECRET is required in production")
        return {}
    # As the store does when started on its own with the same environment.
    return {"SHOPDESK_FORWARDING_SECRET": derived_forwarding_secret(verification)}

