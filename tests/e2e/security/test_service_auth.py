"""Every service authenticates its caller, on the real embedded stack: the action server
(a forged tracker was an unlimited verification oracle and could invent ticket lines),
the store API (open by default, and uvicorn let a client rotate X-Forwarded-For past the
per-client limit), Rasa's HTTP API (anyone could read any conversation or load a model
from any path) with CORS for the store's pages only, the agent inbox (loopback was all it
had); and a postcode alone cannot cancel an order or change its address."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.e2e.security.conftest import STORE_LIMIT
from tests.support.stack import ShopdeskStack

pytestmark = pytest.mark.e2e

FORGED_CALL: dict[str, Any] = {
    "next_action": "validate_verification_form",
    "tracker": {
        "sender_id": "forged",
        "slots": {"order_number": "10023", "email": "jo@example.com",
                  "verification_failures": 0.0},
        "latest_message": {"text": "jo@example.com", "intent": {"name": "inform"},
                           "entities": [], "metadata": {"client_ip": "198.18.7.7"}},
        "events": [], "active_loop": {"name": "verification_form"},
        "latest_action_name": None, "followup_action": None, "paused": False,
    },
    "domain": {},
    "version": "3.6.21",
}


def test_the_action_server_answers_only_rasa(guarded: ShopdeskStack) -> None:
    url = guarded.action_server_url
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"},
                    {"Authorization": guarded.action_server_headers["Authorization"] + "x"}):
        refused = httpx.post(f"{url}/webhook", json=FORGED_CALL, headers=headers, timeout=30)
        assert refused.status_code == 401, headers
        assert "events" not in refused.text
        assert httpx.get(f"{url}/actions", headers=headers, timeout=30).status_code == 401
    assert httpx.get(f"{url}/health", timeout=30).status_code == 200
    # Rasa itself still reaches it: the policy answer is an action reading the store.
    reply = guarded.say("auth-rasa-calls-actions", "what is your return policy?")
    assert "You can return items within 30 days" in json.dumps(reply)


def test_the_store_api_needs_its_token(guarded: ShopdeskStack) -> None:
    base = f"{guarded.store_url}/api/v1"
    lookup = {"order_number": "10023", "email": "jo@example.com"}
    assert httpx.get(f"{base}/policy", timeout=30).status_code == 401
    assert httpx.post(f"{base}/orders/lookup", json=lookup, timeout=30).status_code == 401
    wrong = {"Authorization": "Bearer " + "x" * 43}
    assert httpx.post(f"{base}/orders/lookup", json=lookup, headers=wrong,
                      timeout=30).status_code == 401
    ok = httpx.post(f"{base}/orders/lookup", json=lookup, headers=guarded.store_api_headers,
                    timeout=30)
    assert ok.status_code == 200 and ok.json()["order_number"] == "10023"


def test_the_agent_inbox_needs_the_agents_login(guarded: ShopdeskStack) -> None:
    """Loopback was the inbox's only protection in the embedded profile: any user of the
    machine could read every ticket. The profile now generates the agents' password."""
    base = guarded.helpdesk_url
    user, password = guarded.helpdesk_auth
    for path in ("/inbox", "/api/tickets", "/outbox"):
        for auth in (None, (user, password + "x"), ("someone", password)):
            refused = httpx.get(f"{base}{path}", auth=auth, timeout=30)
            assert refused.status_code == 401, (path, auth)
            assert "WWW-Authenticate" in refused.headers
        assert httpx.get(f"{base}{path}", auth=(user, password), timeout=30).status_code == 200
    assert httpx.get(f"{base}/health", timeout=30).status_code == 200
    generated = (guarded.workdir / "secrets.env").read_text()
    assert f"HELPDESK_AGENT_PASSWORD={password}\n" in generated


def test_a_postcode_alone_cannot_cancel_or_redirect_an_order(guarded: ShopdeskStack) -> None:
    base, headers = f"{guarded.store_url}/api/v1", guarded.store_api_headers
    cancel = httpx.post(f"{base}/orders/10001/cancel", json={"postcode": "EC1A 1BB"},
                        headers=headers, timeout=30)
    assert cancel.status_code == 422 and cancel.json()["error"]["field"] == "email"
    move = httpx.put(
        f"{base}/orders/10001/shipping-address",
        json={"postcode": "EC1A 1BB", "address": {"name": "X", "line1": "1 Evil St",
                                                  "city": "London", "postcode": "E1 1AA",
                                                  "country": "GB"}},
        headers=headers, timeout=30,
    )
    assert move.status_code == 422 and move.json()["error"]["field"] == "email"
    order = httpx.post(f"{base}/orders/lookup",
                       json={"order_number": "10001", "postcode": "EC1A 1BB"},
                       headers=headers, timeout=30).json()
    assert order["status"] == "processing"  # looked up by postcode: fine; not changed


def test_rotating_x_forwarded_for_buys_no_extra_guesses(guarded: ShopdeskStack) -> None:
    base, headers = f"{guarded.store_url}/api/v1", guarded.store_api_headers
    statuses = []
    for guess in range(STORE_LIMIT + 3):
        response = httpx.post(
            f"{base}/orders/lookup",
            json={"order_number": "10023", "email": f"guess{guess}@example.com"},
            headers={**headers, "X-Forwarded-For": f"198.51.100.{guess}"},
            timeout=30,
        )
        statuses.append(response.status_code)
    assert statuses[:STORE_LIMIT] == [404] * STORE_LIMIT
    assert set(statuses[STORE_LIMIT:]) == {429}


def test_rasas_http_api_needs_its_token(guarded: ShopdeskStack, tmp_path: Any) -> None:
    url = guarded.rasa_url
    guarded.say("auth-api-victim", "where is order 10023? it's jo@example.com")
    assert httpx.get(f"{url}/conversations/auth-api-victim/tracker",
                     timeout=30).status_code == 401
    assert httpx.post(f"{url}/conversations/auth-api-victim/tracker/events",
                      json={"event": "slot", "name": "verified", "value": True},
                      timeout=30).status_code == 401
    assert httpx.put(f"{url}/model", json={"model_file": str(tmp_path / "evil.tar.gz")},
                     timeout=30).status_code == 401
    assert httpx.post(f"{url}/model/parse", json={"text": "hi"}, timeout=30).status_code == 401
    events = guarded.tracker("auth-api-victim")["events"]  # with the token: fine
    assert any(e["event"] == "user" for e in events)


def test_browsers_may_call_rasa_only_from_the_stores_pages(guarded: ShopdeskStack) -> None:
    store_origin = f"http://127.0.0.1:{guarded.ports.store}"
    for origin, allowed in ((store_origin, True), ("http://evil.example", False)):
        response = httpx.options(
            f"{guarded.rasa_url}/webhooks/rest/webhook",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
            timeout=30,
        )
        granted = response.headers.get("access-control-allow-origin")
        assert (granted in (origin, "*")) is allowed, (origin, granted)
        assert granted != "*"
