"""Where the report reads from and writes to: read once from the environment at start-up.

Embedded profile: the tracker store is the SQLite file Rasa writes (`RASA_TRACKER_DB`,
default var/tracker.db). Production profile: the PostgreSQL tracker store from the same
`RASA_DB_*` variables Rasa uses (bot/endpoints.production.yml). `ANALYTICS_TRACKER_DB_URL`
overrides both. The outbox is the handoff database (`HELPDESK_DATABASE_URL`), which also
keeps the daily summary table.

What the report shows: days in `BUSINESS_TZ` (default UTC, as the handoff service);
`ANALYTICS_TEST_SENDER_PREFIXES` (comma-separated) leaves test traffic out;
`ANALYTICS_COST_PER_TICKET` (an amount in `ANALYTICS_CURRENCY`, default GBP) prices a
resolved conversation; `ANALYTICS_INBOX_URL` makes the links to conversations absolute (for
the emailed report; default `HELPDESK_PUBLIC_URL`, where agents open the inbox, else links
relative to the inbox that serves the report).
Email (`--email`): `REPORT_EMAIL_TO` (comma-separated), `REPORT_EMAIL_FROM`, `SMTP_HOST`,
`SMTP_PORT` (default 587 with `SMTP_STARTTLS=true`, the default; 25 without),
`SMTP_USER` / `SMTP_PASSWORD` (both or neither).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from sqlalchemy.engine import URL

from common import paths
from common.settings import SECRET, CommaList, EnvSettings, Port
from handoff.settings import DEFAULT_DATABASE_URL as DEFAULT_HANDOFF_DATABASE_URL


class ReportSettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""


class EmailSettings(EnvSettings):
    settings_error = ReportSettingsError

    to: CommaList = Field(alias="REPORT_EMAIL_TO")
    sender: str = Field(alias="REPORT_EMAIL_FROM")
    host: str = Field(alias="SMTP_HOST")
    starttls: bool = Field(True, alias="SMTP_STARTTLS")
    port: Port = Field(alias="SMTP_PORT")
    user: str | None = Field(None, alias="SMTP_USER")
    password: str | None = Field(None, alias="SMTP_PASSWORD", json_schema_extra=SECRET)

    @field_validator("to")
    @classmethod
    def _addresses(cls, to: tuple[str, ...]) -> tuple[str, ...]:
        for address in to:
            if "@" not in address:
                raise ValueError(f"REPORT_EMAIL_TO: not an email address: {address!r}")
        return to

    @model_validator(mode="after")
    def _login_complete(self) -> Self:
        if bool(self.user) != bool(self.password):
            raise ValueError("SMTP_USER and SMTP_PASSWORD go together")
        return self

    @property
    def login(self) -> tuple[str, str] | None:
        return (self.user, self.password) if self.user and self.password else None

    @classmethod
    def derived_values(cls, env: Mapping[str, str]) -> dict[str, Any]:
        host = env.get("SMTP_HOST")
        if not host:
            raise ReportSettingsError("REPORT_EMAIL_TO is set: SMTP_HOST is needed too")
        starttls = env.get("SMTP_STARTTLS", "true").strip().lower()
        return {
            "SMTP_PORT": "25" if starttls in ("0", "false", "no", "off") else "587",
            "REPORT_EMAIL_FROM": f"shopdesk-reports@{host.strip()}",
        }


class ReportSettings(EnvSettings):
    settings_error = ReportSettingsError

    tracker_url: str = Field(alias="ANALYTICS_TRACKER_DB_URL")
    handoff_url: str = Field(DEFAULT_HANDOFF_DATABASE_URL, alias="HELPDESK_DATABASE_URL")
    report_dir: Path = Field(paths.REPORTS, alias="REPORT_DIR")
    timezone: str = Field("UTC", alias="BUSINESS_TZ")
    test_sender_prefixes: CommaList = Field((), alias="ANALYTICS_TEST_SENDER_PREFIXES")
    cost_per_ticket: Decimal | None = Field(None, ge=0, alias="ANALYTICS_COST_PER_TICKET")
    currency: str = Field("GBP", alias="ANALYTICS_CURRENCY")
    inbox_url: str = Field("", alias="ANALYTICS_INBOX_URL")
    # Set when REPORT_EMAIL_TO is (the report can be emailed).
    email: EmailSettings | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"BUSINESS_TZ: unknown time zone {name!r} (an IANA name like Europe/London)"
            ) from None
        return name

    @field_validator("currency")
    @classmethod
    def _currency_code(cls, code: str) -> str:
        code = code.upper()
        if len(code) != 3 or not code.isalpha():
            raise ValueError(f"ANALYTICS_CURRENCY: a 3-letter code like GBP, not {code!r}")
        return code

    @field_validator("inbox_url")
    @classmethod
    def _no_trailing_slash(cls, url: str) -> str:
        return url.rstrip("/")

    @classmethod
    def derived_values(cls, env: Mapping[str, str]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if "ANALYTICS_TRACKER_DB_URL" not in env:
            values["ANALYTICS_TRACKER_DB_URL"] = _tracker_url(env)
        if env.get("HELPDESK_PUBLIC_URL"):
            values["ANALYTICS_INBOX_URL"] = env["HELPDESK_PUBLIC_URL"]
        if "REPORT_EMAIL_TO" in env:
            values["email"] = EmailSettings.from_env(env)
        return values


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
