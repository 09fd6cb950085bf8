"""Handoff configuration, read once from the environment at start-up (never at import)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from handoff.hours import BusinessHours, BusinessHoursError

DEFAULT_DATABASE_URL = "sqlite:///var/handoff.db"
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class ZendeskSettings:
    subdomain: str
    email: str
    token: str
    domain: str = "zendesk.com"
    order_field_id: int | None = None
    conversation_field_id: int | None = None


@dataclass(frozen=True)
class SlackSettings:
    token: str
    channel: str
    base_url: str | None = None


@dataclass(frozen=True)
class HandoffSettings:
    database_url: str
    business_hours: BusinessHours
    zendesk: ZendeskSettings | None = None
    slack: SlackSettings | None = None
    resume_after: timedelta = timedelta(hours=24)
    high_value_threshold: Decimal = Decimal(250)
    rasa_url: str | None = None
    rasa_token: str | None = None
    rasa_events_url: str | None = None
    port: int = 8200
    public_url: str = "http://127.0.0.1:8200"
    workers: int = 1
    poll_seconds: float = 1.0
    lease_seconds: float = 120.0
    max_attempts: int = 15
    max_backoff_seconds: float = 300.0
    reply_within_hours: int = 4
    # The agent pages (inbox, deliveries, KPI report) ask for these when a password is set;
    # without one they are only served on the loopback interface.
    host: str = "127.0.0.1"
    agent_user: str = "agent"
    agent_password: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> HandoffSettings:
        env = os.environ if env is None else env
        try:
            hours = BusinessHours.parse(
                _get(env, "BUSINESS_HOURS", "Mon-Fri 09:00-17:00"),
                _get(env, "BUSINESS_TZ", "UTC"),
            )
        except BusinessHoursError as exc:
            raise SettingsError(f"BUSINESS_HOURS/BUSINESS_TZ: {exc}") from None
        port = _int(env, "HELPDESK_PORT", 8200)
        host = _get(env, "HELPDESK_HOST", "127.0.0.1")
        agent_password = env.get("HELPDESK_AGENT_PASSWORD") or None
        if agent_password is None and host not in _LOOPBACK:
            raise SettingsError(
                f"HELPDESK_HOST={host} exposes the agent inbox beyond this machine: "
                "set HELPDESK_AGENT_PASSWORD too"
            )
        return cls(
            database_url=_get(env, "HELPDESK_DATABASE_URL", DEFAULT_DATABASE_URL),
            business_hours=hours,
            zendesk=_zendesk(env),
            slack=_slack(env),
            resume_after=timedelta(minutes=_int(env, "HANDOFF_RESUME_AFTER_MINUTES", 24 * 60)),
            high_value_threshold=_decimal(env, "HANDOFF_HIGH_VALUE_THRESHOLD", "250"),
            rasa_url=(env.get("RASA_URL") or "").rstrip("/") or None,
            rasa_token=env.get("RASA_TOKEN") or None,
            rasa_events_url=env.get("HANDOFF_RASA_EVENTS_URL") or None,
            port=port,
            public_url=_get(env, "HELPDESK_PUBLIC_URL", f"http://127.0.0.1:{port}").rstrip("/"),
            workers=_int(env, "HANDOFF_WORKERS", 1),
            poll_seconds=_float(env, "HANDOFF_POLL_SECONDS", 1.0),
            lease_seconds=_float(env, "HANDOFF_LEASE_SECONDS", 120.0),
            max_attempts=_int(env, "HANDOFF_MAX_ATTEMPTS", 15),
            max_backoff_seconds=_float(env, "HANDOFF_MAX_BACKOFF_SECONDS", 300.0),
            reply_within_hours=_int(env, "HANDOFF_REPLY_WITHIN_HOURS", 4),
            host=host,
            agent_user=_get(env, "HELPDESK_AGENT_USER", "agent"),
            agent_password=agent_password,
        )


def _zendesk(env: Mapping[str, str]) -> ZendeskSettings | None:
    names = ("ZENDESK_SUBDOMAIN", "ZENDESK_EMAIL", "ZENDESK_TOKEN")
    given = {name: env.get(name) or "" for name in names}
    if not any(given.values()):
        return None  # embedded default: the built-in helpdesk
    missing = [name for name, value in given.items() if not value]
    if missing:
        raise SettingsError(f"Zendesk is partly configured; missing {', '.join(missing)}")
    return ZendeskSettings(
        subdomain=given["ZENDESK_SUBDOMAIN"],
        email=given["ZENDESK_EMAIL"],
        token=given["ZENDESK_TOKEN"],
        domain=_get(env, "ZENDESK_DOMAIN", "zendesk.com"),
        order_field_id=_optional_int(env, "ZENDESK_ORDER_FIELD_ID"),
        conversation_field_id=_optional_int(env, "ZENDESK_CONVERSATION_FIELD_ID"),
    )


def _slack(env: Mapping[str, str]) -> SlackSettings | None:
    token = env.get("SLACK_BOT_TOKEN") or ""
    if not token:
        return None  # alerts are logged instead
    channel = env.get("SLACK_CHANNEL") or ""
    if not channel:
        raise SettingsError("SLACK_CHANNEL is required when SLACK_BOT_TOKEN is set")
    return SlackSettings(token=token, channel=channel, base_url=env.get("SLACK_BASE_URL") or None)


def _get(env: Mapping[str, str], name: str, default: str) -> str:
    return env.get(name) or default


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = _optional_int(env, name)
    if value is None:
        return default
    if value <= 0:
        raise SettingsError(f"{name} must be positive, got {value}")
    return value


def _optional_int(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name)
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise SettingsError(f"{name} must be positive, got {raw!r}")
    return value


def _decimal(env: Mapping[str, str], name: str, default: str) -> Decimal:
    raw = env.get(name) or default
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
