"""The handoff service's calls to Rasa's HTTP API: append events to a conversation (agent
replies, notices, resume) and look for a message already appended.

One `httpx.Client` per `RasaClient`, shared by the threads that use it (httpx's clients are
thread-safe): its connections to Rasa are kept open between calls instead of a new client,
TLS context and TCP connection for each message."""

from __future__ import annotations

from typing import Any

import httpx

from common.chat_messages import MESSAGE_ID

DEFAULT_TIMEOUT = 10.0


class RasaApiError(Exception):
    retryable = True
    retry_after: float | None = None


class RasaClient:
    def __init__(
        self,
        *,
        base_url: str,
        token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RasaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _params(self, **extra: str) -> dict[str, str]:
        return {**({"token": self.token} if self.token else {}), **extra}

    def _request(self, method: str, path: str, what: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise RasaApiError(f"Rasa {what}: {type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise RasaApiError(f"Rasa {what}: HTTP {response.status_code}")
        return response

    def append_events(
        self,
        conversation_id: str,
        events: list[dict[str, Any]],
        *,
        output_channel: str | None = None,
    ) -> None:
        """Append `events`; with `output_channel`, bot messages among them are sent there
        too (Rasa's `execute_side_effects`)."""
        params = self._params()
        if output_channel:
            params.update(output_channel=output_channel, execute_side_effects="true")
        self._request(
            "POST",
            f"/conversations/{conversation_id}/tracker/events",
            f"append to {conversation_id}",
            params=params,
            json=events,
        )

    def resume(self, conversation_id: str) -> None:
        """Append a `resume` event so the bot answers this conversation again."""
        self.append_events(conversation_id, [{"event": "resume"}])

    def has_message(self, conversation_id: str, message_id: str) -> bool:
        """Whether a bot event with this Shopdesk message id is in the conversation."""
        response = self._request(
            "GET",
            f"/conversations/{conversation_id}/tracker",
            f"read {conversation_id}",
            params=self._params(include_events="ALL"),
        )
        events = (response.json() or {}).get("events") or []
        return any(
            e.get("event") == "bot" and (e.get("metadata") or {}).get(MESSAGE_ID) == message_id
            for e in events
            if isinstance(e, dict)
        )
