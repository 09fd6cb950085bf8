"""End to end: the guarded chat channels in front of the real Rasa server (REST and the
widget's socket.io channel): malformed requests get a 400 with a JSON error, oversized and
too-fast messages get a polite answer and are not processed, secrets are masked before they
are stored and the shopper is warned, and the client's address is in the metadata."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.support.stack import ShopdeskStack, texts

pytestmark = pytest.mark.e2e

CARD = "4111 1111 1111 1111"


def shopper() -> str:
    return f"e2e-ch-{uuid.uuid4().hex[:12]}"


def post(shopdesk: ShopdeskStack, body: bytes, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{shopdesk.rasa_url}/webhooks/rest/webhook",
        content=body,
        headers={"Content-Type": "application/json", **headers},
        timeout=60,
    )


def user_texts(shopdesk: ShopdeskStack, sender: str) -> list[str]:
    return [e.get("text") or "" for e in shopdesk.tracker(sender)["events"] if e["event"] == "user"]


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        (b"{not json", "JSON object"),
        (b"", "JSON object"),
        (b'["a list"]', "JSON object"),
        (b'{"message": "hi"}', "sender"),
        (b'{"sender": "", "message": "hi"}', "sender"),
        (b'{"sender": "x", "message": 42}', "message"),
        (b'{"sender": "x"}', "message"),
        (b'{"sender": "x", "message": "hi", "metadata": "nope"}', "metadata"),
        ('{"sender": "\u00e9\u0000", "message": "\ud83d\ude00"'.encode("utf-8", "surrogatepass"),
         "JSON object"),
    ],
)
def test_malformed_requests_get_400_with_a_json_error(
    shopdesk: ShopdeskStack, body: bytes, complaint: str
) -> None:
    response = post(shopdesk, body)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "bad_request"
    assert complaint in response.json()["message"]


def test_oversized_message_is_answered_politely_and_not_processed(
    shopdesk: ShopdeskStack,
) -> None:
    me = shopper()
    shopdesk.say(me, "hi")
    replies = shopdesk.say(me, "where is my order " + "x" * 1200)
    assert [r["recipient_id"] for r in replies] == [me]
    assert "too long" in texts(replies) and "1000 characters" in texts(replies)
    assert user_texts(shopdesk, me) == ["hi"]  # the oversized text never reached Rasa


def test_rate_limit_per_conversation(shopdesk: ShopdeskStack) -> None:
    me, other = shopper(), shopper()
    for _ in range(30):  # the default: 30 messages a minute per conversation
        response = post(shopdesk, json.dumps({"sender": me, "message": "/greet"}).encode())
        assert response.status_code == 200
    limited = post(shopdesk, json.dumps({"sender": me, "message": "/greet"}).encode())
    assert limited.status_code == 200
    assert "faster than I can answer" in texts(limited.json())
    assert len(user_texts(shopdesk, me)) == 30
    assert "faster" not in texts(shopdesk.say(other, "hi"))  # others are not affected


def test_card_is_masked_before_storage_and_the_shopper_is_warned(
    shopdesk: ShopdeskStack,
) -> None:
    me = shopper()
    replies = shopdesk.say(
        me, f"hi, my card {CARD} was charged twice", metadata={"client_ip": "6.6.6.6"}
    )
    assert "never share card numbers" in replies[0]["text"]
    assert len(replies) > 1  # the assistant still answers the (masked) message
    (stored,) = [e for e in shopdesk.tracker(me)["events"] if e["event"] == "user"]
    assert stored["text"] == "hi, my card [card number ending 1111] was charged twice"
    # The address is the channel's finding, never the client's claim.
    assert stored["metadata"]["client_ip"] == "127.0.0.1"


def test_forwarded_for_is_ignored_from_an_untrusted_peer(shopdesk: ShopdeskStack) -> None:
    me = shopper()
    body = json.dumps({"sender": me, "message": "hi"}).encode()
    assert post(shopdesk, body, **{"X-Forwarded-For": "203.0.113.9"}).status_code == 200
    (stored,) = [e for e in shopdesk.tracker(me)["events"] if e["event"] == "user"]
    assert stored["metadata"]["client_ip"] == "127.0.0.1"


class SocketIOClient:
    """A minimal Engine.IO 4 long-polling client: what the widget speaks to Rasa."""

    def __init__(self, base_url: str) -> None:
        self.url = f"{base_url}/socket.io/"
        self.http = httpx.Client(timeout=30)
        opened = self._get({})
        assert opened[0].startswith("0"), opened
        self.sid = json.loads(opened[0][1:])["sid"]
        self._post("40")
        connected = self._get({"sid": self.sid})
        assert any(p.startswith("40") for p in connected), connected
        self.pending: list[str] = []

    def _get(self, params: dict[str, str]) -> list[str]:
        response = self.http.get(self.url, params={"EIO": "4", "transport": "polling", **params})
        response.raise_for_status()
        return response.text.split("\x1e")

    def _post(self, packet: str) -> None:
        response = self.http.post(
            self.url,
            params={"EIO": "4", "transport": "polling", "sid": self.sid},
            content=packet.encode(),
        )
        assert response.status_code == 200, response.text

    def emit(self, event: str, data: Any) -> None:
        self._post("42" + json.dumps([event, data]))

    def events(self, name: str, *, until: int, timeout: float = 30.0) -> list[Any]:
        """Event payloads named `name`, waiting until there are at least `until` of them."""
        found: list[Any] = []
        deadline = time.monotonic() + timeout
        while len(found) < until and time.monotonic() < deadline:
            for packet in self._get({"sid": self.sid}):
                if packet == "2":
                    self._post("3")  # answer the server's ping
                elif packet.startswith("42"):
                    event, *payload = json.loads(packet[2:])
                    if event == name:
                        found.append(payload[0] if payload else None)
        return found

    def close(self) -> None:
        self.http.close()


def test_socketio_channel_masks_limits_and_keeps_the_session(shopdesk: ShopdeskStack) -> None:
    client = SocketIOClient(shopdesk.rasa_url)
    try:
        # The server mints the session and its token (a client cannot pick a session id).
        client.emit("session_request", {"session_id": uuid.uuid4().hex})
        (confirmed,) = client.events("session_confirm", until=1)
        session = confirmed["session_id"]
        assert confirmed["session_token"]

        client.emit(
            "user_uttered",
            {"message": f"my card is {CARD}", "session_id": session,
             "customData": {"locale": "en"}},
        )
        said = client.events("bot_uttered", until=2)
        assert "never share card numbers" in said[0]["text"]

        client.emit("user_uttered", {"message": "y" * 1001, "session_id": session})
        (too_long,) = client.events("bot_uttered", until=1)
        assert "too long" in too_long["text"]

        client.emit("user_uttered", "not an object")
        (unreadable,) = client.events("bot_uttered", until=1)
        assert "couldn't read" in unreadable["text"]
    finally:
        client.close()
    users = [e for e in shopdesk.tracker(session)["events"] if e["event"] == "user"]
    assert [u["text"] for u in users] == ["my card is [card number ending 1111]"]
    metadata = users[0]["metadata"]
    assert (metadata["locale"], metadata["client_ip"]) == ("en", "127.0.0.1")
    assert users[0]["input_channel"] == "socketio"
