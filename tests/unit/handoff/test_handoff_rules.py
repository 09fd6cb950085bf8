"""Plain handoff rules: masking, business hours, priority, tags, summaries, settings."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from handoff.hours import BusinessHours, BusinessHoursError
from handoff.masking import luhn_valid, mask_sensitive
from handoff.models import Alert, Escalation, OrderContext, TicketRef
from handoff.notifiers import alert_blocks
from handoff.rules import (
    auto_summary,
    extract_email,
    new_reference,
    priority_for,
    tags_for,
)
from handoff.settings import HandoffSettings, SettingsError
from handoff.ticket_text import ticket_body, ticket_subject
from handoff.transcript import render_transcript, turns_from_events
from handoff.worker import RetryPolicy


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4111 1111 1111 1111 ok", "card [card number ending 1111] ok"),
        ("4111-1111-1111-1111", "[card number ending 1111]"),
        ("amex 378282246310005", "amex [card number ending 0005]"),
        ("order 12345 please", "order 12345 please"),
        ("tracking 1234567890123", "tracking 1234567890123"),  # not Luhn-valid
        ("my cvv is 123", "my cvv is [masked]"),
        ("security code: 4321", "security code: [masked]"),
        ("password: hunter2!", "password: [masked]"),
        ("my password is s3cret, thanks", "my password is [masked], thanks"),
        ("phone +44 20 7946 0958", "phone +44 20 7946 0958"),
    ],
)
def test_masking(text: str, expected: str) -> None:
    assert mask_sensitive(text) == expected


def test_luhn() -> None:
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")


HOURS = BusinessHours.parse("Mon-Fri 09:00-17:00; Sat 10:00-14:00", "Europe/Berlin")


def test_business_hours_open_and_next_opening() -> None:
    monday_10 = datetime(2024, 5, 6, 8, 0, tzinfo=UTC)  # 10:00 in Berlin (CEST)
    assert HOURS.is_open(monday_10)
    friday_evening = datetime(2024, 5, 10, 16, 30, tzinfo=UTC)  # 18:30 Berlin
    assert not HOURS.is_open(friday_evening)
    assert HOURS.next_opening(friday_evening).isoformat() == "2024-05-11T10:00:00+02:00"
    saturday_late = datetime(2024, 5, 11, 13, 0, tzinfo=UTC)  # 15:00 Berlin
    assert HOURS.next_opening(saturday_late).isoformat() == "2024-05-13T09:00:00+02:00"


@pytest.mark.parametrize("spec", ["Mon-Fri", "Mon-Fri 17:00-09:00", "Funday 09:00-10:00", ""])
def test_business_hours_errors(spec: str) -> None:
    with pytest.raises(BusinessHoursError):
        BusinessHours.parse(spec, "UTC")
    with pytest.raises(BusinessHoursError):
        BusinessHours.parse("Mon 09:00-10:00", "Mars/Olympus")


def test_priority_is_high_only_for_a_reason() -> None:
    base = {
        "order_total": None,
        "high_value_threshold": Decimal(250),
        "repeat_contact": False,
    }
    assert priority_for(reason="requested", **base) == "normal"
    assert priority_for(reason="verification_failed", **base) == "normal"
    assert priority_for(reason="complaint", **base) == "high"
    assert priority_for(reason="requested", **{**base, "order_total": Decimal(300)}) == "high"
    assert priority_for(reason="requested", **{**base, "order_total": Decimal(30)}) == "normal"
    assert priority_for(reason="requested", **{**base, "repeat_contact": True}) == "high"


def test_tags_summary_email_reference() -> None:
    assert tags_for(
        reason="store_unavailable",
        intent="order_status",
        verified=False,
        priority="high",
    ) == (
        "shopdesk",
        "reason_store_unavailable",
        "unverified",
        "intent_order_status",
        "priority_high",
    )
    assert tags_for(
        reason="requested", intent=None, verified=True, priority="normal", follows_up=True
    ) == ("shopdesk", "reason_requested", "verified", "follow_up")
    assert auto_summary(reason="requested", order_number=None, complaint_text=None) is None
    assert auto_summary(
        reason="verification_failed", order_number="12345", complaint_text=None
    ) == ("Shopper could not verify their order for order 12345")
    assert auto_summary(
        reason="complaint",
        order_number=None,
        complaint_text="  the box was   crushed badly ",
    ) == ("the box was crushed badly")
    assert extract_email("mail me at Jo.Doe+x@Example.co.uk please") == "jo.doe+x@example.co.uk"
    assert extract_email("nope") is None
    ref = new_reference()
    assert ref.startswith("SD-") and len(ref) == 9 and not set(ref[3:]) & set("01IO")


def test_transcript_from_events() -> None:
    events = [
        {"event": "user", "timestamp": 1.0, "text": "old session"},
        {"event": "restart", "timestamp": 2.0},
        {"event": "action", "timestamp": 3.0, "name": "action_listen"},
        {"event": "user", "timestamp": 1714989600.0, "text": "/human_agent"},
        {"event": "bot", "timestamp": 1714989601.0, "text": "Which email?"},
        {
            "event": "user",
            "timestamp": 1714989602.0,
            "text": "pin 1234 card 4111111111111111",
        },
    ]
    turns = turns_from_events(events)
    assert [(t.speaker, t.text) for t in turns] == [
        ("shopper", "[clicked: human_agent]"),
        ("bot", "Which email?"),
        ("shopper", "pin [masked] card [card number ending 1111]"),
    ]
    assert render_transcript(turns, HOURS.tz).splitlines()[0] == (
        "[2024-05-06 12:00:00 CEST] Shopper: [clicked: human_agent]"
    )


def _escalation() -> Escalation:
    turns = tuple(turns_from_events([{"event": "user", "timestamp": 1714989600.0, "text": "help"}]))
    return Escalation(
        conversation_id="c1",
        sequence=1,
        reference="SD-ABCDEF",
        email="a@example.com",
        summary="Parcel damaged",
        reason="complaint",
        intent="order_status",
        order_number="12345",
        verified=True,
        priority="high",
        tags=("shopdesk",),
        turns=turns,
        created_at=datetime(2024, 5, 6, tzinfo=UTC),
    )


def test_ticket_text_and_payload_round_trip() -> None:
    e = _escalation()
    assert Escalation.from_payload(e.to_payload()) == e
    assert e.external_id == "shopdesk:c1:1"
    assert ticket_subject(e) == "[SD-ABCDEF] Parcel damaged (order 12345)"
    body = ticket_body(e, HOURS.tz)
    assert (
        "Reason: complaint" in body
        and "Order: 12345 (verified)" in body
        and "Shopper: help" in body
    )


def test_ticket_carries_the_order_the_names_and_the_earlier_ticket() -> None:
    e = dataclasses.replace(
        _escalation(),
        name="Jo Rivera",
        order_context=OrderContext(
            order_number="12345",
            status="shipped",
            total="129.00 GBP",
            placed_on="2024-05-01",
            items=("1 × Wool sweater (89.00 GBP) — final sale", "2 × Socks (20.00 GBP)"),
            shipments=("UPS 1Z999: in transit, expected 2024-05-08 (https://ups.example/1Z999)",),
            returns="Wool sweater: not returnable (final sale); Socks: returnable until "
            "2024-06-07",
        ),
        claimed_orders=("10077", "10078"),
        previous_reference="SD-PREV23",
        previous_ticket_id="41",
    )
    assert Escalation.from_payload(e.to_payload()) == e
    lines = ticket_body(e, HOURS.tz).splitlines()
    assert lines[:12] == [
        "Shopdesk handoff SD-ABCDEF (escalation #1)",
        "Follows up: SD-PREV23 (ticket #41, solved)",
        "Summary: Parcel damaged",
        "Reason: complaint",
        "Intent: order_status",
        "Order: 12345 (verified)",
        "  Status: shipped, total 129.00 GBP, placed 2024-05-01",
        "  Item: 1 × Wool sweater (89.00 GBP) — final sale",
        "  Item: 2 × Socks (20.00 GBP)",
        "  Shipment: UPS 1Z999: in transit, expected 2024-05-08 (https://ups.example/1Z999)",
        "  Returns: Wool sweater: not returnable (final sale); Socks: returnable until "
        "2024-06-07",
        "Orders named but not verified: 10077, 10078",
    ]
    assert "Contact: Jo Rivera <a@example.com>" in lines


def test_slack_blocks_name_who_what_order_reason_priority_and_link() -> None:
    blocks = alert_blocks(
        Alert(
            escalation=_escalation(),
            ticket=TicketRef(id="77", url="https://z/agent/tickets/77"),
        ),
        HOURS.tz,
    )
    text = str(blocks)
    for part in (
        "a@example.com",
        "order_status",
        "12345 (verified)",
        "complaint",
        "high",
        "<https://z/agent/tickets/77|#77>",
        "Shopper: help",
    ):
        assert part in text


def test_retry_policy_is_bounded_and_honours_retry_after() -> None:
    policy = RetryPolicy(base_seconds=2, max_delay_seconds=60)
    assert [policy.delay(attempts=n, retry_after=None) for n in (1, 2, 3, 10)] == [
        2,
        4,
        8,
        60,
    ]
    assert policy.delay(attempts=5, retry_after=7) == 7
    assert policy.delay(attempts=1, retry_after=10**6) == 3600


def test_settings_from_env() -> None:
    s = HandoffSettings.from_env({})
    assert s.database_url == "sqlite:///var/handoff.db" and s.zendesk is None and s.slack is None
    assert s.port == 8200 and s.resume_after == timedelta(hours=24)
    full = HandoffSettings.from_env(
        {
            "ZENDESK_SUBDOMAIN": "acme",
            "ZENDESK_EMAIL": "a@acme.com",
            "ZENDESK_TOKEN": "t",
            "ZENDESK_ORDER_FIELD_ID": "360001",
            "SLACK_BOT_TOKEN": "xoxb",
            "SLACK_CHANNEL": "#help",
            "HANDOFF_RESUME_AFTER_MINUTES": "30",
            "BUSINESS_TZ": "America/New_York",
        }
    )
    assert full.zendesk is not None and full.zendesk.order_field_id == 360001
    assert full.slack is not None and full.slack.channel == "#help"
    assert full.resume_after == timedelta(minutes=30)
    for bad, name in [
        ({"ZENDESK_TOKEN": "t"}, "ZENDESK_SUBDOMAIN"),
        ({"SLACK_BOT_TOKEN": "x"}, "SLACK_CHANNEL"),
        ({"HELPDESK_PORT": "eighty"}, "HELPDESK_PORT"),
        ({"BUSINESS_HOURS": "always"}, "BUSINESS_HOURS"),
    ]:
        with pytest.raises(SettingsError, match=name):
            HandoffSettings.from_env(bad)
