"""Where the report reads from and writes to: read once from the environment at start-up.

Embedded profile: the tracker store is the SQLite file Rasa writes (`RASA_TRACKER_DB`,
default var/tracker.db). Production profile: the PostgreSQL tracker store from the same
`RASA_DB_*` variables Rasa uses (bot/endpoints.production.yml). `ANALYTICS_TRACKER_DB_URL`
overrides both. The outbox is the handoff database (`HELPDESK_DATABASE_URL`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from common import paths
from handoff.settings import DEFAULT_DATABASE_URL as DEFAULT_HANDOFF_DATABASE_URL


class ReportSettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class ReportSettings:
    tracker_url: str
    handoff_url: str
    report_dir: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ReportSettings:
        env = os.environ if env is None else env
        return cls(
            tracker_url=env.get("ANALYTICS_TRACKER_DB_URL") or _tracker_url(env),
            handoff_url=env.get("HELPDESK_DATABASE_URL") or DEFAULT_HANDOFF_DATABASE_URL,
            report_dir=paths.report_dir(env),
        )


def _tracker_url(env: Mapping[str, str]) -> str:
    profile = (env.get("SHOPDESK_PROFILE") or "embedded").strip()
    if profile != "production":
        db = env.get("RASA_TRACKER_DB") or str(paths.VAR / "tracker.db")
        return f"sqlite:///{db}"
    required = ("RASA_DB_HOST", "RASA_DB_NAME", "RASA_DB_USER")
    missing = [name for name in required if not env.get(name)]
    if missing:
        raise ReportSettingsError(
            "production profile: the tracker store needs "
            + ", ".join(missing)
            + " (or ANALYTICS_TRACKER_DB_URL)"
        )
    port = env.get("RASA_DB_PORT") or "5432"
    if not port.isdigit():
        raise ReportSettingsError(f"RASA_DB_PORT: not a port number: {port!r}")
    return URL.create(
        "postgresql+psycopg",
        username=env["RASA_DB_USER"],
        password=env.get("RASA_DB_PASSWORD") or None,
        host=env["RASA_DB_HOST"],
        port=int(port),
        database=env["RASA_DB_NAME"],
    ).render_as_string(hide_password=False)
