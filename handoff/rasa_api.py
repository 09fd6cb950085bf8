"""The one call the handoff service makes to Rasa's HTTP API: resume a conversation."""

from __future__ import annotations

import time

import httpx

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
        self.timeout = timeout

    def resume(self, conversation_id: str) -> None:
        """Append a `resume` event so the bot answers this conversation again."""
        params = {"token": self.token} if self.token else {}
        url = f"{self.base_url}/conversations/{conversation_id}/tracker/events"
        try:
            response = httpx.post(
                url,
                params=params,
                json={"event": "resume", "timestamp": time.time()},
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise RasaApiError(
                f"Rasa resume {conversation_id}: {type(exc).__name__}: {exc}"
            ) from exc
        if response.status_code != 200:
            raise RasaApiError(f"Rasa resume {conversation_id}: HTTP {response.status_code}")
