"""Service configuration, read from the environment once at start-up."""

from __future__ import annotations

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
        return cls(
            database_url=database_url,
            host=host,
            port=port,
            api_token=token,
            public_base_url=public,
            policy=policy,
        )
