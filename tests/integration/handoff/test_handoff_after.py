"""After the handoff: the shopper's later messages land on the ticket (read from Rasa's SQL
event broker table), and the bot is resumed when the ticket is solved, after the configured
time, or when the shopper starts over."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from handoff.db import create_db_engine
from handoff.followups import BrokerEventSource, FollowUpPoller, Resumer
from handoff.helpdesks import ZendeskHelpdesk
from handoff.hours import BusinessHours
from handoff.notifiers import LogNotifier
from handoff.outbox import PAUSED, PENDING, RESUMED
from handoff.worker import DeliveryWorker, RetryPolicy
from tests.fakes.rasa import BrokerTable

TZ = BusinessHours.parse("Mon-Fri 09:00-17:00", "UTC").tz


@pytest.fixture
def broker(tmp_path: Path) -> BrokerTable:
    return BrokerTable(create_db_engine(f"sqlite:///{tmp_path / 'rasa_events.db'}"))


def deliver_all(worker: DeliveryWorker) -> None:
    deadline = time.monotonic() + 10
    while worker.store.counts()[PENDING] and time.monotonic() < deadline:
        worker.run_once()


def test_later_messages_are_appended_once_masked_and_a_restart_resumes(
    store, escalate, broker, fake_zendesk, zendesk_client
):
    worker = DeliveryWorker(
        store=store,
        helpdesk=ZendeskHelpdesk(zendesk_client, tz=TZ),
        notifier=LogNotifier(),
        policy=RetryPolicy(base_seconds=0.05),
    )
    poller = FollowUpPoller(store=store, source=BrokerEventSource(broker.engine))
    before = time.time() - 60
    broker.user("conv-1", "talk to a person", timestamp=before, intent="human_agent")
    escalate(store)
    deliver_all(worker)
    now = time.time()
    broker.user("conv-1", "hello? my card is 4111-1111-1111-1111", timestamp=now + 1)
    broker.user("someone-else", "not paused", timestamp=now + 1)
    broker.publish("conv-1", {"event": "bot", "timestamp": now + 1.5, "text": "ignored"})
    broker.user("conv-1", "are you there", timestamp=now + 2)

    assert poller.poll_once() == 5
    assert poller.poll_once() == 0  # the cursor moved: nothing is read twice
    deliver_all(worker)
    (ticket,) = fake_zendesk.tickets.values()
    bodies = [c["body"] for c in ticket.comments]
    assert len(bodies) == 3
    assert "Shopper (chat): hello? my card is [card number ending 1111]" in bodies[1]
    assert "Shopper (chat): are you there" in bodies[2]
    assert ticket.comments[1]["public"] is True
    assert ticket.comments[1]["author_id"] == ticket.requester_id

    broker.user("conv-1", "/restart", timestamp=now + 3, intent="restart")
    broker.publish("conv-1", {"event": "restart", "timestamp": now + 3})
    broker.user("conv-1", "hi again", timestamp=now + 4, intent="greet")
    poller.poll_once()
    deliver_all(worker)
    assert len(ticket.comments) == 3  # neither "/restart" nor later messages are appended
    assert store.conversation("conv-1").state == RESUMED


def test_a_message_committed_late_by_another_rasa_instance_is_not_skipped(
    store, escalate, broker, fake_zendesk, zendesk_client
):
    """Two Rasa instances: id 3 is taken first but committed after id 4 is visible."""
    worker = DeliveryWorker(
        store=store,
        helpdesk=ZendeskHelpdesk(zendesk_client, tz=TZ),
        notifier=LogNotifier(),
        policy=RetryPolicy(base_seconds=0.05),
    )
    clock = [100.0]
    poller = FollowUpPoller(
        store=store,
        source=BrokerEventSource(broker.engine),
        gap_grace_seconds=10,
        clock=lambda: clock[0],
    )
    now = time.time()
    broker.user("conv-1", "talk to a person", timestamp=now - 60, intent="human_agent", id=1)
    escalate(store)
    deliver_all(worker)
    assert poller.poll_once() == 1  # the request itself, from before the pause
    broker.user("conv-1", "first", timestamp=now + 1, id=2)
    broker.user("conv-1", "third", timestamp=now + 3, id=4)

    assert poller.poll_once() == 1  # id 2 only: 3 may still be committing
    broker.user("conv-1", "second", timestamp=now + 2, id=3)  # the late commit
    assert poller.poll_once() == 2
    deliver_all(worker)
    (ticket,) = fake_zendesk.tickets.values()
    bodies = [c["body"] for c in ticket.comments[1:]]
    shopper = [b.split("Shopper (chat): ", 1)[1].split("\n")[0] for b in bodies]
    assert shopper == ["first", "second", "third"]

    # A hole that never fills (a rolled-back id) is waited for, then skipped.
    broker.user("conv-1", "after a rollback", timestamp=now + 5, id=6)
    assert poller.poll_once() == 0
    clock[0] += 11
    assert poller.poll_once() == 1
    deliver_all(worker)
    assert "Shopper (chat): after a rollback" in ticket.comments[-1]["body"]


def test_a_comment_is_not_duplicated_when_the_worker_retries(
    store, escalate, broker, fake_zendesk, zendesk_client
):
    from tests.fakes.server import Fault

    worker = DeliveryWorker(
        store=store,
        helpdesk=ZendeskHelpdesk(zendesk_client, tz=TZ),
        notifier=LogNotifier(),
        policy=RetryPolicy(base_seconds=0.05),
    )
    escalate(store)
    deliver_all(worker)
    broker.user("conv-1", "any news?", timestamp=time.time() + 1)
    FollowUpPoller(store=store, source=BrokerEventSource(broker.engine)).poll_once()
    # The comment is saved, but the answer comes after the client's timeout.
    fake_zendesk.add_fault(Fault(method="PUT", delay=1.5, times=1))
    deliver_all(worker)
    (ticket,) = fake_zendesk.tickets.values()
    assert [c["body"].count("any news?") for c in ticket.comments] == [0, 1]


def test_the_bot_resumes_after_the_configured_time_and_says_so(
    store, escalate, fake_zendesk, zendesk_client, fake_rasa, activity, relay
):
    helpdesk = ZendeskHelpdesk(zendesk_client, tz=TZ)
    worker = DeliveryWorker(store=store, helpdesk=helpdesk, notifier=LogNotifier())
    escalate(store, conversation_id="long-wait")
    escalate(store, conversation_id="just-now", email="w@example.com")
    deliver_all(worker)
    resumer = Resumer(store=store, activity=activity, resume_after=timedelta(hours=2))
    assert resumer.check_once() == []

    later = datetime.now(UTC) + timedelta(hours=2, minutes=1)
    assert sorted(resumer.check_once(now=later)) == ["just-now", "long-wait"]
    assert resumer.check_once(now=later) == []  # once: it is on its way
    relay.run_once()
    resume, told = fake_rasa.appended["long-wait"]
    assert resume["event"] == "resume"
    reference = store.conversation("long-wait").reference
    assert told["text"] == (
        f"Our team still has your request {reference} and will reply to shopper@example.com. "
        "Meanwhile I'm here again for anything else."
    )
    assert told["metadata"]["chat_state"] == "bot"
    assert told["metadata"]["utter_action"] == "utter_handoff_timed_out"
    assert store.conversation("long-wait").state == RESUMED
    assert store.conversation("long-wait").resume_reason == "timeout"


def test_a_chat_message_waits_while_rasa_is_down_and_arrives_once(
    store, escalate, fake_rasa, activity, relay
):
    escalate(store)
    fake_rasa.fail_for(30, status=500)
    assert activity.reply(
        conversation_id="conv-1", body="Sam here, looking now", author="Sam", source="api",
        key="test:1",
    )
    relay.run_once()
    (message,) = relay.store.messages("conv-1")
    assert (message.status, message.attempts) == ("pending", 1)
    assert store.conversation("conv-1").state == PAUSED
    fake_rasa.faults.clear()
    deadline = time.monotonic() + 10
    while relay.store.messages("conv-1")[0].status != "done" and time.monotonic() < deadline:
        relay.run_once()
        time.sleep(0.05)
    delivered = [e for e in fake_rasa.appended["conv-1"] if e.get("event") == "bot"]
    assert [e["text"] for e in delivered] == ["Sam here, looking now"]
