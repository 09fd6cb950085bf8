"""Zendesk Support API client (through zenpy) with typed errors and one timeout."""

from integrations.zendesk.client import DEFAULT_TIMEOUT, ZendeskClient
from integrations.zendesk.errors import (
    ZendeskError,
    ZendeskRateLimited,
    ZendeskRejected,
    ZendeskUnavailable,
)
from integrations.zendesk.models import ZendeskTicket, ZendeskUser

__all__ = [
    "DEFAULT_TIMEOUT",
    "ZendeskClient",
    "ZendeskError",
    "ZendeskRateLimited",
    "ZendeskRejected",
    "ZendeskTicket",
    "ZendeskUnavailable",
    "ZendeskUser",
]
