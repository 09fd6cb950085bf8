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
the emailed report; default: links relative to the inbox that serves the report).
Email (`--email`): `REPORT_EMAIL_TO` (comma-separated), `REPORT_EMAIL_FROM`, `SMTP_HOST`,
`SMTP_PORT` (default 587 with `SMTP_STARTTLS=true`, the default; 25 without),
`SMTP_USER` / `SMTP_PASSWORD` (both or neither).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import URL

from common import paths
from handoff.settings import DEFAULT_DATABASE_URL as DEFAULT_HANDOFF_DATABASE_URL


class ReportSettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class EmailSettings:
    to: tuple[str, ...]
    sender: str
    host: str
    port: int
    starttls: bool
    login: tuple[str, str] | None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> EmailSettings | None:
        """None when REPORT_EMAIL_TO is not set (the report is not emailed)."""
        to = tuple(a.strip() for a in (env.get("REPORT_EMAIL_TO") or "").split(",") if a.strip())
        if not to:
            return None
        for address in to:
            if "@" not in address:
                raise ReportSettingsError(f"REPORT_EMAIL_TO: not an email address: {address!r}")
        host = (env.get("SMTP_HOST") or "").strip()
        if not host:
            raise ReportSettingsError("REPORT_EMAIL_TO is set: SMTP_HOST is needed too")
        starttls = _flag(env, "SMTP_STARTTLS", default=True)
        port_text = (env.get("SMTP_PORT") or ("587" if starttls else "25")).strip()
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ReportSettingsError(f"SMTP_PORT: not a port number: {port_text!r}")
        user, password = env.get("SMTP_USER") or "", env.get("SMTP_PASSWORD") or ""
        if bool(user) != bool(password):
            raise ReportSettingsError("SMTP_USER and SMTP_PASSWORD go together")
        sender = (env.get("REPORT_EMAIL_FROM") or "").strip() or f"shopdesk-reports@{host}"
        return cls(
            to=to,
            sender=sender,
            host=host,
            port=int(port_text),
            starttls=starttls,
            login=(user, password) if user else None,
        )


@dataclass(frozen=True)
class ReportSettings:
    tracker_url: str
    handoff_url: str
    report_dir: Path
    timezone: str = "UTC"
    test_sender_prefixes: tuple[str, ...] = ()
    cost_per_ticket: Decimal | None = None
    currency: str = "GBP"
    inbox_url: str = ""
    email: EmailSettings | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ReportSettings:
        env = os.environ if env is None else env
        return cls(
            tracker_url=env.get("ANALYTICS_TRACKER_DB_URL") or _tracker_url(env),
            handoff_url=env.get("HELPDESK_DATABASE_URL") or DEFAULT_HANDOFF_DATABASE_URL,
            report_dir=paths.report_dir(env),
            timezone=_timezone(env),
            test_sender_prefixes=tuple(
                p.strip()
                for p in (env.get("ANALYTICS_TEST_SENDER_PREFIXES") or "").split(",")
                if p.strip()
            ),
            cost_per_ticket=_amount(env, "ANALYTICS_COST_PER_TICKET"),
            currency=_currency(env),
            inbox_url=(env.get("ANALYTICS_INBOX_URL") or "").strip().rstrip("/"),
            email=EmailSettings.from_env(env),
        )


def _flag(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    text = (env.get(name) or "").strip().lower()
    if not text:
        return default
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ReportSettingsError(f"{name}: write true or false, not {text!r}")


def _timezone(env: Mapping[str, str]) -> str:
    name = (env.get("BUSINESS_TZ") or "UTC").strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ReportSettingsError(
            f"BUSINESS_TZ: unknown time zone {name!r} (an IANA name like Europe/London)"
        ) from None
    return name


def _amount(env: Mapping[str, str], name: str) -> Decimal | None:
    text = (env.get(name) or "").strip()
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ReportSettingsError(f"{name}: not an amount: {text!r} (like 4.50)") from None
    if not amount.is_finite() or amount < 0:
        raise ReportSettingsError(f"{name}: must be zero or more, got {text!r}")
    return amount


def _currency(env: Mapping[str, str]) -> str:
    code = (env.get("ANALYTICS_CURRENCY") or "GBP").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ReportSettingsError(f"ANALYTICS_CURRENCY: a 3-letter code like GBP, not {code!r}")
    return code


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
