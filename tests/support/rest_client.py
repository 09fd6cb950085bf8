"""A shopper's REST client as the widget and the README's examples behave, for tests that
talk to Rasa through the balancer while instances die or stores go down."""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from typing import Any

RETRYABLE = {502, 503, 504}


class RetryingClient:
    """A REST client as the widget and the README's examples behave: one keep-alive
    connection per shopper, each message sent with a message id of its own, and a 502/503/504
    or a dropped connection answered by sending the same message (same id) again, with
    backoff. The server handles a message id once, so a retry never double-applies and gets
    the answer the first attempt would have got."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.errors: list[int | str] = []  # every retryable failure a shopper's client saw
        self.bare_closes = 0  # a connection closed with no response at all
        self.lock = threading.Lock()
        self._connections = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        if getattr(self._connections, "http", None) is None:
            self._connections.http = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=30
            )
        return self._connections.http

    def _send(self, sender: str, text: str, message_id: str) -> tuple[int, Any, dict[str, str]]:
        connection = self._connection()
        body = {"sender": sender, "message": text, "metadata": {"message_id": message_id}}
        try:
            connection.request("POST", "/webhooks/rest/webhook", body=json.dumps(body),
                               headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            raw = response.read()
        except (http.client.HTTPException, OSError) as exc:
            connection.close()
            self._connections.http = None
            if isinstance(exc, http.client.RemoteDisconnected):
                with self.lock:
                    self.bare_closes += 1
            return 0, repr(exc), {}
        if response.getheader("Connection", "").lower() == "close":
            connection.close()
            self._connections.http = None
        try:
            headers = {name.lower(): value for name, value in response.getheaders()}
            return response.status, json.loads(raw or b"null"), headers
        except ValueError:
            return response.status, raw.decode(errors="replace"), {}

    def say(self, sender: str, text: str) -> list[dict[str, Any]]:
        message_id = uuid.uuid4().hex
        deadline = time.monotonic() + 60
        backoff = 0.25
        while time.monotonic() < deadline:
            status, body, headers = self._send(sender, text, message_id)
            if status == 200:
                return body
            with self.lock:
                self.errors.append(status or body)
            assert status in RETRYABLE or status == 0, (status, body)
            if status:
                assert isinstance(body, dict) and body.get("retryable") is True, body
                assert headers.get("retry-after"), headers
            time.sleep(backoff)
            backoff = min(backoff * 2, 2.0)
        raise AssertionError(f"{sender}: {text!r} got no answer within 60 s")
