"""Typed Slack errors, shaped like the Zendesk ones (`retryable`, `retry_after`)."""

from __future__ import annotations


class SlackError(Exception):
    """Base class for every failure talking to Slack."""

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error = error  # Slack's error code, e.g. channel_not_found
        self.retry_after = retry_after


class SlackUnavailable(SlackError):
    """Connection error, timeout or 5xx: try again later."""

    retryable = True


class SlackRateLimited(SlackUnavailable):
    """429: try again after `retry_after` seconds."""


class SlackRejected(SlackError):
    """Slack refused the request (`ok: false`, or a 4xx other than 429)."""
