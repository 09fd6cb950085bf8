"""Agents working from Slack: one alert per handoff (a timeout after Slack posted it does not
post it again), and its Claim / Reply / Solve buttons, called the way Slack calls an app
(signed form posts), reaching the ticket and the shopper's chat; bad, stale and replayed
calls change nothing.

Real slack_sdk against the fake Slack, the built-in helpdesk, the real handoff web app.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from handoff import bootstrap
from handoff.bootstrap import HandoffServices
from handoff.db import ticket_events
from handoff.notifiers import SlackNotifier
from handoff.settings import HandoffSettings
from handoff.web import create_app
from handoff.worker import DeliveryWorker, RetryPolicy
from integrations.slack import SlackClient
from tests.fakes.rasa import FakeRasa
from tests.fakes.server import Fault
from tests.fakes.slack import FakeSlack
from tests.fakes.zendesk import FakeZendesk

RASA_TOKEN = "rasa-secret"  # as conftest.py's fake_rasa
APP = "/webhooks/slack/interactions"


@pytest.fixture
def services(
    database_url: str, engine: Any, fake_slack: FakeSlack, fake_rasa: FakeRasa
) -> Iterator[HandoffServices]:
    settings = HandoffSettings.from_env(
        {
            "HELPDESK_DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_CHANNEL": "#support",
            "SLACK_BASE_URL": fake_slack.base_url,
            "SLACK_SIGNING_SECRET": fake_slack.signing_secret,
            "RASA_URL": fake_rasa.url,
            "RASA_TOKEN": RASA_TOKEN,
        }
    )
    built = bootstrap.build_services(settings)
    yield built
    built.engine.dispose()


def deliver(services: HandoffServices, *, seconds: float = 15) -> None:
    worker = DeliveryWorker(
        store=services.store, helpdesk=services.helpdesk, notifier=services.notifier,
        policy=RetryPolicy(base_seconds=0.05, max_delay_seconds=0.2, max_retry_after_seconds=1),
        activity=services.activity,
    )
    deadline = time.monotonic() + seconds
    while services.store.counts()["pending"] and time.monotonic() < deadline:
        worker.run_once()
        time.sleep(0.05)
    assert services.store.counts()["pending"] == 0, services.store.rows()


class SlackApp:
    """The handoff app as Slack reaches it (over the test client)."""

    def __init__(self, client: TestClient, slack: FakeSlack) -> None:
        self.client, self.slack = client, slack

    def post(self, body: bytes, headers: dict[str, str]) -> Any:
        return self.client.post(APP, content=body, headers=headers)

    def click(self, message: dict[str, Any], action_id: str, user: dict[str, Any]) -> Any:
        body, headers = self._click(message, action_id, user)
        return self.post(body, headers)

    def _click(self, message: dict[str, Any], action_id: str,
               user: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        button = next(e for b in message["blocks"] if b.get("type") == "actions"
                      for e in b["elements"] if e.get("action_id") == action_id)
        payload = {
            "type": "block_actions",
            "user": user,
            "trigger_id": "trigger-1",
            "channel": {"id": "C0SUPPORT"},
            "message": {"ts": message["ts"], "blocks": message["blocks"]},
            "actions": [{"action_id": action_id, "value": button["value"]}],
        }
        body = self.slack.interaction_body(payload)
        return body, self.slack.sign(body)

    def submit(self, view: dict[str, Any], text: str, user: dict[str, Any],
               view_id: str) -> tuple[bytes, dict[str, str]]:
        payload = {
            "type": "view_submission",
            "user": user,
            "view": {**view, "id": view_id,
                     "state": {"values": {"reply": {"text": {"type": "plain_text_input",
                                                            "value": text}}}}},
        }
        body = self.slack.interaction_body(payload)
        return body, self.slack.sign(body)


def buttons(message: dict[str, Any]) -> list[str]:
    return [e.get("action_id") for b in message["blocks"] if b.get("type") == "actions"
            for e in b["elements"]]


def test_claim_reply_and_solve_from_slack(
    services: HandoffServices, escalate: Any, fake_slack: FakeSlack, fake_rasa: FakeRasa
) -> None:
    escalation = escalate(services.store)
    deliver(services)
    (alert,) = fake_slack.messages
    assert buttons(alert) == ["shopdesk_claim", "shopdesk_reply", "shopdesk_solve",
                              "shopdesk_open"]
    assert alert["metadata"]["event_payload"]["key"] == escalation.external_id
    conversation = services.store.conversation("conv-1")
    assert (conversation.alert_channel, conversation.alert_ts) == ("C0SUPPORT", alert["ts"])
    app = SlackApp(TestClient(create_app(services)), fake_slack)
    sam = fake_slack.add_user("U1", "sam", "sam@shop.example")

    assert app.click(alert, "shopdesk_claim", sam).status_code == 200
    ticket_id = int(conversation.ticket_id or 0)
    assert services.builtin is not None
    assert services.builtin.get_ticket(ticket_id)[0].assignee == "sam"  # type: ignore[index]
    (update,) = fake_slack.updates
    assert (update["channel"], update["ts"]) == ("C0SUPPORT", alert["ts"])
    assert "Claimed by sam" in str(update["blocks"])
    assert buttons(update) == ["shopdesk_reply", "shopdesk_solve", "shopdesk_open"]

    assert app.click(alert, "shopdesk_reply", sam).status_code == 200
    (opened,) = fake_slack.views
    assert opened["trigger_id"] == "trigger-1"
    assert opened["view"]["private_metadata"] == "conv-1"
    body, headers = app.submit(opened["view"], "Hi, Sam here: it left the warehouse today.",
                               sam, view_id="V1")
    answered = app.post(body, headers)
    assert answered.json() == {"response_action": "clear"}
    # Slack delivering the same submission again changes nothing.
    assert app.post(body, headers).status_code == 200
    empty_body, empty_headers = app.submit(opened["view"], "   ", sam, view_id="V2")
    assert app.post(empty_body, empty_headers).json()["response_action"] == "errors"

    assert app.click(update | {"ts": alert["ts"]}, "shopdesk_solve", sam).status_code == 200
    assert services.builtin.ticket_status(str(ticket_id)) == "solved"
    assert "Solved by sam" in str(fake_slack.updates[-1]["blocks"])
    assert buttons(fake_slack.updates[-1]) == ["shopdesk_open"]

    while services.relay.run_once():
        pass
    lines = [(e["event"], (e.get("metadata") or {}).get("shopdesk_author"), e.get("text"))
             for e in fake_rasa.appended["conv-1"]]
    assert lines == [
        ("bot", "sam", "Hi, Sam here: it left the warehouse today."),
        ("resume", None, None),
        ("bot", None, f"Our team has marked your request {escalation.reference} as solved. "
                      "I'm here again if you need anything else."),
    ]
    comments = services.builtin.get_ticket(ticket_id)[1]  # type: ignore[index]
    assert [(c.author, c.author_name, c.body) for c in comments if c.author == "agent"] == [
        ("agent", "sam", "Hi, Sam here: it left the warehouse today.")
    ]
    with services.engine.connect() as db:
        kinds = [tuple(r) for r in db.execute(
            ticket_events.select().with_only_columns(ticket_events.c.kind, ticket_events.c.source)
            .order_by(ticket_events.c.id)
        )]
    assert kinds == [("escalated", "bot"), ("claimed", "inbox"), ("agent_reply", "slack"),
                     ("solved", "slack")]


def test_bad_stale_and_replayed_interactions_change_nothing(
    services: HandoffServices, escalate: Any, fake_slack: FakeSlack
) -> None:
    escalate(services.store)
    deliver(services)
    (alert,) = fake_slack.messages
    app = SlackApp(TestClient(create_app(services)), fake_slack)
    sam = fake_slack.add_user("U1", "sam", "sam@shop.example")
    body, headers = app._click(alert, "shopdesk_solve", sam)
    refused = [
        fake_slack.sign(body, secret="another-secret"),
        fake_slack.sign(body, timestamp=int(time.time()) - 301),
        {**headers, "X-Slack-Signature": "v0=" + "0" * 64},
        {"Content-Type": "application/x-www-form-urlencoded"},
    ]
    for bad in refused:
        assert app.post(body, bad).status_code == 401, bad
    assert app.post(b"payload=%7B%22type%22", headers).status_code == 401  # not what was signed
    assert services.chat.messages("conv-1") == [] and fake_slack.updates == []

    assert app.post(body, headers).status_code == 200
    assert app.post(body, headers).status_code == 200  # the replay
    assert [m.kind for m in services.chat.messages("conv-1")] == ["solved"]
    assert len(fake_slack.updates) == 1
    garbage = b"payload=not-json"
    assert app.post(garbage, fake_slack.sign(garbage)).status_code == 400


def test_a_slack_timeout_after_posting_does_not_post_the_alert_again(
    services: HandoffServices, escalate: Any, fake_slack: FakeSlack, slack_client: SlackClient
) -> None:
    escalate(services.store)
    # Slack posts the message, then the answer comes after the client gave up (1 s).
    fake_slack.add_fault(Fault(method="POST", path_contains="chat.postMessage",
                               stall_after_handling=2.5, times=1))
    notifier = SlackNotifier(slack_client, channel="#support", tz=ZoneInfo("UTC"),
                             interactive=True)
    deliver(dataclasses.replace(services, notifier=notifier))
    assert len(fake_slack.messages) == 1
    # Looked for before posting again, and found.
    assert [r.path for r in fake_slack.requests] == [
        "/api/chat.postMessage", "/api/conversations.list", "/api/conversations.history"
    ]
    (row,) = services.store.rows()
    assert row.status == "done"
    assert services.store.conversation("conv-1").alert_ts == fake_slack.messages[0]["ts"]


def test_without_a_signing_secret_there_is_no_slack_endpoint(
    database_url: str, engine: Any, fake_slack: FakeSlack
) -> None:
    services = bootstrap.build_services(HandoffSettings.from_env({
        "HELPDESK_DATABASE_URL": database_url, "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_CHANNEL": "#support", "SLACK_BASE_URL": fake_slack.base_url,
    }))
    body = b"payload=%7B%7D"
    response = TestClient(create_app(services)).post(APP, content=body,
                                                     headers=fake_slack.sign(body))
    assert response.status_code == 404
    services.engine.dispose()


def test_claim_and_reply_from_slack_on_zendesk_tickets(
    database_url: str, engine: Any, fake_slack: FakeSlack, fake_rasa: FakeRasa,
    fake_zendesk: FakeZendesk, escalate: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ZENPY_FORCE_SCHEME", "http")
    services = bootstrap.build_services(HandoffSettings.from_env({
        "HELPDESK_DATABASE_URL": database_url, "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_CHANNEL": "#support", "SLACK_BASE_URL": fake_slack.base_url,
        "SLACK_SIGNING_SECRET": fake_slack.signing_secret,
        "ZENDESK_SUBDOMAIN": "127", "ZENDESK_DOMAIN": f"0.0.1:{fake_zendesk.port}",
        "ZENDESK_EMAIL": "bot@example.com", "ZENDESK_TOKEN": "zd-token",
        "RASA_URL": fake_rasa.url, "RASA_TOKEN": RASA_TOKEN,
    }))
    escalate(services.store, conversation_id="a", email="a@example.com")
    escalate(services.store, conversation_id="b", email="b@example.com")
    deliver(services)
    sam_agent = fake_zendesk.add_agent("Sam Agent", "sam@shop.example")
    app = SlackApp(TestClient(create_app(services)), fake_slack)
    sam = fake_slack.add_user("U1", "sam", "sam@shop.example")
    bob = fake_slack.add_user("U2", "bob", "bob@elsewhere.example")
    alert_a, alert_b = fake_slack.messages
    ticket_a = fake_zendesk.tickets[int(services.store.conversation("a").ticket_id or 0)]
    ticket_b = fake_zendesk.tickets[int(services.store.conversation("b").ticket_id or 0)]

    assert app.click(alert_a, "shopdesk_claim", sam).status_code == 200
    assert ticket_a.assignee_id == sam_agent
    # Someone without a Zendesk agent account: the ticket says who took it.
    assert app.click(alert_b, "shopdesk_claim", bob).status_code == 200
    assert ticket_b.assignee_id is None
    assert ticket_b.comments[-1]["body"] == "Claimed in Slack by bob."
    assert ticket_b.comments[-1]["public"] is False
    assert services.store.conversation("b").assignee == "bob"

    assert app.click(alert_a, "shopdesk_reply", sam).status_code == 200
    body, headers = app.submit(fake_slack.views[-1]["view"], "Sam here, on it.", sam, "V9")
    assert app.post(body, headers).json() == {"response_action": "clear"}
    assert ticket_a.comments[-1] == {**ticket_a.comments[-1], "public": True,
                                     "body": "Sam here, on it.\n\n— sam"}
    # The answer is in the chat once: Zendesk's copy (Shopdesk's own comment) is not relayed.
    assert services.zendesk_sync is not None
    services.zendesk_sync.poll_once()
    assert [m.body for m in services.chat.messages("a")] == ["Sam here, on it."]
    services.engine.dispose()
