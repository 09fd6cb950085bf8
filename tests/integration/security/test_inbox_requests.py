"""The agent inbox against hostile requests: ids the databases cannot hold are a 404 (they
were a 500 on four endpoints), the state-changing forms need their CSRF token and a
same-site origin, and every page forbids scripts and framing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from handoff import bootstrap, migrations
from handoff.db import tickets
from handoff.settings import HandoffSettings
from handoff.web import CSRF_COOKIE, create_app
from tests.support.inbox import form_token, post_form


@pytest.fixture
def inbox(tmp_path: Path) -> tuple[TestClient, int]:
    settings = HandoffSettings.from_env(
        {"HELPDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'handoff.db'}"}
    )
    services = bootstrap.build_services(settings)
    migrations.upgrade(services.engine)
    now = datetime.now(UTC)
    with services.engine.begin() as db:
        ticket_id = db.execute(
            tickets.insert().values(
                external_id="shopdesk:web-1:1", reference="SD-ABC123", conversation_id="web-1",
                requester_email="jo@example.com", subject="Parcel late", status="open",
                priority="normal", tags=[], created_at=now, updated_at=now,
            )
        ).inserted_primary_key[0]
    client = TestClient(create_app(services), follow_redirects=False, raise_server_exceptions=False)
    return client, int(ticket_id)


HUGE_IDS = ["9223372036854775808", "99999999999999999999999", "0", "-1", "1e3", "١٢"]


@pytest.mark.parametrize("raw", HUGE_IDS)
def test_ids_no_database_can_hold_are_a_404(inbox: tuple[TestClient, int], raw: str) -> None:
    client, _ = inbox
    for path in (f"/inbox/tickets/{raw}", f"/api/tickets/{raw}"):
        assert client.get(path).status_code == 404, path
    # The forms with a valid token, so the id itself is what is checked.
    token = form_token(client.get("/inbox").text)
    for action in ("solve", "assign", "reply"):
        path = f"/inbox/tickets/{raw}/{action}"
        response = client.post(path, data={"csrf_token": token, "body": "x"})
        assert response.status_code == 404, (path, response.status_code)
    response = client.post(f"/outbox/{raw}/retry", data={"csrf_token": token})
    assert response.status_code == 404, response.status_code
    for path, body in (
        (f"/api/tickets/{raw}/replies", {"body": "x", "author": "Sam"}),
        (f"/api/tickets/{raw}/solve", None),
        (f"/api/tickets/{raw}/assignee", {"assignee": "Sam"}),
    ):
        response = client.post(path, json=body)
        assert response.status_code == 404, (path, response.status_code)


def test_the_largest_id_a_database_holds_is_simply_not_found(inbox: tuple[TestClient, int]) -> None:
    client, _ = inbox
    assert client.get(f"/api/tickets/{2**63 - 1}").status_code == 404
    assert client.get(f"/inbox/tickets/{2**63 - 1}").status_code == 404


def test_solving_needs_the_forms_token(inbox: tuple[TestClient, int]) -> None:
    client, ticket_id = inbox
    page, action = f"/inbox/tickets/{ticket_id}", f"/inbox/tickets/{ticket_id}/solve"
    assert client.post(action).status_code == 403  # no cookie, no token
    token = form_token(client.get(page).text)  # sets this browser's nonce cookie
    assert client.post(action, data={"csrf_token": "0" * 64}).status_code == 403
    stranger = TestClient(client.app, follow_redirects=False)
    assert stranger.post(action, data={"csrf_token": token}).status_code == 403  # no cookie
    evil = client.post(
        action, data={"csrf_token": token}, headers={"Origin": "http://evil.example"}
    )
    assert evil.status_code == 403
    assert client.get(f"/api/tickets/{ticket_id}").json()["status"] == "open"
    solved = post_form(client, page=page, action=action)
    assert solved.status_code == 303
    assert client.get(f"/api/tickets/{ticket_id}").json()["status"] == "solved"


def test_retrying_a_delivery_needs_the_forms_token(inbox: tuple[TestClient, int]) -> None:
    client, _ = inbox
    assert client.post("/outbox/1/retry").status_code == 403
    client.get("/outbox")
    nonce = client.cookies.get(CSRF_COOKIE)
    assert nonce
    assert client.post("/outbox/1/retry", data={"csrf_token": nonce}).status_code == 403


def test_every_page_forbids_scripts_and_framing(inbox: tuple[TestClient, int]) -> None:
    client, ticket_id = inbox
    for path in ("/inbox", f"/inbox/tickets/{ticket_id}", "/outbox", "/api/tickets",
                 "/reports/latest", "/health"):
        response = client.get(path)
        policy = response.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy, path
        assert "script-src" not in policy
        assert response.headers["x-frame-options"] == "DENY", path
        assert response.headers["x-content-type-options"] == "nosniff", path
    fresh = TestClient(client.app)
    cookie = fresh.get(f"/inbox/tickets/{ticket_id}").headers["set-cookie"].lower()
    assert cookie.startswith(f"{CSRF_COOKIE}=") and "samesite=strict" in cookie
    assert "httponly" in cookie
