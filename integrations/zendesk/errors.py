"""Typed Zendesk errors. `retryable` and `retry_after` tell a caller whether and when to try
again; `message` is for logs and operators, never for shoppers."""

from __future__ import annotations


class ZendeskError(Exception):
    """Base class for every failure talking to Zendesk."""

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after


class ZendeskUnavailable(ZendeskError):
    """Connection error, timeout or 5xx: try again later."""

    retryable = True


class ZendeskRateLimited(ZendeskUnavailable):
    """429: try again after `retry_after` seconds."""


class ZendeskRejected(ZendeskError):
    """A 4xx other than 429: the request itself is wrong; retrying will not help."""


class ZendeskBudgetSpent(ZendeskUnavailable):
    """Not sent: this client's own request budget for the minute is spent."""
