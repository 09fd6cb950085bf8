"""Deployment profiles: what the launcher starts and with which backing services.

- `embedded` (default): everything on this machine, no accounts — SQLite files in var/,
  Rasa's HTTP API open on localhost, the built-in helpdesk.
- `production`: conversations in PostgreSQL (Rasa's tracker store and event broker),
  conversation locks in Redis, the store and handoff databases in PostgreSQL, Rasa's HTTP
  API behind a token, and the secrets required rather than generated.

Read once at start-up from the environment; a missing setting is named.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot import paths

EMBEDDED = "embedded"
PRODUCTION = "production"

_PRODUCTION_REQUIRED = (
    "RASA_API_TOKEN",
    "SHOPDESK_VERIFICATION_SECRET",
    "SHOPDESK_IDENTITY_SECRET",
    "STORE_DATABASE_URL",
    "HELPDESK_DATABASE_URL",
    "RASA_DB_HOST",
    "RASA_DB_NAME",
    "RASA_EVENTS_DB_NAME",
    "RASA_DB_USER",
    "REDIS_HOST",
)


class ProfileError(ValueError):
    """The profile's settings are incomplete; the message names what is missing."""


@dataclass(frozen=True)
class Profile:
    name: str
    endpoints: Path
    rasa_auth_token: str | None
    # Extra environment for every process (database URLs, secrets, Rasa DB settings).
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Profile:
        env = os.environ if env is None else env
        name = env.get("SHOPDESK_PROFILE", EMBEDDED).strip() or EMBEDDED
        if name == EMBEDDED:
            from web.storefront.settings import DEMO_IDENTITY_SECRET

            return cls(
                name=EMBEDDED,
                endpoints=paths.ROOT / "bot" / "endpoints.yml",
                rasa_auth_token=env.get("RASA_API_TOKEN") or None,
                # The demo storefront signs its logged-in customer with a published demo
                # key; the action server must know the same key to trust it.
                env={"SHOPDESK_IDENTITY_SECRET":
                     env.get("SHOPDESK_IDENTITY_SECRET") or DEMO_IDENTITY_SECRET},
            )
        if name != PRODUCTION:
            raise ProfileError(f"SHOPDESK_PROFILE must be embedded or production, got {name!r}")
        missing = [key for key in _PRODUCTION_REQUIRED if not env.get(key)]
        if missing:
            raise ProfileError("the production profile needs: " + ", ".join(missing))
        defaults = {"RASA_DB_PORT": "5432", "RASA_DB_PASSWORD": "", "REDIS_PORT": "6379",
                    "REDIS_DB": "0"}
        return cls(
            name=PRODUCTION,
            endpoints=paths.ROOT / "bot" / "endpoints.production.yml",
            rasa_auth_token=env["RASA_API_TOKEN"],
            env={**defaults, **{k: v for k, v in env.items() if k in _FORWARDED}},
        )


_FORWARDED = frozenset(
    (*_PRODUCTION_REQUIRED, "RASA_DB_PORT", "RASA_DB_PASSWORD", "REDIS_PORT", "REDIS_DB",
     "SHOPDESK_PROFILE", "STORE_API_TOKEN", "RASA_TOKEN")
)


def rasa_events_url(env: Mapping[str, str]) -> str:
    """SQLAlchemy URL of the production event broker's database, for the handoff process."""
    user = env["RASA_DB_USER"]
    password = env.get("RASA_DB_PASSWORD") or ""
    auth = f"{user}:{password}" if password else user
    port = env.get("RASA_DB_PORT") or "5432"
    return f"postgresql+psycopg://{auth}@{env['RASA_DB_HOST']}:{port}/{env['RASA_EVENTS_DB_NAME']}"
