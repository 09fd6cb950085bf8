"""Deployment profiles: what the launcher starts and with which backing services.

- `embedded` (default): everything on this machine, no accounts — SQLite files in var/,
  the built-in helpdesk, and the secrets (Rasa's API token, the action server's and the
  store's tokens, the verification, identity and forwarding keys, the agents' inbox
  password) generated once into `var/secrets.env` (mode 0600; a value in the environment
  wins).
- `production`: conversations in PostgreSQL (Rasa's tracker store and event broker),
  conversation locks in Redis, the store and handoff databases in PostgreSQL, and the
  secrets required rather than generated.

Every profile puts Rasa's HTTP API, the action server and the store API behind a token, and
the agent inbox behind the agents' password.

Read once at start-up from the environment; a missing setting is named.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from bot import paths
from common.secrets import (
    DEMO_IDENTITY_SECRET,
    SecretsFileError,
    derived_forwarding_secret,
    load_or_create_secrets,
    secrets_with_overrides,
)
from common.settings import MIN_SECRET_LENGTH, SECRET, EnvSettings

EMBEDDED = "embedded"
PRODUCTION = "production"

_PRODUCTION_REQUIRED = (
    "RASA_API_TOKEN",
    "ACTION_SERVER_TOKEN",
    "STORE_API_TOKEN",
    "SHOPDESK_VERIFICATION_SECRET",
    "SHOPDESK_IDENTITY_SECRET",
    "STORE_DATABASE_URL",
    "HELPDESK_DATABASE_URL",
    "RASA_DB_HOST",
    "RASA_DB_NAME",
    "RASA_EVENTS_DB_NAME",
    "RASA_DB_USER",
    "REDIS_HOST",
    "HELPDESK_AGENT_PASSWORD",
)


class ProfileError(ValueError):
    """The profile's settings are incomplete; the message names what is missing."""


# Secrets the production profile refuses when short or equal to a published demo value.
_PRODUCTION_SECRETS = (
    "RASA_API_TOKEN",
    "ACTION_SERVER_TOKEN",
    "SHOPDESK_VERIFICATION_SECRET",
    "SHOPDESK_IDENTITY_SECRET",
    "SHOPDESK_FORWARDING_SECRET",
    "STORE_API_TOKEN",
    "HELPDESK_AGENT_PASSWORD",
)

def check_production_secrets(env: Mapping[str, str]) -> None:
    """ProfileError naming the first secret that is a demo value or shorter than 32."""
    demo_values = {DEMO_IDENTITY_SECRET}
    for name in _PRODUCTION_SECRETS:
        value = env.get(name)
        if not value:
            continue  # required ones are reported as missing; optional ones may be unset
        if value in demo_values:
            raise ProfileError(f"{name} is the published demo value; set a secret of your own")
        if len(value) < MIN_SECRET_LENGTH:
            raise ProfileError(f"{name} must be at least {MIN_SECRET_LENGTH} characters")
        if len(set(value)) < 8:
            raise ProfileError(f"{name} is too repetitive to be a secret")


def forwarding_secret(env: Mapping[str, str]) -> str:
    """The key the action server signs forwarded shopper keys with for the store.

    SHOPDESK_FORWARDING_SECRET when set; in production otherwise derived from the
    verification secret (the store learns only the derived key); embedded: fresh per start.
    """
    explicit = env.get("SHOPDESK_FORWARDING_SECRET")
    if explicit:
        return explicit
    base = env.get("SHOPDESK_VERIFICATION_SECRET")
    if base:
        return derived_forwarding_secret(base)
    return secrets.token_hex(32)


def secrets_file(env: Mapping[str, str]) -> Path:
    """Where the embedded profile keeps its generated secrets (`SHOPDESK_SECRETS_FILE`)."""
    configured = env.get("SHOPDESK_SECRETS_FILE")
    return Path(configured) if configured else paths.VAR / "secrets.env"


class Profile(EnvSettings):
    settings_error = ProfileError

    name: Literal["embedded", "production"] = Field(EMBEDDED, alias="SHOPDESK_PROFILE")
    endpoints: Path = paths.ROOT / "bot" / "endpoints.yml"
    rasa_auth_token: str = Field(alias="RASA_API_TOKEN", json_schema_extra=SECRET)
    # Extra environment for every process (database URLs, secrets, Rasa DB settings).
    env: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def derived_values(cls, env: Mapping[str, str]) -> dict[str, Any]:
        if env.get("SHOPDESK_PROFILE", EMBEDDED) != PRODUCTION:
            path = secrets_file(env)
            try:
                stored = load_or_create_secrets(path)
            except (SecretsFileError, OSError) as exc:
                raise ProfileError(f"the secrets file (SHOPDESK_SECRETS_FILE): {exc}") from None
            # The storefront, the action server, the store and Rasa all get the same values.
            generated = secrets_with_overrides(stored, env)
            return {"rasa_auth_token": generated["RASA_API_TOKEN"], "env": generated}
        missing = [key for key in _PRODUCTION_REQUIRED if not env.get(key)]
        if missing:
            raise ProfileError("the production profile needs: " + ", ".join(missing))
        check_production_secrets(env)
        defaults = {"RASA_DB_PORT": "5432", "RASA_DB_PASSWORD": "", "REDIS_PORT": "6379",
                    "REDIS_DB": "0", "REDIS_PASSWORD": ""}
        return {
            "endpoints": paths.ROOT / "bot" / "endpoints.production.yml",
            "env": {
                **defaults,
                **{k: v for k, v in env.items() if k in _FORWARDED},
                "SHOPDESK_FORWARDING_SECRET": forwarding_secret(env),
            },
        }


_FORWARDED = frozenset(
    (*_PRODUCTION_REQUIRED, "RASA_DB_PORT", "RASA_DB_PASSWORD", "REDIS_PORT", "REDIS_DB",
     "REDIS_PASSWORD",
     "SHOPDESK_PROFILE", "RASA_TOKEN", "HELPDESK_AGENT_USER", "HELPDESK_HOST")
)


def rasa_events_url(env: Mapping[str, str]) -> str:
    """SQLAlchemy URL of the production event broker's database, for the handoff process."""
    user = env["RASA_DB_USER"]
    password = env.get("RASA_DB_PASSWORD") or ""
    auth = f"{user}:{password}" if password else user
    port = env.get("RASA_DB_PORT") or "5432"
    return f"postgresql+psycopg://{auth}@{env['RASA_DB_HOST']}:{port}/{env['RASA_EVENTS_DB_NAME']}"
