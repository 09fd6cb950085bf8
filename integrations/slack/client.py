"""A small Slack client on top of slack_sdk's WebClient.

slack_sdk's own retry handlers are switched off: the caller (the delivery worker) decides
when to retry, using `retry_after` from the typed error. Success is strict: HTTP 200 and
`ok: true`.
"""

from __future__ import annotations

import http.client
from collections.abc import Callable
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from integrations.slack.errors import (
    SlackError,
    SlackRateLimited,
    SlackRejected,
    SlackUnavailable,
)
from integrations.slack.models import PostedMessage

DEFAULT_TIMEOUT = 10.0
HISTORY_PAGE = 200


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
        self,
        *,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]],
        metadata: dict[str, Any] | None = None,
    ) -> PostedMessage:
        """chat.postMessage; `text` is the notification fallback for the blocks, `metadata`
        Slack message metadata (`event_type`, `event_payload`)."""
        extra = {"metadata": metadata} if metadata else {}
        data = _call(
            "chat.postMessage",
            lambda: self._web.chat_postMessage(channel=channel, text=text, blocks=blocks, **extra),
        )
        return PostedMessage(channel=str(data.get("channel", channel)), ts=str(data.get("ts", "")))

    def update_message(
        self, *, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]
    ) -> None:
        _call(
            "chat.update",
            lambda: self._web.chat_update(channel=channel, ts=ts, text=text, blocks=blocks),
        )

    def open_view(self, *, trigger_id: str, view: dict[str, Any]) -> None:
        _call("views.open", lambda: self._web.views_open(trigger_id=trigger_id, view=view))

    def channel_id(self, channel: str) -> str:
        """The id of a channel given by name (`#support`) or id (`C0123...`)."""
        name = channel.removeprefix("#")
        if not channel.startswith("#") and name[:1] in ("C", "G") and name.upper() == name:
            return name
        cursor = None
        while True:
            data = _call(
                "conversations.list",
                lambda cursor=cursor: self._web.conversations_list(
                    types="public_channel,private_channel", limit=200, cursor=cursor
                ),
            )
            for found in data.get("channels") or []:
                if found.get("name") == name:
                    return str(found["id"])
            cursor = (data.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                raise SlackRejected(f"Slack channel {channel} not found", error="channel_not_found")

    def find_message(
        self, *, channel_id: str, event_type: str, key: str, oldest: float
    ) -> PostedMessage | None:
        """A message posted since `oldest` whose metadata carries `key` (conversations.history
        with metadata), or None."""
        data = _call(
            "conversations.history",
            lambda: self._web.conversations_history(
                channel=channel_id, oldest=str(oldest), include_all_metadata=True,
                limit=HISTORY_PAGE,
            ),
        )
        for message in data.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == event_type and payload.get("key") == key:
                return PostedMessage(channel=channel_id, ts=str(message.get("ts", "")))
        return None

    def user_email(self, user_id: str) -> str | None:
        data = _call("users.info", lambda: self._web.users_info(user=user_id))
        profile = (data.get("user") or {}).get("profile") or {}
        email = profile.get("email")
        return str(email) if email else None


def _call(method: str, send: Callable[[], SlackResponse]) -> dict[str, Any]:
    try:
        response = send()
    except SlackApiError as exc:
        raise _api_error(method, exc) from exc
    except (URLError, TimeoutError, ConnectionError, http.client.HTTPException) as exc:
        raise SlackUnavailable(f"Slack {method}: {type(exc).__name__}: {exc}") from exc
    except ValueError as exc:  # a body that is not JSON, e.g. a proxy's error page
        raise SlackUnavailable(f"Slack {method}: unreadable response: {exc}") from exc
    return response.data if isinstance(response.data, dict) else {}


def _api_error(method: str, exc: SlackApiError) -> SlackError:
    response = exc.response
    status = getattr(response, "status_code", None)
    data = response.data if isinstance(getattr(response, "data", None), dict) else {}
    error = data.get("error") if data else None
    detail = f"Slack {method}: HTTP {status}, error={error}"
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
