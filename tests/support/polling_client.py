"""A minimal socket.io client over HTTP long-polling (Engine.IO 4), as the widget talks to
Rasa's socket.io channel, with control over the source address of every request and over
the cookies it sends back: for testing the balancer's sticky sessions."""

from __future__ import annotations

import http.client
import json
import time
from typing import Any

SEPARATOR = "\x1e"  # between packets in one polling payload


class PollingError(RuntimeError):
    """The server refused a request (e.g. an unknown session: the wrong instance)."""


class PollingClient:
    def __init__(self, *, port: int, host: str = "127.0.0.1") -> None:
        self.host, self.port = host, port
        self.sid: str | None = None
        self.cookies: dict[str, str] = {}
        self.statuses: list[int] = []

    def _request(self, method: str, *, source: str, body: str | None = None) -> str:
        query = "EIO=4&transport=polling" + (f"&sid={self.sid}" if self.sid else "")
        headers = {"Content-Type": "text/plain;charset=UTF-8"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = http.client.HTTPConnection(
            self.host, self.port, timeout=60, source_address=(source, 0)
        )
        try:
            connection.request(method, f"/socket.io/?{query}", body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read().decode()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
        finally:
            connection.close()
        self.statuses.append(response.status)
        if response.status != 200:
            raise PollingError(f"{method} -> {response.status}: {payload[:200]}")
        return payload

    def connect(self, *, source: str) -> None:
        handshake = self._request("GET", source=source)
        assert handshake.startswith("0"), handshake
        self.sid = json.loads(handshake[1:])["sid"]
        self._request("POST", source=source, body="40")

    def emit(self, event: str, data: Any, *, source: str) -> None:
        self._request("POST", source=source, body="42" + json.dumps([event, data]))

    def wait_for(self, event: str, *, source: str, timeout: float = 30) -> list[Any]:
        """Polls until `event` arrives; every payload of that event in that poll."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = []
            for packet in self._request("GET", source=source).split(SEPARATOR):
                if packet == "2":  # ping: answer it like a browser would
                    self._request("POST", source=source, body="3")
                elif packet.startswith("42"):
                    name, *args = json.loads(packet[2:])
                    if name == event:
                        found.extend(args)
            if found:
                return found
        raise AssertionError(f"no {event!r} within {timeout:.0f} s")
