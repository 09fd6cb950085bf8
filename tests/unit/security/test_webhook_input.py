"""The action server's input guard: which /webhook bodies are turned away, and why."""

from __future__ import annotations

import json
import zlib
from typing import Any

import pytest

from actions.webhook import MAX_BODY_BYTES, call_problem, decode_call

GOOD: dict[str, Any] = {
    "next_action": "action_order_status",
    "version": "3.6.21",
    "domain": {},
    "tracker": {
        "sender_id": "s",
        "slots": {"order_number": "10023"},
        "events": [{"event": "action", "name": "action_listen"}],
        "latest_message": {
            "text": "where is 10023",
            "intent": {"name": "order_status"},
            "entities": [{"entity": "order_number", "value": "10023"}],
            "metadata": {"client_ip": "127.0.0.1"},
        },
        "active_loop": {},
        "latest_action_name": "action_listen",
    },
}


def with_change(path: str, value: Any) -> dict[str, Any]:
    call = json.loads(json.dumps(GOOD))
    *parents, last = path.split(".")
    target = call
    for key in parents:
        target = target[key]
    target[last] = value
    return call


def test_a_call_shaped_like_rasas_passes() -> None:
    assert call_problem(GOOD) is None
    assert call_problem(with_change("tracker.latest_message", None)) is None


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        ("next_action", None, "next_action"),
        ("next_action", "x" * 201, "next_action"),
        ("version", 3, "version"),
        ("domain", [], "domain"),
        ("tracker", "s", "tracker must be"),
        ("tracker.sender_id", 5, "sender_id"),
        ("tracker.slots", ["order_number"], "tracker.slots"),
        ("tracker.events", {"event": "user"}, "tracker.events"),
        ("tracker.events", ["user"], "tracker.events must be objects"),
        ("tracker.latest_message", "hi", "latest_message must be"),
        ("tracker.latest_message.metadata", "x", "metadata"),
        ("tracker.latest_message.entities", [1], "entities must be objects"),
        ("tracker.latest_message.text", {"a": 1}, "text"),
        ("tracker.followup_action", 1, "followup_action"),
    ],
)
def test_wrong_shapes_are_named(path: str, value: Any, problem: str) -> None:
    found = call_problem(with_change(path, value))
    assert found is not None and problem in found


def test_bodies_that_are_not_json_or_too_big_are_refused() -> None:
    assert decode_call(b"{", content_encoding=None)[1] == "the body is not valid JSON"
    assert decode_call(b"\xff\xfe", content_encoding=None)[1] == "the body is not valid JSON"
    assert decode_call(b"[" * 100_000, content_encoding=None)[1] == "the body is not valid JSON"
    assert decode_call(b"[]", content_encoding=None)[1] == "the body must be a JSON object"
    not_deflate = decode_call(b"plain text", content_encoding="deflate")
    assert not_deflate[1] == "the body is not valid deflate data"
    bomb = zlib.compress(b" " * (MAX_BODY_BYTES + 10))
    assert decode_call(bomb, content_encoding="deflate")[1] == "the body is too large"


def test_a_deflated_call_is_decoded() -> None:
    call, problem = decode_call(
        zlib.compress(json.dumps(GOOD).encode()), content_encoding="deflate"
    )
    assert problem is None
    assert call == GOOD


def test_a_call_reads_as_json_loads_reads_it() -> None:
    """The quick reader (ujson) gives the value `json.loads` gives: floats to the last bit,
    big integers, escapes, non-ASCII text; a UTF-16 body, which it cannot read, still is."""
    call = with_change("tracker.latest_message.text", 'où est ma commande? 😀 "\\u00e9" \\/')
    call["tracker"]["latest_message"]["intent"]["confidence"] = 0.1 + 0.2
    call["tracker"]["events"].append(
        {"event": "user", "timestamp": 1764262800.123456789, "parse_data": {"n": 2**70}}
    )
    for body in (json.dumps(call).encode(), json.dumps(call, ensure_ascii=False).encode()):
        decoded, problem = decode_call(body, content_encoding=None)
        assert problem is None and decoded == json.loads(body)
        assert repr(decoded["tracker"]["events"][-1]["timestamp"]) == repr(
            json.loads(body)["tracker"]["events"][-1]["timestamp"]
        )
    decoded, problem = decode_call(json.dumps(GOOD).encode("utf-16"), content_encoding=None)
    assert problem is None and decoded == GOOD
