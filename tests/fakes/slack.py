"""A fake Slack: the Web API methods Shopdesk calls (chat.postMessage with metadata,
chat.update, conversations.list/history, views.open, users.info) with bot-token auth and
Slack's `ok` envelope; and, as Slack itself, signed interaction requests to an app
(`interaction`: a button click or a modal submission, signed with the signing secret)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

import httpx

from tests.fakes.server import FakeServer, Recorded, Reply

CHANNEL_IDS = {"#support": "C0SUPPORT"}


class FakeSlack(FakeServer):
    def __init__(
        self,
        *,
        token: str = "xoxb-test",
        channels: tuple[str, ...] = ("#support",),
        signing_secret: str = "slack-signing-secret",
    ) -> None:
        super().__init__()
        self.token = token
        self.channels = set(channels)
        self.signing_secret = signing_secret
        self.messages: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []
        self.views: list[dict[str, Any]] = []
        self.users: dict[str, dict[str, Any]] = {}

    @property
    def base_url(self) -> str:
        return f"{self.url}/api/"

    def add_user(self, user_id: str, name: str, email: str) -> dict[str, Any]:
        self.users[user_id] = {"id": user_id, "name": name, "profile": {"email": email}}
        return {"id": user_id, "username": name, "name": name, "team_id": "T1"}

    def handle(self, request: Recorded) -> Reply:
        if not request.path.startswith("/api/"):
            return Reply(404, {"ok": False, "error": "unknown_method"})
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return Reply(200, {"ok": False, "error": "invalid_auth"})
        # slack_sdk sends some methods' arguments as form or query parameters, others as JSON.
        body = request.body if isinstance(request.body, dict) else {}
        body = {**{k: v[0] for k, v in request.query.items()}, **body}
        method = request.path.removeprefix("/api/")
        if method == "chat.postMessage":
            channel = body.get("channel")
            if channel not in self.channels:
                return Reply(200, {"ok": False, "error": "channel_not_found"})
            ts = f"{time.time() + len(self.messages) * 1e-6:.6f}"
            self.messages.append({**body, "ts": ts})
            return Reply(
                200,
                {"ok": True, "channel": CHANNEL_IDS.get(channel, channel), "ts": ts,
                 "message": {"text": body.get("text")}},
            )
        if method == "chat.update":
            self.updates.append(body)
            return Reply(200, {"ok": True, "channel": body.get("channel"), "ts": body.get("ts")})
        if method == "conversations.list":
            found = [{"id": CHANNEL_IDS.get(c, c), "name": c.removeprefix("#")}
                     for c in sorted(self.channels)]
            return Reply(200, {"ok": True, "channels": found,
                               "response_metadata": {"next_cursor": ""}})
        if method == "conversations.history":
            channel = body.get("channel")
            oldest = float(body.get("oldest") or 0)
            found = [
                {"ts": m["ts"], "text": m.get("text"), "metadata": _metadata(m)}
                for m in self.messages
                if CHANNEL_IDS.get(m["channel"], m["channel"]) == channel
                and float(m["ts"]) >= oldest
            ]
            return Reply(200, {"ok": True, "messages": list(reversed(found)), "has_more": False})
        if method == "views.open":
            self.views.append(body)
            return Reply(200, {"ok": True, "view": {"id": f"V{len(self.views)}"}})
        if method == "users.info":
            user = self.users.get(str(body.get("user")))
            if user is None:
                return Reply(200, {"ok": False, "error": "user_not_found"})
            return Reply(200, {"ok": True, "user": user})
        return Reply(200, {"ok": False, "error": "unknown_method"})

    # -- Slack calling the app ------------------------------------------------------------

    def sign(self, body: bytes, *, timestamp: int | None = None,
             secret: str | None = None) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        base = f"v0:{ts}:".encode() + body
        digest = hmac.new((secret or self.signing_secret).encode(), base, hashlib.sha256)
        return {
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": "v0=" + digest.hexdigest(),
            "Content-Type": "application/x-www-form-urlencoded",
        }

    @staticmethod
    def interaction_body(payload: dict[str, Any]) -> bytes:
        return urlencode({"payload": json.dumps(payload)}).encode()

    def click(self, app_url: str, *, message: dict[str, Any], action_id: str,
              user: dict[str, Any], **sign: Any) -> httpx.Response:
        """Someone clicks a button of `message` (as posted by the app) in Slack."""
        button = next(
            e for b in message["blocks"] if b.get("type") == "actions"
            for e in b["elements"] if e.get("action_id") == action_id
        )
        payload = {
            "type": "block_actions",
            "user": user,
            "trigger_id": f"trigger-{len(self.views) + 1}",
            "channel": {"id": CHANNEL_IDS.get(message["channel"], message["channel"])},
            "message": {"ts": message["ts"], "blocks": message["blocks"]},
            "container": {"type": "message", "message_ts": message["ts"]},
            "actions": [{"action_id": action_id, "value": button["value"],
                         "block_id": "shopdesk_actions", "type": "button"}],
        }
        body = self.interaction_body(payload)
        return httpx.post(app_url, content=body, headers=self.sign(body, **sign), timeout=10)

    def submit_view(self, app_url: str, *, view: dict[str, Any], values: dict[str, Any],
                    user: dict[str, Any], view_id: str = "V1") -> httpx.Response:
        """Someone submits a modal the app opened."""
        payload = {
            "type": "view_submission",
            "user": user,
            "view": {**view, "id": view_id, "state": {"values": values}},
        }
        body = self.interaction_body(payload)
        return httpx.post(app_url, content=body, headers=self.sign(body), timeout=10)


def _metadata(message: dict[str, Any]) -> dict[str, Any] | None:
    raw = message.get("metadata")
    if isinstance(raw, str):
        raw = json.loads(raw)
    return raw if isinstance(raw, dict) else None
