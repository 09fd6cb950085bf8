"""A fake Slack Web API: chat.postMessage with bot-token auth and Slack's `ok` envelope."""

from __future__ import annotations

from typing import Any

from tests.fakes.server import FakeServer, Recorded, Reply


class FakeSlack(FakeServer):
    def __init__(
        self, *, token: str = "xoxb-test", channels: tuple[str, ...] = ("#support",)
    ) -> None:
        super().__init__()
        self.token = token
        self.channels = set(channels)
        self.messages: list[dict[str, Any]] = []

    @property
    def base_url(self) -> str:
        return f"{self.url}/api/"

    def handle(self, request: Recorded) -> Reply:
        if request.path != "/api/chat.postMessage" or request.method != "POST":
            return Reply(404, {"ok": False, "error": "unknown_method"})
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(200, {"ok": False, "error": "invalid_auth"})
        body = request.body if isinstance(request.body, dict) else {}
        channel = body.get("channel")
        if channel not in self.channels:
            return Reply(200, {"ok": False, "error": "channel_not_found"})
        ts = f"1700000000.{len(self.messages):06d}"
        self.messages.append({**body, "ts": ts})
        return Reply(
            200,
            {
                "ok": True,
                "channel": channel,
                "ts": ts,
                "message": {"text": body.get("text")},
            },
        )
