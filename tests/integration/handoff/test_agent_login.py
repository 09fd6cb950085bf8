"""The agent pages show shoppers' names, emails and transcripts: with a login configured,
nothing but /health answers without it, and the solve form cannot be posted cross-site."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from handoff import bootstrap, migrations
from handoff.settings import HandoffSettings, SettingsError
from handoff.web import CSRF_COOKIE, CsrfTokens, create_app

LOGIN = ("agent", "correct horse battery staple 1234567")
CSRF_SECRET = b"agent-login-tests-csrf-secret-0123456789"
PAGES = ["/inbox", "/inbox/tickets/1", "/api/tickets", "/api/tickets/1", "/outbox",
         "/api/outbox", "/reports/latest", "/"]


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    settings = HandoffSettings.from_env(
        {"HELPDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'handoff.db'}"}
    )
    services = bootstrap.build_services(settings)
    migrations.upgrade(services.engine)
    return TestClient(
        create_app(
            services, report_dir=tmp_path / "reports", agent_login=LOGIN, csrf_secret=CSRF_SECRET
        ),
        follow_redirects=False,
    )


def test_every_agent_page_needs_the_login(client: TestClient) -> None:
    assert client.get("/health").status_code == 200
    wrong = [basic("agent", "guess"), basic("admin", LOGIN[1]), {"Authorization": "Basic !!"},
             {"Authorization": "Bearer " + LOGIN[1]}, {}]
    for path in PAGES:
        for headers in wrong:
            refused = client.get(path, headers=headers)
            assert refused.status_code == 401, (path, headers)
            assert refused.headers["www-authenticate"].startswith("Basic")
            assert "Inbox" not in refused.text
        assert client.get(path, headers=basic(*LOGIN)).status_code in (200, 307, 404), path
    inbox = client.get("/inbox", headers=basic(*LOGIN))
    assert inbox.status_code == 200 and "href='/reports/latest'" in inbox.text
    assert client.post("/inbox/tickets/1/solve").status_code == 401


def test_solving_from_another_site_is_refused(client: TestClient) -> None:
    cross = client.post(
        "/inbox/tickets/1/solve", headers={**basic(*LOGIN), "Sec-Fetch-Site": "cross-site"}
    )
    assert cross.status_code == 403
    client.cookies.set(CSRF_COOKIE, "nonce")
    same = client.post(
        "/inbox/tickets/1/solve",
        data={"csrf_token": CsrfTokens(CSRF_SECRET).token("nonce")},
        headers={**basic(*LOGIN), "Sec-Fetch-Site": "same-origin"},
    )
    assert same.status_code == 404  # past the guards: there is no ticket 1


def test_the_inbox_is_not_exposed_without_a_password() -> None:
    with pytest.raises(SettingsError, match="HELPDESK_AGENT_PASSWORD"):
        HandoffSettings.from_env({"HELPDESK_HOST": "0.0.0.0"})
    exposed = HandoffSettings.from_env(
        {"HELPDESK_HOST": "0.0.0.0", "HELPDESK_AGENT_PASSWORD": LOGIN[1]}
    )
    assert (exposed.host, exposed.agent_user, exposed.agent_password) == ("0.0.0.0", *LOGIN)
    assert HandoffSettings.from_env({}).agent_password is None
