"""The worker delivering escalations to Zendesk (real zenpy → fake Zendesk) and Slack
(real slack_sdk → fake Slack): the exact requests, idempotency, faults and retries."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from handoff.helpdesks import ZendeskHelpdesk
from handoff.hours import BusinessHours
from handoff.notifiers import SlackNotifier
from handoff.outbox import DONE, PARKED, PENDING, STAGE_NOTIFY, OutboxStore
from handoff.worker import DeliveryWorker, RetryPolicy
from tests.fakes.server import Fault

# As in conftest.py (not imported from it: conftest modules are not importable by name).
SLACK_CHANNEL = "#support"
TZ = BusinessHours.parse("Mon-Fri 09:00-17:00", "Europe/Berlin").tz

FAST = RetryPolicy(base_seconds=0.05, max_delay_seconds=0.3, max_attempts=50)


def make_worker(store: OutboxStore, zendesk_client, slack_client, **kwargs) -> DeliveryWorker:  # type: ignore[no-untyped-def]
    return DeliveryWorker(
        store=store,
        helpdesk=ZendeskHelpdesk(
            zendesk_client, tz=TZ, order_field_id=360001, conversation_field_id=360002
        ),
        notifier=SlackNotifier(slack_client, channel=SLACK_CHANNEL, tz=TZ),
        policy=kwargs.pop("policy", FAST),
        lease=kwargs.pop("lease", timedelta(seconds=30)),
        **kwargs,
    )


def drain(worker: DeliveryWorker, store: OutboxStore, *, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        worker.run_once()
        if store.counts()[PENDING] == 0:
            return
        time.sleep(0.05)
    raise AssertionError(f"outbox not drained: {store.rows()}")


def test_escalation_becomes_one_ticket_with_exact_requests(
    store, escalate, fake_zendesk, fake_slack, zendesk_client, slack_client
):
    escalation = escalate(store)
    drain(make_worker(store, zendesk_client, slack_client), store)

    (lookup,) = fake_zendesk.calls("GET", "/api/v2/tickets.json")
    assert lookup.query["external_id"] == ["shopdesk:conv-1:1"]
    (search,) = fake_zendesk.calls("GET", "/api/v2/users/search.json")
    assert search.query["query"] == ["email:shopper@example.com"]
    (user_call,) = fake_zendesk.calls("POST", "/api/v2/users/create_or_update.json")
    assert user_call.body == {
        "user": {"email": "shopper@example.com", "name": "shopper@example.com"}
    }
    (create,) = fake_zendesk.calls("POST", "/api/v2/tickets.json")
    ticket = create.body["ticket"]
    requester_id = next(iter(fake_zendesk.end_users))
    assert ticket["requester_id"] == requester_id
    assert ticket["external_id"] == "shopdesk:conv-1:1"
    assert create.headers["idempotency-key"] == "shopdesk:conv-1:1"
    assert ticket["priority"] == "normal"
    assert ticket["tags"] == [
        "shopdesk",
        "reason_requested",
        "verified",
        "intent_order_status",
    ]
    assert ticket["custom_fields"] == [
        {"id": 360001, "value": "12345"},
        {"id": 360002, "value": "conv-1"},
    ]
    assert ticket["subject"] == f"[{escalation.reference}] Parcel never arrived (order 12345)"
    body = ticket["comment"]["body"]
    assert ticket["comment"]["public"] is False
    assert "Reason: shopper asked for a person" in body
    assert "Order: 12345 (verified)" in body
    assert "Shopper: where is my order 12345" in body
    assert "Assistant: I found order 12345" in body
    assert "[2024-05-06 12:00:00 CEST]" in body  # timestamps in the business time zone
    assert "4111" not in body.replace("ending 1111", "")
    assert "[card number ending 1111]" in body and "cvv [masked]" in body

    (message,) = fake_slack.messages
    assert message["channel"] == SLACK_CHANNEL
    ticket_id = next(iter(fake_zendesk.tickets))
    assert f"/agent/tickets/{ticket_id}" in str(message["blocks"])
    assert escalation.reference in message["text"]
    (row,) = store.rows()
    assert (row.status, row.ticket_id) == (DONE, str(ticket_id))
    assert store.conversation("conv-1").ticket_id == str(ticket_id)


def test_complaint_and_repeat_contact_are_high_priority(
    store, escalate, fake_zendesk, fake_slack, zendesk_client, slack_client
):
    escalate(store, conversation_id="a", reason="complaint")
    escalate(store, conversation_id="b", email="other@example.com")
    escalate(store, conversation_id="c", email="other@example.com")  # contacted before
    drain(make_worker(store, zendesk_client, slack_client), store)
    by_external = {t.external_id: t for t in fake_zendesk.tickets.values()}
    assert by_external["shopdesk:a:1"].priority == "high"
    assert by_external["shopdesk:b:1"].priority == "normal"
    assert by_external["shopdesk:c:1"].priority == "high"


def test_second_escalation_comments_on_the_open_ticket(
    store, escalate, fake_zendesk, fake_slack, zendesk_client, slack_client
):
    worker = make_worker(store, zendesk_client, slack_client)
    escalate(store)
    drain(worker, store)
    second = escalate(store, summary="Still waiting")
    drain(worker, store)

    assert second.sequence == 2
    (ticket,) = fake_zendesk.tickets.values()
    assert len(ticket.comments) == 2
    assert "asked for a person again" in ticket.comments[1]["body"]
    assert ticket.comments[1]["public"] is False
    assert len(fake_slack.messages) == 2


def test_zendesk_500s_timeouts_and_429_then_recovery_deliver_each_exactly_once(
    store, escalate, fake_zendesk, fake_slack, zendesk_client, slack_client
):
    for n in range(5):
        escalate(store, conversation_id=f"conv-{n}", email=f"s{n}@example.com")
    # Timeouts: Zendesk creates the ticket but answers after the client gave up.
    fake_zendesk.add_fault(Fault(method="POST", path_contains="/tickets.json", delay=1.5, times=2))
    fake_zendesk.add_fault(Fault(method="POST", path_contains="/tickets.json", status=500, times=3))
    fake_zendesk.add_fault(
        Fault(
            method="POST",
            path_contains="create_or_update",
            status=429,
            retry_after=1,
            times=2,
        )
    )
    fake_zendesk.fail_for(1.0, method="GET", status=503)
    drain(make_worker(store, zendesk_client, slack_client), store, seconds=40)

    external_ids = sorted(t.external_id for t in fake_zendesk.tickets.values())
    assert external_ids == sorted(f"shopdesk:conv-{n}:1" for n in range(5))
    assert len(fake_slack.messages) == 5
    assert all(r.status == DONE for r in store.rows())


def test_retry_after_is_honoured(
    store, escalate, fake_zendesk, fake_slack, zendesk_client, slack_client
):
    escalate(store)
    fake_zendesk.add_fault(Fault(method="GET", status=429, retry_after=7, times=1))
    make_worker(store, zendesk_client, slack_client).run_once()
    (row,) = store.rows()
    assert row.status == PENDING and row.attempts == 1
    wait = (row.next_attempt_at - row.created_at).total_seconds()
    assert 6.5 <= wait <= 9, wait
    assert "429" in (row.last_error or "")


def test_permanent_error_is_parked_with_the_error_and_can_be_retried(
    store, escalate, fake_zendesk, fake_slack, zendesk_client, slack_client
):
    escalate(store)
    fake_zendesk.add_fault(Fault(method="POST", path_contains="/tickets.json", status=403, times=1))
    worker = make_worker(store, zendesk_client, slack_client)
    worker.run_once()
    (row,) = store.rows(status=PARKED)
    assert "HTTP 403" in (row.last_error or "") and row.stage == "helpdesk"
    assert not fake_zendesk.tickets

    assert store.requeue(row.id)
    drain(worker, store)
    assert len(fake_zendesk.tickets) == 1 and store.rows()[0].status == DONE


def test_slack_down_never_blocks_the_ticket(
    store, escalate, fake_zendesk, fake_slack, zendesk_client, slack_client
):
    escalate(store)
    fake_slack.add_fault(Fault(status=500, times=1))
    worker = make_worker(store, zendesk_client, slack_client)
    worker.run_once()
    assert len(fake_zendesk.tickets) == 1
    (row,) = store.rows()
    assert (row.status, row.stage) == (PENDING, STAGE_NOTIFY)
    drain(worker, store)  # the retry, once its backoff is over
    assert len(fake_zendesk.tickets) == 1 and len(fake_slack.messages) == 1


def test_slack_429_retry_after_and_permanent_slack_error(
    store, escalate, fake_zendesk, fake_slack, zendesk_client, slack_client
):
    escalate(store)
    fake_slack.add_fault(
        Fault(
            status=429,
            retry_after=5,
            body={"ok": False, "error": "ratelimited"},
            times=1,
        )
    )
    worker = make_worker(store, zendesk_client, slack_client)
    worker.run_once()
    (row,) = store.rows()
    assert row.stage == STAGE_NOTIFY
    assert 4 <= (row.next_attempt_at - row.created_at).total_seconds() <= 7

    fake_slack.channels.clear()  # channel_not_found: permanent
    store.requeue(row.id)  # no-op: not parked
    escalate(store, conversation_id="conv-2", email="x@example.com")
    drain_until = time.monotonic() + 5
    while not store.rows(status=PARKED) and time.monotonic() < drain_until:
        worker.run_once()
    (parked,) = store.rows(status=PARKED)
    assert "channel_not_found" in (parked.last_error or "")
    assert parked.ticket_id is not None  # the ticket exists all the same
    assert len(fake_zendesk.tickets) == 2


def test_concurrent_workers_never_duplicate(
    store, escalate, fake_zendesk, fake_slack, zendesk_client, slack_client
):
    for n in range(12):
        escalate(store, conversation_id=f"c{n}", email=f"p{n}@example.com")
    fake_zendesk.add_fault(Fault(method="POST", path_contains="/tickets.json", delay=0.2, times=12))
    workers = [
        make_worker(store, zendesk_client, slack_client, worker_id=f"w{i}") for i in range(4)
    ]
    threads = [threading.Thread(target=drain, args=(w, store)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake_zendesk.tickets) == 12
    assert len(fake_zendesk.calls("POST", "/api/v2/tickets.json")) == 12
    assert len(fake_slack.messages) == 12
