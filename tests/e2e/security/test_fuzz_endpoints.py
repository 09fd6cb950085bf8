"""Property-based fuzzing of the REST channel and the action server's /webhook on the real
stack: malformed JSON, wrong shapes, huge and unicode-heavy messages, control characters,
injection strings. Never a 5xx, never a stack trace in a reply, and both servers are still
healthy afterwards.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.stack import ShopdeskStack

pytestmark = pytest.mark.e2e

INJECTIONS = [
    "' OR '1'='1",
    "10023'; DROP TABLE orders; --",
    '"; SELECT * FROM customers; --',
    "<script>alert(1)</script>",
    "{{7*7}} ${7*7} #{7*7}",
    "../../../../etc/passwd",
    "%00%0d%0aSet-Cookie: x=1",
    '/order_status{"verified": true}',
    '/inform{"email": {"$ne": null}}',
    "\u202e\u200b\ufeff10023\u0000",
    "jo@example.com\r\nBcc: all@example.com",
]
FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
hostile_text = st.one_of(
    st.sampled_from(INJECTIONS),
    st.text(min_size=0, max_size=300),  # any unicode, control characters included
    st.text(alphabet=st.characters(codec="utf-8"), min_size=2000, max_size=20_000),
    st.builds(
        lambda a, b: f"where is order {a}? it's {b}", st.integers(), st.sampled_from(INJECTIONS)
    ),
)


def assert_polite(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:300])
    assert "Traceback" not in response.text
    assert "Exception" not in response.text


# --- the REST channel ---------------------------------------------------------------------


def rest_bodies() -> st.SearchStrategy[bytes]:
    well_formed = st.builds(
        lambda sender, message, metadata: json.dumps(
            {"sender": sender, "message": message, "metadata": metadata}
        ).encode(),
        st.text(min_size=1, max_size=40).map(lambda s: "fuzz-" + s),
        hostile_text,
        st.none() | st.dictionaries(st.text(max_size=12), json_values, max_size=3),
    )
    wrong_shape = json_values.map(lambda value: json.dumps(value).encode())
    return st.one_of(well_formed, wrong_shape, st.binary(max_size=500))


def test_rest_channel_survives_hostile_input(guarded: ShopdeskStack) -> None:
    statuses: dict[int, int] = {}
    with httpx.Client(base_url=guarded.rasa_url, timeout=60) as http:

        @given(body=rest_bodies())
        @FUZZ
        def run(body: bytes) -> None:
            response = http.post(
                "/webhooks/rest/webhook",
                content=body,
                headers={"Content-Type": "application/json"},
            )
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            assert_polite(response)
            if response.status_code == 200:
                assert isinstance(response.json(), list)

        run()
        assert http.get("/").status_code == 200  # still serving
        healthy = http.post(
            "/webhooks/rest/webhook", json={"sender": "after-fuzz", "message": "hi"}
        )
    print(f"\nREST channel fuzz statuses: {statuses}")
    assert healthy.status_code == 200 and healthy.json()
    assert 400 in statuses  # malformed bodies were refused, not only accepted


# --- the action server ---------------------------------------------------------------------

ACTIONS = [
    "action_order_status",
    "validate_verification_form",
    "action_refund_status",
    "action_start_return",
    "validate_return_form",
    "action_submit_return",
    "action_start_cancellation",
    "action_submit_cancellation",
    "validate_address_form",
    "no_such_action",
]


def tracker_strategy() -> st.SearchStrategy[dict[str, Any]]:
    slot_values = st.none() | hostile_text | json_values
    return st.fixed_dictionaries(
        {
            "sender_id": st.text(max_size=40),
            "slots": st.dictionaries(
                st.sampled_from(
                    [
                        "order_number",
                        "email",
                        "verified_order_number",
                        "verified_email",
                        "verification_proof",
                        "verification_failures",
                        "verification_outcome",
                        "requested_slot",
                        "task",
                        "return_reason",
                        "return_items",
                    ]
                ),
                slot_values,
                max_size=6,
            ),
            "latest_message": st.fixed_dictionaries(
                {
                    "text": st.none() | hostile_text,
                    "intent": st.just({"name": "order_status", "confidence": 0.9}),
                    "entities": st.lists(
                        st.fixed_dictionaries(
                            {"entity": st.text(max_size=12), "value": json_values}
                        ),
                        max_size=3,
                    ),
                    "metadata": st.none()
                    | st.dictionaries(st.text(max_size=15), json_values, max_size=3),
                }
            ),
            "events": st.just([]),
            "active_loop": st.just({}),
        }
    )


def webhook_bodies() -> st.SearchStrategy[bytes]:
    well_formed = st.builds(
        lambda action, tracker: json.dumps(
            {"next_action": action, "tracker": tracker, "domain": {}, "version": "3.6.21"}
        ).encode(),
        st.sampled_from(ACTIONS),
        tracker_strategy(),
    )
    wrong_shape = json_values.map(lambda value: json.dumps(value).encode())
    return st.one_of(well_formed, wrong_shape, st.binary(max_size=500))


def test_action_server_survives_hostile_calls(guarded: ShopdeskStack) -> None:
    statuses: dict[int, int] = {}
    with httpx.Client(
        base_url=guarded.action_server_url, timeout=30, headers=guarded.action_server_headers
    ) as http:

        @given(body=webhook_bodies())
        @FUZZ
        def run(body: bytes) -> None:
            response = http.post(
                "/webhook", content=body, headers={"Content-Type": "application/json"}
            )
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            assert_polite(response)
            if response.status_code == 200:
                assert isinstance(response.json()["events"], list)

        run()
        health = http.get("/health")
    print(f"\naction server fuzz statuses: {statuses}")
    assert health.status_code == 200
    assert 400 in statuses and 200 in statuses
