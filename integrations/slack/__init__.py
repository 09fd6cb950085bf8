"""Slack Web API client (through slack_sdk) with typed errors and one timeout."""

from integrations.slack.client import DEFAULT_TIMEOUT, SlackClient
from integrations.slack.errors import (
    SlackError,
    SlackRateLimited,
    SlackRejected,
    SlackUnavailable,
)
from integrations.slack.models import PostedMessage

__all__ = [
    "DEFAULT_TIMEOUT",
    "PostedMessage",
    "SlackClient",
    "SlackError",
    "SlackRateLimited",
    "SlackRejected",
    "SlackUnavailable",
]
