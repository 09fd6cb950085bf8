"""A small Slack client on top of slack_sdk's WebClient.

slack_sdk's own retry handlers are switched off: the caller (the delivery worker) decides
when to retry, using `retry_after` from the typed error. Success is strict: HTTP 200 and
`ok: true`.
"""

from __future__ import annotations

import http.client
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from integrations.slack.errors import (
    SlackError,
    SlackRateLimited,
    SlackRejected,
    SlackUnavailable,
)
from integrations.slack.models import PostedMessage

DEFAULT_TIMEOUT = 10.0


class SlackClient:
    def __init__(
        self,
        *,
        token: str,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._web = WebClient(
            token=token,
            base_url=base_url or WebClient.BASE_URL,
            timeout=max(1, round(timeout)),
            retry_handlers=[],
        )

    def post_message(
        self, *, channel: str, text: str, blocks: list[dict[str, Any]]
    ) -> PostedMessage:
        """chat.postMessage; `text` is the notification fallback for the blocks."""
        try:
            response = self._web.chat_postMessage(channel=channel, text=text, blocks=blocks)
        except SlackApiError as exc:
            raise _api_error(exc) from exc
        except (
            URLError,
            TimeoutError,
            ConnectionError,
            http.client.HTTPException,
        ) as exc:
            raise SlackUnavailable(f"Slack chat.postMessage: {type(exc).__name__}: {exc}") from exc
        except ValueError as exc:  # a body that is not JSON, e.g. a proxy's error page
            raise SlackUnavailable(f"Slack chat.postMessage: unreadable response: {exc}") from exc
        data = response.data if isinstance(response.data, dict) else {}
        return PostedMessage(channel=str(data.get("channel", channel)), ts=str(data.get("ts", "")))


def _api_error(exc: SlackApiError) -> SlackError:
    response = exc.response
    status = getattr(response, "status_code", None)
    data = response.data if isinstance(getattr(response, "data", None), dict) else {}
    error = data.get("error") if data else None
    detail = f"Slack chat.postMessage: HTTP {status}, error={error}"
    if status == 429 or error == "ratelimited":
        headers = {k.lower(): v for k, v in (response.headers or {}).items()}
        raw = headers.get("retry-after")
        if isinstance(raw, list):
            raw = raw[0] if raw else None
        try:
            retry_after = float(raw) if raw is not None else None
        except ValueError:
            retry_after = None
        return SlackRateLimited(detail, status=429, error=error, retry_after=retry_after)
    if status is not None and status >= 500:
        return SlackUnavailable(detail, status=status, error=error)
    return SlackRejected(detail, status=status, error=error)
