"""Service configuration, read from the environment once at start-up."""

from __future__ import annotations

import hashlib
import hmac
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from store.policy import PolicyError, StorePolicy, load_policy

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "sqlite:///var/store.db"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8100
DEFAULT_MAX_FAILED_LOOKUPS = 50
DEFAULT_FAILED_LOOKUP_WINDOW_SECONDS = 900.0


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the env var."""


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


@dataclass(frozen=True)
class StoreSettings:
    database_url: URL = field(default_factory=lambda: resolve_database_url(DEFAULT_DATABASE_URL))
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    # When set, every /api route requires ``Authorization: Bearer <token>``.
    api_token: str | None = None
    # Public base for RMA label links; None means http://<host>:<port>.
    public_base_url: str | None = None
    policy: StorePolicy = field(default_factory=StorePolicy)
    # Failed ownership checks (wrong email/postcode, no such order) one client may make
    # within the window before the API answers 429 (see store.ratelimit).
    max_failed_lookups: int = DEFAULT_MAX_FAILED_LOOKUPS
    failed_lookup_window_seconds: float = DEFAULT_FAILED_LOOKUP_WINDOW_SECONDS
    # Shared with the action server, which signs the shopper's client key with it.
    forwarding_secret: bytes | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StoreSettings:
        env = os.environ if env is None else env
        database_url = resolve_database_url(env.get("STORE_DATABASE_URL") or DEFAULT_DATABASE_URL)
        raw_port = env.get("STORE_PORT", "").strip() or str(DEFAULT_PORT)
        try:
            port = int(raw_port)
        except ValueError:
            raise SettingsError(f"STORE_PORT must be an integer, got {raw_port!r}") from None
        if not 0 < port < 65536:
            raise SettingsError(f"STORE_PORT must be 1-65535, got {port}")
        host = env.get("STORE_HOST", "").strip() or DEFAULT_HOST
        token = env.get("STORE_API_TOKEN", "").strip() or None
        public = env.get("STORE_PUBLIC_URL", "").strip().rstrip("/") or None
        try:
            policy = load_policy(env)
        except PolicyError as exc:
            raise SettingsError(str(exc)) from None
        max_failed = _positive_int(env, "STORE_MAX_FAILED_LOOKUPS", DEFAULT_MAX_FAILED_LOOKUPS)
        window = _positive_float(
            env, "STORE_FAILED_LOOKUP_WINDOW_SECONDS", DEFAULT_FAILED_LOOKUP_WINDOW_SECONDS
        )
        forwarding = env.get("SHOPDESK_FORWARDING_SECRET", "").strip()
        if forwarding and len(forwarding) < 32:
            raise SettingsError("SHOPDESK_FORWARDING_SECRET must be at least 32 characters")
        if not forwarding and env.get("SHOPDESK_VERIFICATION_SECRET"):
            # Processes started one by one (containers) share the verification secret:
            # both sides derive the same forwarding key from it, as the launcher does.
            forwarding = derived_forwarding_secret(env["SHOPDESK_VERIFICATION_SECRET"])
        return cls(
            database_url=database_url,
            host=host,
            port=port,
            api_token=token,
            public_base_url=public,
            policy=policy,
            max_failed_lookups=max_failed,
            failed_lookup_window_seconds=window,
            forwarding_secret=forwarding.encode() if forwarding else None,
        )


def derived_forwarding_secret(verification_secret: str) -> str:
    """The forwarding key derived from the verification secret (same as the bot's)."""
    return hmac.new(
        verification_secret.encode(), b"shopdesk-store-forwarding", hashlib.sha256
    ).hexdigest()


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    if value < 1:
        raise SettingsError(f"{name} must be at least 1, got {value}")
    return value


def _positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if not value > 0 or math.isinf(value):
        raise SettingsError(f"{name} must be a positive number, got {raw!r}")
    return value
