"""Service configuration, read from the environment once at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from common.paths import ROOT as REPO_ROOT
from common.secrets import derived_forwarding_secret
from common.settings import (
    SECRET,
    EnvSettings,
    LongSecretBytes,
    Port,
    PositiveFloat,
    PositiveInt,
)
from common.settings import SettingsError as SettingsError
from integrations.store.configured_policy import PolicyError, StorePolicy, load_policy

DEFAULT_DATABASE_URL = "sqlite:///var/store.db"


def resolve_database_url(raw: str) -> URL:
    """Parse a database URL; a relative SQLite path is taken relative to the repo root."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise SettingsError(f"STORE_DATABASE_URL is not a database URL: {raw!r}") from None
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database)
        if not path.is_absolute():
            path = REPO_ROOT / path
        url = url.set(database=str(path))
    return url


class StoreSettings(EnvSettings):
    database_url: URL = Field(
        default_factory=lambda: resolve_database_url(DEFAULT_DATABASE_URL),
        alias="STORE_DATABASE_URL",
    )
    host: str = Field("127.0.0.1", alias="STORE_HOST")
    port: Port = Field(8100, alias="STORE_PORT")
    # When set, every /api route requires ``Authorization: Bearer <token>``.
    api_token: str | None = Field(None, alias="STORE_API_TOKEN", json_schema_extra=SECRET)
    # Public base for RMA label links; None means http://<host>:<port>.
    public_base_url: str | None = Field(None, alias="STORE_PUBLIC_URL")
    # Defaults, then STORE_POLICY_FILE, then single STORE_* overrides (configured_policy.py).
    policy: StorePolicy = Field(default_factory=StorePolicy)
    # Failed ownership checks (wrong email/postcode, no such order) one client may make
    # within the window before the API answers 429 (see store.ratelimit).
    max_failed_lookups: PositiveInt = Field(50, alias="STORE_MAX_FAILED_LOOKUPS")
    failed_lookup_window_seconds: PositiveFloat = Field(
        900.0, alias="STORE_FAILED_LOOKUP_WINDOW_SECONDS"
    )
    # Shared with the action server, which signs the shopper's client key with it.
    forwarding_secret: LongSecretBytes | None = Field(
        None, alias="SHOPDESK_FORWARDING_SECRET", json_schema_extra=SECRET
    )

    @field_validator("database_url", mode="before")
    @classmethod
    def _database_url(cls, value: object) -> object:
        return resolve_database_url(value) if isinstance(value, str) else value

    @field_validator("public_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else None

    @classmethod
    def derived_values(cls, env: Mapping[str, str]) -> dict[str, Any]:
        try:
            defaults: dict[str, Any] = {"policy": load_policy(env)}
        except PolicyError as exc:
            raise SettingsError(str(exc)) from None
        if "SHOPDESK_VERIFICATION_SECRET" in env:
            # Processes started one by one (containers) share the verification secret:
            # both sides derive the same forwarding key from it, as the launcher does.
            defaults["SHOPDESK_FORWARDING_SECRET"] = derived_forwarding_secret(
                env["SHOPDESK_VERIFICATION_SECRET"]
            )
        return defaults
