"""Action server configuration, read once from the environment at start-up."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class ActionSettings:
    store_url: str
    store_api_token: str | None
    store_timeout: float
    # Key for the HMAC that proves a verification was made by this action server.
    verification_secret: bytes
    # Shared with the storefront; signs the logged-in shopper's identity token.
    identity_secret: bytes | None
    max_verification_attempts: int = 3
    # Failed verifications one client (IP or, without one, conversation) may make within
    # the window, across conversations, before the bot stops checking and offers a person.
    max_failed_verifications_per_client: int = 30
    failed_verification_window_seconds: float = 900.0
    # Shared with the store: signs the shopper's client key forwarded with store lookups.
    forwarding_secret: bytes | None = None
    # How long the store's policy (return window, shipping methods) is kept; 0: ask each time.
    store_policy_ttl: float = 60.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ActionSettings:
        env = os.environ if env is None else env
        production = env.get("SHOPDESK_PROFILE", "embedded") == "production"

        store_url = env.get("STORE_URL", "http://127.0.0.1:8100").rstrip("/")
        if not store_url.startswith(("http://", "https://")):
            raise ConfigError(f"STORE_URL must be an http(s) URL, got {store_url!r}")

        timeout = _positive_float(env, "STORE_TIMEOUT_SECONDS", default=2.5)
        policy_ttl = _non_negative_float(env, "STORE_POLICY_TTL_SECONDS", default=60.0)

        verification_secret = env.get("SHOPDESK_VERIFICATION_SECRET")
        if not verification_secret:
            if production:
                raise ConfigError("SHOPDESK_VERIFICATION_SECRET is required in production")
            # Embedded default: a fresh key per process. Verifications then end with the
            # process, which is the safe direction.
            verification_secret = secrets.token_hex(32)
        identity_secret = env.get("SHOPDESK_IDENTITY_SECRET") or None
        if production and identity_secret is not None and len(identity_secret) < 32:
            raise ConfigError("SHOPDESK_IDENTITY_SECRET must be at least 32 characters")

        attempts = int(_positive_float(env, "SHOPDESK_MAX_VERIFICATION_ATTEMPTS", default=3))
        per_client = int(
            _positive_float(env, "SHOPDESK_MAX_FAILED_VERIFICATIONS_PER_CLIENT", default=30)
        )
        window = _positive_float(env, "SHOPDESK_FAILED_VERIFICATION_WINDOW_SECONDS", default=900)
        forwarding = env.get("SHOPDESK_FORWARDING_SECRET") or None
        if forwarding is not None and len(forwarding) < 32:
            raise ConfigError("SHOPDESK_FORWARDING_SECRET must be at least 32 characters")
        if forwarding is None and env.get("SHOPDESK_VERIFICATION_SECRET"):
            # As the store does when started on its own with the same environment.
            forwarding = derived_forwarding_secret(env["SHOPDESK_VERIFICATION_SECRET"])
        return cls(
            store_url=store_url,
            store_api_token=env.get("STORE_API_TOKEN") or None,
            store_timeout=timeout,
            verification_secret=verification_secret.encode(),
            identity_secret=identity_secret.encode() if identity_secret else None,
            max_verification_attempts=attempts,
            max_failed_verifications_per_client=max(per_client, 1),
            failed_verification_window_seconds=window,
            forwarding_secret=forwarding.encode() if forwarding else None,
            store_policy_ttl=policy_ttl,
        )


def derived_forwarding_secret(verification_secret: str) -> str:
    """The forwarding key derived from the verification secret (same as the store's)."""
    return hmac.new(
        verification_secret.encode(), b"shopdesk-store-forwarding", hashlib.sha256
    ).hexdigest()


def _positive_float(env: Mapping[str, str], name: str, *, default: float) -> float:
    return _float(env, name, default=default, zero_allowed=False)


def _non_negative_float(env: Mapping[str, str], name: str, *, default: float) -> float:
    return _float(env, name, default=default, zero_allowed=True)


def _float(env: Mapping[str, str], name: str, *, default: float, zero_allowed: bool) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not (0 <= value if zero_allowed else 0 < value) or value == float("inf"):
        kind = "zero or positive" if zero_allowed else "positive"
        raise ConfigError(f"{name} must be {kind}, got {raw!r}")
    return value
