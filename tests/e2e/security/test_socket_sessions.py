"""A socket.io session belongs to the browser it was handed to: naming someone else's
session id in `session_request` used to join their conversation (the verified order, and
every later reply). Now a join needs the signed session token the server gave that browser;
without it the client gets a new session of its own, and a message into a session the
connection did not join is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.polling_client import PollingClient
from tests.support.stack import ShopdeskStack

pytestmark = pytest.mark.e2e
# A loopback address of its own: the brute-force test has used up 127.0.0.1's verification
# budget on this stack, and the budget is per client network.
HERE = "127.0.0.7"


def open_session(stack: ShopdeskStack, request: dict[str, Any]) -> tuple[PollingClient, dict]:
    client = PollingClient(port=stack.ports.rasa)
    client.connect(source=HERE)
    client.emit("session_request", request, source=HERE)
    (confirmed,) = client.wait_for("session_confirm", source=HERE)
    assert isinstance(confirmed, dict) and confirmed["session_token"]
    return client, confirmed


def say(client: PollingClient, session_id: str, text: str) -> list[Any]:
    client.emit("user_uttered", {"message": text, "session_id": session_id}, source=HERE)
    return client.wait_for("bot_uttered", source=HERE)


def test_someone_elses_session_id_joins_nothing(guarded: ShopdeskStack) -> None:
    victim, mine = open_session(guarded, {"session_id": None})
    replies = say(victim, mine["session_id"], "where is order 10023? it's jo@example.com")
    assert "UPS" in json.dumps(replies)

    for forged in ({"session_id": mine["session_id"]},
                   {"session_id": mine["session_id"], "session_token": "0" * 64},
                   {"session_id": mine["session_id"], "session_token": mine["session_token"][:-1]}):
        attacker, theirs = open_session(guarded, forged)
        assert theirs["session_id"] != mine["session_id"]  # a new, empty session instead
        # Writing into the victim's session from this connection is refused too.
        refused = say(attacker, mine["session_id"], "where is my order?")
        assert all("couldn't read that message" in r.get("text", "") for r in refused)
        # The victim's next reply never reaches the attacker: the attacker's own next reply
        # comes after it on the same ordered stream, alone.
        assert "Order 10023" in json.dumps(say(victim, mine["session_id"], "where is order 10023?"))
        heard = say(attacker, theirs["session_id"], "hi")
        assert "10023" not in json.dumps(heard) and "UPS" not in json.dumps(heard)


def test_the_browser_with_the_token_rejoins_its_conversation(guarded: ShopdeskStack) -> None:
    first, mine = open_session(guarded, {"session_id": None})
    say(first, mine["session_id"], "where is order 10023? it's jo@example.com")
    again, rejoined = open_session(guarded, dict(mine))  # a reload: the stored id and token
    assert rejoined == mine
    assert "10023" in json.dumps(say(again, mine["session_id"], "where is order 10023?"))
