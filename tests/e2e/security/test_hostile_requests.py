"""Single requests that used to take the assistant down or bloat it, against the real stack:
a lone surrogate in a REST sender id (or in an event posted through Rasa's HTTP API) made
Rasa's SQL tracker store exit the process (and the launcher then stopped everything),
metadata nested ~900 deep gave a 500 with a huge traceback, 1 MB of metadata was stored with
every event. Now each is a 400 (or a polite reply over socket.io, or a failed API call),
nothing is stored, and every process keeps running."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.support.polling_client import PollingClient
from tests.support.stack import ShopdeskStack
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def rest(stack: ShopdeskStack, body: dict[str, Any] | bytes) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        content=content,
        headers={"Content-Type": "application/json"},
        timeout=60,
    )


def assert_all_running(stack: ShopdeskStack) -> None:
    assert stack.stack.first_exited() is None
    assert rest(stack, {"sender": "still-here", "message": "hi"}).json()


def test_a_sender_id_no_database_can_store_is_refused(guarded: ShopdeskStack) -> None:
    for sender in ("\ud800", "x\udfff", "nul\x00id"):
        response = rest(guarded, {"sender": sender, "message": "hi"})
        assert response.status_code == 400, sender
        assert response.json()["error"] == "bad_request"
    assert_all_running(guarded)


def test_nul_and_lone_surrogates_in_text_are_cleaned_before_storage(
    guarded: ShopdeskStack,
) -> None:
    response = rest(
        guarded,
        {"sender": "cleaned-text", "message": "where is order\x00 10023\ud800?",
         "metadata": {"note\udc00": "x\x00"}},
    )
    assert response.status_code == 200 and response.json()
    user = [e for e in guarded.tracker("cleaned-text")["events"] if e["event"] == "user"][-1]
    assert user["text"] == "where is order 10023\ufffd?"
    assert user["metadata"]["note\ufffd"] == "x"
    assert_all_running(guarded)


def test_an_event_the_tracker_store_cannot_write_fails_that_call_only(
    guarded: ShopdeskStack,
) -> None:
    """Rasa's SQL tracker store exited the process on any ValueError while writing; an API
    caller's event with a lone surrogate in its name was one (`sql_errors_not_exit`)."""
    response = httpx.post(
        f"{guarded.rasa_url}/conversations/api-caller/tracker/events",
        params={"token": guarded.rasa_token},
        content=json.dumps({"event": "action", "name": "\ud800"}).encode(),
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert response.status_code >= 400
    assert_all_running(guarded)


def test_metadata_nested_deep_or_big_is_a_400_and_is_not_stored(guarded: ShopdeskStack) -> None:
    log = guarded.workdir / "logs" / "rasa.log"
    before = log.stat().st_size
    deep = rest(guarded, {"sender": "deep", "message": "hi", "metadata": nested(900)})
    assert deep.status_code == 400 and "nested too deeply" in deep.json()["message"]
    # Deeper than Python's JSON parser can recurse: still a 400.
    body = b'{"sender": "deeper", "message": "hi", "metadata": ' + b'{"a":' * 5000
    body += b"{}" + b"}" * 5000 + b"}"
    assert rest(guarded, body).status_code == 400
    big = rest(guarded, {"sender": "big", "message": "hi", "metadata": {"b": "x" * 1_000_000}})
    assert big.status_code == 400 and "too large" in big.json()["message"]
    grown = log.stat().st_size - before
    assert grown < 20_000, f"the log grew by {grown} bytes"  # no tracebacks
    for sender in ("deep", "deeper", "big"):
        events = guarded.tracker(sender)["events"]
        assert not [e for e in events if e["event"] == "user"], sender
    assert_all_running(guarded)


def test_socket_messages_with_hostile_metadata_get_a_polite_reply(guarded: ShopdeskStack) -> None:
    client = PollingClient(port=guarded.ports.rasa)
    client.connect(source="127.0.0.1")
    client.emit("session_request", {"session_id": None}, source="127.0.0.1")
    (confirmed,) = client.wait_for("session_confirm", source="127.0.0.1")
    session = confirmed if isinstance(confirmed, str) else confirmed["session_id"]
    message = {"message": "hi", "session_id": session, "customData": nested(900)}
    message.update(_session_proof(confirmed))
    client.emit("user_uttered", message, source="127.0.0.1")
    (reply,) = client.wait_for("bot_uttered", source="127.0.0.1")
    assert "couldn't read that message" in reply["text"]
    assert_all_running(guarded)


def test_nul_and_lone_surrogates_in_socket_messages_are_cleaned_before_storage(
    guarded: ShopdeskStack,
) -> None:
    client = PollingClient(port=guarded.ports.rasa)
    client.connect(source="127.0.0.1")
    client.emit("session_request", {"session_id": None}, source="127.0.0.1")
    (confirmed,) = client.wait_for("session_confirm", source="127.0.0.1")
    session = confirmed if isinstance(confirmed, str) else confirmed["session_id"]
    message = {"message": "where is order\x00 10023\ud800?", "session_id": session,
               "customData": {"note\udc00": "x\x00"}}
    message.update(_session_proof(confirmed))
    client.emit("user_uttered", message, source="127.0.0.1")
    replies = client.wait_for("bot_uttered", source="127.0.0.1")
    assert "email" in " ".join(r.get("text") or "" for r in replies).lower(), replies
    # The widget hears the replies while the turn runs; its events are stored when it ends.
    def stored_user_event() -> dict[str, Any] | None:
        events = guarded.tracker(session)["events"]
        users = [e for e in events if e["event"] == "user"]
        return users[-1] if users and events[-1].get("name") == "action_listen" else None

    user = eventually(stored_user_event, what="the turn to be stored")
    assert user["text"] == "where is order 10023\ufffd?"
    assert user["metadata"]["note\ufffd"] == "x"
    assert_all_running(guarded)


def _session_proof(confirmed: Any) -> dict[str, Any]:
    """The session token the server handed out with the session, when it hands one out."""
    if isinstance(confirmed, dict) and "session_token" in confirmed:
        return {"session_token": confirmed["session_token"]}
    return {}

