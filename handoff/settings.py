"""Handoff configuration, read once from the environment at start-up (never at import)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any, Self

from pydantic import Field, field_validator, model_validator

from common.settings import SECRET, EnvSettings, Port, PositiveFloat, PositiveInt
from common.settings import SettingsError as SettingsError
from handoff.hours import BusinessHours, BusinessHoursError

DEFAULT_DATABASE_URL = "sqlite:///var/handoff.db"
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
_ZENDESK_REQUIRED = ("ZENDESK_SUBDOMAIN", "ZENDESK_EMAIL", "ZENDESK_TOKEN")


class ZendeskSettings(EnvSettings):
    subdomain: str = Field(alias="ZENDESK_SUBDOMAIN")
    email: str = Field(alias="ZENDESK_EMAIL")
    token: str = Field(alias="ZENDESK_TOKEN", json_schema_extra=SECRET)
    domain: str = Field("zendesk.com", alias="ZENDESK_DOMAIN")
    order_field_id: int | None = Field(None, alias="ZENDESK_ORDER_FIELD_ID")
    conversation_field_id: int | None = Field(None, alias="ZENDESK_CONVERSATION_FIELD_ID")
    # Routing: the group (and brand) new tickets go to.
    group_id: int | None = Field(None, alias="ZENDESK_GROUP_ID")
    brand_id: int | None = Field(None, alias="ZENDESK_BRAND_ID")
    # Set: agents' comments and solves arrive by webhook (verified with it); unset: the open
    # handoffs are polled every `poll_seconds`, within `requests_per_minute`.
    webhook_secret: str | None = Field(
        None, alias="ZENDESK_WEBHOOK_SECRET", json_schema_extra=SECRET
    )
    requests_per_minute: PositiveInt = Field(30, alias="HANDOFF_ZENDESK_REQUESTS_PER_MINUTE")
    poll_seconds: PositiveFloat = Field(15.0, alias="HANDOFF_ZENDESK_POLL_SECONDS")


class SlackSettings(EnvSettings):
    token: str = Field(alias="SLACK_BOT_TOKEN", json_schema_extra=SECRET)
    channel: str = Field(alias="SLACK_CHANNEL")
    base_url: str | None = Field(None, alias="SLACK_BASE_URL")
    # Set: the alert has Claim / Reply / Solve buttons (Slack interactivity, verified with it).
    signing_secret: str | None = Field(
        None, alias="SLACK_SIGNING_SECRET", json_schema_extra=SECRET
    )


class HandoffSettings(EnvSettings):
    database_url: str = Field(DEFAULT_DATABASE_URL, alias="HELPDESK_DATABASE_URL")
    # BUSINESS_HOURS in BUSINESS_TZ (default Mon-Fri 09:00-17:00 UTC).
    business_hours: BusinessHours = Field(
        default_factory=lambda: BusinessHours.parse("Mon-Fri 09:00-17:00", "UTC")
    )
    # The built-in helpdesk without ZENDESK_*; alerts are only logged without SLACK_*.
    zendesk: ZendeskSettings | None = None
    slack: SlackSettings | None = None
    resume_after_minutes: PositiveInt = Field(24 * 60, alias="HANDOFF_RESUME_AFTER_MINUTES")
    high_value_threshold: Decimal = Field(Decimal(250), alias="HANDOFF_HIGH_VALUE_THRESHOLD")
    rasa_url: str | None = Field(None, alias="RASA_URL")
    rasa_token: str | None = Field(None, alias="RASA_TOKEN", json_schema_extra=SECRET)
    rasa_events_url: str | None = Field(None, alias="HANDOFF_RASA_EVENTS_URL")
    port: Port = Field(8200, alias="HELPDESK_PORT")
    public_url: str = Field("http://127.0.0.1:8200", alias="HELPDESK_PUBLIC_URL")
    workers: PositiveInt = Field(1, alias="HANDOFF_WORKERS")
    poll_seconds: PositiveFloat = Field(1.0, alias="HANDOFF_POLL_SECONDS")
    lease_seconds: PositiveFloat = Field(120.0, alias="HANDOFF_LEASE_SECONDS")
    max_attempts: PositiveInt = Field(15, alias="HANDOFF_MAX_ATTEMPTS")
    max_backoff_seconds: PositiveFloat = Field(300.0, alias="HANDOFF_MAX_BACKOFF_SECONDS")
    reply_within_hours: PositiveInt = Field(4, alias="HANDOFF_REPLY_WITHIN_HOURS")
    # One "added to your request" per burst: the shopper's first message after this quiet.
    ack_quiet_seconds: PositiveFloat = Field(120.0, alias="HANDOFF_ACK_QUIET_SECONDS")
    # The agent pages (inbox, deliveries, KPI report) ask for these when a password is set;
    # without one they are only served on the loopback interface.
    host: str = Field("127.0.0.1", alias="HELPDESK_HOST")
    agent_user: str = Field("agent", alias="HELPDESK_AGENT_USER")
    agent_password: str | None = Field(
        None, alias="HELPDESK_AGENT_PASSWORD", json_schema_extra=SECRET
    )

    @property
    def resume_after(self) -> timedelta:
        """How long a paused conversation waits for an agent before the bot resumes it."""
        return timedelta(minutes=self.resume_after_minutes)

    @field_validator("rasa_url", "public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _inbox_not_exposed_without_a_password(self) -> Self:
        if self.agent_password is None and self.host not in _LOOPBACK:
            raise ValueError(
                f"HELPDESK_HOST={self.host} exposes the agent inbox beyond this machine: "
                "set HELPDESK_AGENT_PASSWORD too"
            )
        return self

    @classmethod
    def derived_values(cls, env: Mapping[str, str]) -> dict[str, Any]:
        try:
            hours = BusinessHours.parse(
                env.get("BUSINESS_HOURS", "Mon-Fri 09:00-17:00"), env.get("BUSINESS_TZ", "UTC")
            )
        except BusinessHoursError as exc:
            raise SettingsError(f"BUSINESS_HOURS/BUSINESS_TZ: {exc}") from None
        values: dict[str, Any] = {"business_hours": hours}
        if "HELPDESK_PORT" in env:
            values["HELPDESK_PUBLIC_URL"] = f"http://127.0.0.1:{env['HELPDESK_PORT']}"
        if any(name in env for name in _ZENDESK_REQUIRED):
            missing = [name for name in _ZENDESK_REQUIRED if name not in env]
            if missing:
                raise SettingsError(f"Zendesk is partly configured; missing {', '.join(missing)}")
            values["zendesk"] = ZendeskSettings.from_env(env)
        if "SLACK_BOT_TOKEN" in env:
            if "SLACK_CHANNEL" not in env:
                raise SettingsError("SLACK_CHANNEL is required when SLACK_BOT_TOKEN is set")
            values["slack"] = SlackSettings.from_env(env)
        return values
