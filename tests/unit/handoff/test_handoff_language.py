"""The handoff ticket and the Slack alert carry the conversation's language, for an agent
who reads English; the transcript stays as the shopper wrote it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from handoff.models import Alert, Escalation, TicketRef
from handoff.notifiers import alert_blocks
from handoff.ticket_text import ticket_body
from handoff.transcript import turns_from_events

TZ = ZoneInfo("Europe/Berlin")


def escalation(language: str | None) -> Escalation:
    events = [{"event": "user", "timestamp": 1714989600.0, "text": "Die Jacke hat ein Loch"}]
    return Escalation(
        conversation_id="c1",
        sequence=1,
        reference="SD-ABCDEF",
        email="a@example.com",
        summary="Die Jacke hat ein Loch",
        reason="requested",
        intent=None,
        order_number=None,
        verified=False,
        priority="normal",
        tags=("shopdesk", f"language_{language}"),
        turns=tuple(turns_from_events(events)),
        created_at=datetime(2024, 5, 6, tzinfo=UTC),
        language=language,
    )


def test_ticket_names_the_language_and_keeps_the_shoppers_words():
    body = ticket_body(escalation("de"), TZ)
    assert "Language: German (de) - please reply in it" in body
    assert "Shopper: Die Jacke hat ein Loch" in body


def test_an_english_conversation_is_labelled_without_the_reply_note():
    body = ticket_body(escalation("en"), TZ)
    assert "Language: English (en)\n" in body


def test_escalations_written_before_the_language_existed_still_read():
    payload = escalation("fr").to_payload()
    assert Escalation.from_payload(payload).language == "fr"
    del payload["language"]
    old = Escalation.from_payload(payload)
    assert old == dataclasses.replace(escalation("fr"), language=None)
    assert "Language:" not in ticket_body(old, TZ)


def test_slack_alert_has_a_language_field():
    blocks = alert_blocks(
        Alert(escalation=escalation("es"), ticket=TicketRef(id="7", url="https://z/t/7")), TZ
    )
    fields = [f["text"] for b in blocks for f in b.get("fields", [])]
    assert "*Language*\nSpanish (es)" in fields
