"""Zendesk Support API client (through zenpy) with typed errors and one timeout."""

from integrations.zendesk.client import DEFAULT_TIMEOUT, ZendeskClient
from integrations.zendesk.errors import (
    ZendeskBudgetSpent,
    ZendeskError,
    ZendeskRateLimited,
    ZendeskRejected,
    ZendeskUnavailable,
)
from integrations.zendesk.models import ZendeskComment, ZendeskTicket, ZendeskUser

__all__ = [
    "DEFAULT_TIMEOUT",
    "ZendeskBudgetSpent",
    "ZendeskClient",
    "ZendeskComment",
    "ZendeskError",
    "ZendeskRateLimited",
    "ZendeskRejected",
    "ZendeskTicket",
    "ZendeskUnavailable",
    "ZendeskUser",
]
