"""KPI functions on plain data: folding events into conversations and their one outcome,
durations, the trend math, the improvement queue's grouping, the charts, the period
options, the settings and the CSAT rating parser/decision. No I/O."""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk import Tracker

from actions.csat import parse_rating, rating_due
from analytics import charts, kpis
from analytics.conversations import Conversation, EventRow, conversations
from analytics.durations import RELATIVE_ACCURACY, Durations
from analytics.queue import ConversationRef, group_similar, masked
from analytics.report import PeriodError, days_of, parse_range, parse_since, whole_days
from analytics.summary import DaySummary
from common import outcomes as oc

T0 = datetime(2026, 5, 4, 10, 0, tzinfo=UTC).timestamp()


def rows(sender: str, *events: tuple[Any, ...]) -> list[EventRow]:
    """(type, seconds after T0, intent-or-name, detail[, extra]) -> EventRow, ids in order."""
    out = []
    for n, (kind, at, what, *rest) in enumerate(events, start=1):
        out.append(
            EventRow(
                n,
                sender,
                kind,
                T0 + at,
                what if kind == "user" else None,
                None if kind == "user" else what,
                rest[0] if rest else None,
                rest[1] if len(rest) > 1 else None,
            )
        )
    return out


def one(*events: tuple[Any, ...]) -> Conversation:
    [conv] = conversations(rows("s", *events))
    return conv


def test_a_session_with_a_settled_task_and_a_rating() -> None:
    conv = one(
        ("session_started", 0, None),
        ("user", 1, "order_status", "socketio"),
        ("slot", 2, "verification_outcome", "verified"),
        ("bot", 3, None, "utter_shipment_in_transit"),
        ("user", 30, "thanks"),
        ("bot", 31, None, "utter_ask_csat"),
        ("slot", 31, "csat_asked", "1"),
        ("user", 40, "rate"),
        ("slot", 41, "csat_score", "4"),
        ("bot", 41.5, None, "utter_csat_thanks"),
    )
    assert conv.user_turns == 3 and conv.channel == "socketio"
    assert conv.outcome == (oc.RESOLVED, oc.ORDER_STATUS)
    assert conv.seconds_to_resolution == 2.0
    assert conv.reply_seconds == [2.0, 1.0, 1.5]
    assert conv.verified and conv.verification_attempted
    assert conv.csat_asked and conv.csat_score == 4


def test_a_two_parcel_answer_is_one_resolved_conversation() -> None:
    conv = one(
        ("user", 0, "order_status"),
        ("bot", 1, None, "utter_order_summary_multi"),
        ("bot", 1.1, None, "utter_shipment_delivered"),
        ("bot", 1.2, None, "utter_shipment_in_transit"),
    )
    assert conv.tasks == [oc.ORDER_STATUS]
    summary = DaySummary()
    summary.add(conv)
    assert summary.tasks == {oc.ORDER_STATUS: 1} and summary.outcomes == {oc.RESOLVED: 1}


def test_handoff_reason_is_the_one_set_before_the_reference() -> None:
    conv = one(
        ("user", 0, "nlu_fallback"),
        ("action", 1, "action_fallback"),
        ("bot", 1, None, "utter_fallback_help"),
        ("slot", 1, "handoff_reason", "fallback"),
        ("user", 5, "human_agent"),
        ("action", 5.5, "action_start_handoff"),
        ("slot", 6, "handoff_reference", "SD-1"),
        ("slot", 6, "handoff_reason", None),
    )
    assert conv.outcome == (oc.HANDED_OFF, "fallback")
    assert conv.fallback_turns == 1  # the fallback action and its reply are one message


def test_asked_for_a_person_and_left_at_the_email_prompt() -> None:
    conv = one(
        ("user", 0, "order_status"),
        ("bot", 1, None, "utter_shipment_in_transit"),
        ("user", 10, "human_agent"),
        ("action", 11, "action_start_handoff"),
        ("active_loop", 11, "handoff_form"),
        ("slot", 11, "requested_slot", "handoff_email"),
        ("bot", 11, None, "utter_ask_handoff_email"),
    )
    # Not contained-and-fine, not resolved: the shopper wanted a person and left.
    assert conv.outcome == (oc.ASKED_FOR_PERSON_LEFT, "handoff_email")


def test_unanswered_last_message_and_out_of_scope_counts() -> None:
    conv = one(
        ("user", 0, "greet"),
        ("bot", 1, None, "utter_greet"),
        ("user", 10, "out_of_scope"),
        ("bot", 11, None, "utter_out_of_scope"),
    )
    assert conv.outcome == (oc.UNANSWERED, oc.OUT_OF_SCOPE)
    assert [u.event_id for u in conv.unanswered] == [3]


def test_resolved_beats_a_later_unanswered_question() -> None:
    conv = one(
        ("user", 0, "return_policy"),
        ("bot", 1, None, "utter_return_policy"),
        ("user", 10, "out_of_scope"),
        ("bot", 11, None, "utter_out_of_scope"),
    )
    assert conv.outcome == (oc.RESOLVED, oc.POLICY)


def test_abandoned_mid_task_and_before_asking() -> None:
    started = one(
        ("user", 0, "start_return"),
        ("active_loop", 1, "verification_form"),
        ("slot", 1, "requested_slot", "order_number"),
        ("bot", 1, None, "utter_ask_verification_form_order_number"),
    )
    assert started.outcome == (oc.ABANDONED, "start_return")
    assert started.stopped_at == "order_number"  # left at the form's question
    refused = one(
        ("user", 0, "cancel_order"),
        ("bot", 1, None, "utter_cancel_refused_shipped"),
        ("slot", 1, "handoff_reason", "refusal_disputed"),
    )
    assert refused.outcome == (oc.ABANDONED, "cancel_order")  # declined: nothing settled
    assert refused.stopped_at == "utter_cancel_refused_shipped"
    summary = DaySummary()
    for conv in (started, refused):
        summary.add(conv)
    assert summary.abandoned_at == {
        "start_return": Counter({"order_number": 1}),
        "cancel_order": Counter({"utter_cancel_refused_shipped": 1}),
    }
    hello = one(("user", 0, "greet"), ("bot", 1, None, "utter_greet"))
    assert hello.outcome == (oc.ABANDONED, "no_request")


def test_form_answers_are_not_intents() -> None:
    conv = one(
        ("user", 0, "change_shipping_address"),
        ("active_loop", 1, "address_form"),
        ("slot", 1, "requested_slot", "address_line1"),
        ("bot", 1, None, "utter_ask_address_line1"),
        ("user", 10, "rate"),  # "5 Park Row"
        ("slot", 11, "requested_slot", "address_city"),
        ("bot", 11, None, "utter_ask_address_city"),
        ("user", 20, "out_of_scope"),  # "Leeds"
        ("active_loop", 21, None),
        ("bot", 21, None, "utter_address_changed"),
        ("user", 30, "thanks"),
    )
    assert conv.intents == {"change_shipping_address": 1, "thanks": 1}
    assert conv.form_answers == {"address_line1": 1, "address_city": 1}
    assert conv.unanswered == []
    assert conv.outcome == (oc.RESOLVED, oc.ADDRESS_CHANGE)


def test_recorded_values_are_read_from_the_settling_messages() -> None:
    conv = one(
        ("user", 0, "cancel_order"),
        ("bot", 1, None, "utter_order_cancelled_now_refund", "129.50 GBP"),
        ("user", 5, "refund_status"),
        ("bot", 6, None, "utter_refunds_intro", "20.00 GBP"),
        ("bot", 6, None, "utter_greet", "99.00 GBP"),  # not a value-bearing response
    )
    assert conv.values == [
        (oc.CANCELLED_VALUE, Decimal("129.50"), "GBP"),
        (oc.REFUND_VALUE, Decimal("20.00"), "GBP"),
    ]
    assert oc.parse_value("12 pounds") is None and oc.parse_value("x GBP") is None
    assert oc.value_field(Decimal("3.10"), "gbp") == {oc.VALUE_KEY: "3.10 GBP"}


def test_session_boundaries_and_empty_sessions() -> None:
    convs = list(
        conversations(
            rows(
                "c",
                ("user", 0, "greet"),
                ("session_started", 5, None),
                ("user", 6, "greet"),
                ("restart", 7, None),
                ("session_started", 8, None),
            )
            + rows("d", ("session_started", 10, None), ("bot", 11, None, "utter_greet"))
        )
    )
    assert [(c.sender_id, c.user_turns) for c in convs] == [("c", 1), ("c", 1)]


def test_failed_attempts_count_each_rise_of_the_counter() -> None:
    conv = one(
        ("user", 0, "order_status"),
        ("slot", 1, "verification_failures", "1.0"),
        ("slot", 2, "verification_failures", "2.0"),
        ("slot", 3, "verification_failures", "0.0"),
        ("slot", 3, "verification_outcome", "verified"),
    )
    assert conv.verification_failures == 2 and conv.verified


def test_percentiles_are_within_one_percent_and_merge_across_days() -> None:
    rng = random.Random(4)
    values = [rng.lognormvariate(0, 1.5) for _ in range(5000)]
    monday, tuesday = Durations(), Durations()
    monday.add_all(values[:2000])
    tuesday.add_all(values[2000:])
    week = Durations.from_json(monday.to_json())
    week.merge(tuesday)
    ordered = sorted(values)
    for q in (0.5, 0.95, 0.99):
        exact = ordered[math.ceil(q * len(values)) - 1]
        found = week.percentile(q)
        assert found is not None
        assert abs(found - exact) <= exact * RELATIVE_ACCURACY + 0.001
    assert Durations().percentile(0.5) is None


def test_median_of_counts_and_rates() -> None:
    assert kpis.median_of_counts(Counter({1: 1, 2: 1, 5: 2})) == 3.5
    assert kpis.median_of_counts(Counter({3: 3})) == 3.0
    assert kpis.median_of_counts(Counter()) is None
    assert kpis.rate(1, 3) == 0.3333 and kpis.rate(0, 0) is None


def test_change_is_points_for_rates_and_per_cent_for_the_rest() -> None:
    assert kpis.change("resolution_rate", 0.55, 0.5)["change"] == 5.0
    assert kpis.change("resolution_rate", 0.55, 0.5)["unit"] == "points"
    assert kpis.change("conversations", 150, 120)["change"] == 25.0
    assert kpis.change("bot_reply_p95_seconds", 0.9, 1.2)["change"] == -25.0
    assert kpis.change("conversations", 10, 0)["change"] is None  # no base to compare
    assert kpis.change("csat", None, 0.8)["change"] is None


def test_a_day_summary_survives_its_round_trip() -> None:
    summary = DaySummary()
    summary.add(
        one(
            ("user", 0, "cancel_order", "rest"),
            ("bot", 1, None, "utter_order_cancelled_now", "10.00 EUR"),
            ("slot", 2, "language", "de"),
        )
    )
    summary.add_escalation(reason="complaint", status="done", wait=60.0, solve=None)
    again = DaySummary.from_json(summary.to_json())
    assert again.to_json() == summary.to_json()
    assert again.by_language == {"de": Counter({oc.RESOLVED: 1})}
    assert again.values == {oc.CANCELLED_VALUE: {"EUR": Decimal("10.00")}}
    assert again.values_by_language == {"de": {"EUR": Decimal("10.00")}}
    assert again.values_by_channel == {"rest": {"EUR": Decimal("10.00")}}
    # A row written before the value breakdowns existed reads with them empty.
    older = summary.to_json()
    del older["values_by_language"], older["values_by_channel"]
    assert DaySummary.from_json(older).values_by_language == {}


def test_unanswered_messages_are_masked_and_grouped_by_similarity() -> None:
    a, b, c = (ConversationRef(n, T0) for n in ("a", "b", "c"))
    messages = [
        (masked("do you sell gift cards"), oc.OUT_OF_SCOPE, a),
        (masked("Do you sell gift cards?"), oc.OUT_OF_SCOPE, b),
        (masked("do you sell giftcards"), oc.OUT_OF_SCOPE, c),
        (masked("my card 4111 1111 1111 1111 was charged twice, jo@example.com"), "x", a),
        (masked("can i pay with klarna"), oc.OUT_OF_SCOPE, b),
    ]
    groups = group_similar(messages)
    assert groups[0].count == 3
    assert set(groups[0].examples) == {
        "do you sell gift cards",
        "Do you sell gift cards?",
        "do you sell giftcards",
    }
    assert {r.sender_id for r in groups[0].conversations} == {"a", "b", "c"}
    assert len(groups) == 3
    shown = " ".join(g.leader for g in groups)
    assert "4111" not in shown.replace("ending 1111", "") and "jo@example.com" not in shown


def test_charts_are_readable_at_375_px_and_label_every_value() -> None:
    svg = charts.column_chart("c", "C", ["2026-05-04", "2026-05-05"], [3, 0])
    width = float(re.search(r'viewBox="0 0 (\d+)', svg)[1])  # type: ignore[index]
    font = float(re.search(r'font-size="(\d+)"', svg)[1])  # type: ignore[index]
    assert font * min(1.0, (375 - 32) / width) >= 12  # px of text on a 375 px phone
    assert svg.count('class="mark"') == 2 and 'data-value="3"' in svg and ">0<" in svg
    bars = charts.bar_chart("h", "H", [("Return created", 7), ("Order cancelled", 2)])
    assert ">7<" in bars and ">2<" in bars  # value labels on the bars
    assert 'class="mark"' not in charts.bar_chart("h", "H", [])
    assert "<script" not in charts.bar_chart("h", "<script>", [("<b>", 1)])


def test_period_options_in_the_store_time_zone() -> None:
    now = datetime(2026, 5, 10, 12, tzinfo=UTC)
    assert parse_since("7d", now=now).start == now - timedelta(days=7)
    assert parse_since("24h", now=now).start == now - timedelta(hours=24)
    period = parse_range("2026-05-01", "2026-05-03")
    assert (period.start, period.end) == (
        datetime(2026, 5, 1, tzinfo=UTC),
        datetime(2026, 5, 4, tzinfo=UTC),
    )
    london = ZoneInfo("Europe/London")  # BST: local midnight is 23:00 UTC the day before
    local = parse_range("2026-05-01", "2026-05-03", tz=london)
    assert local.start == datetime(2026, 4, 30, 23, tzinfo=UTC)
    assert [d.isoformat() for d in whole_days(local, london)] == [
        "2026-05-01",
        "2026-05-02",
        "2026-05-03",
    ]
    assert len(days_of(parse_since("24h", now=now), london)) == 2
    assert whole_days(parse_since("24h", now=now), london) == []
    for bad in ("", "7", "0d", "week"):
        with pytest.raises(PeriodError):
            parse_since(bad, now=now)
    with pytest.raises(PeriodError):
        parse_range("2026-05-03", "2026-05-01T00:00")
    with pytest.raises(PeriodError):
        parse_range("yesterday", "2026-05-01")


@pytest.mark.parametrize(
    ("text", "score", "comment"),
    [
        ("5", 5, None),
        ("4/5", 4, None),
        ("3 out of 5", 3, None),
        ("4, quick but i had to repeat my email", 4, "quick but i had to repeat my email"),
        ("i'd give you a 2, too many questions", 2, "too many questions"),
        ("five stars, really easy", 5, "really easy"),
        ("10023", None, None),
        ("no idea", None, None),
    ],
)
def test_typed_ratings(text: str, score: int | None, comment: str | None) -> None:
    assert parse_rating(text) == (score, comment)


def tracker(events: list[dict[str, Any]], slots: dict[str, Any] | None = None) -> Tracker:
    return Tracker("s", slots or {}, {}, events, False, None, {}, "action_listen")


SETTLED = {"event": "bot", "metadata": {"utter_action": "utter_return_created"}}


def test_rating_due_only_after_a_settled_task_never_twice_never_after_handoff() -> None:
    assert rating_due(tracker([SETTLED]))
    assert not rating_due(tracker([{"event": "bot", "metadata": {"utter_action": "utter_greet"}}]))
    assert not rating_due(tracker([SETTLED], {"csat_asked": True}))
    handed = [SETTLED, {"event": "action", "name": "action_escalate"}]
    assert not rating_due(tracker(handed))
    # A task settled in an earlier session does not count.
    assert not rating_due(tracker([SETTLED, {"event": "session_started"}]))


def test_settings_follow_the_profile_and_name_what_is_wrong() -> None:
    from analytics.settings import ReportSettings, ReportSettingsError

    embedded = ReportSettings.from_env({"RASA_TRACKER_DB": "/data/t.db", "REPORT_DIR": "/r"})
    assert embedded.tracker_url == "sqlite:////data/t.db"
    assert str(embedded.report_dir) == "/r"
    assert embedded.timezone == "UTC" and embedded.email is None
    production = ReportSettings.from_env(
        {
            "SHOPDESK_PROFILE": "production",
            "RASA_DB_HOST": "db.internal",
            "RASA_DB_NAME": "rasa",
            "RASA_DB_USER": "rasa",
            "RASA_DB_PASSWORD": "s3cret",
            "HELPDESK_DATABASE_URL": "postgresql+psycopg://h@db.internal/handoff",
        }
    )
    assert production.tracker_url == "postgresql+psycopg://rasa:s3cret@db.internal:5432/rasa"
    assert production.handoff_url == "postgresql+psycopg://h@db.internal/handoff"
    with pytest.raises(ReportSettingsError, match="RASA_DB_HOST"):
        ReportSettings.from_env({"SHOPDESK_PROFILE": "production"})
    override = ReportSettings.from_env({"ANALYTICS_TRACKER_DB_URL": "sqlite:///x.db"})
    assert override.tracker_url == "sqlite:///x.db" and override.inbox_url == ""
    public = {"HELPDESK_PUBLIC_URL": "https://agents.shop.example/"}
    assert ReportSettings.from_env(public).inbox_url == "https://agents.shop.example"
    own = {**public, "ANALYTICS_INBOX_URL": "https://kpi.shop.example"}
    assert ReportSettings.from_env(own).inbox_url == "https://kpi.shop.example"
    full = ReportSettings.from_env(
        {
            "BUSINESS_TZ": "Europe/Berlin",
            "ANALYTICS_TEST_SENDER_PREFIXES": "test-, e2e-",
            "ANALYTICS_COST_PER_TICKET": "4.50",
            "ANALYTICS_CURRENCY": "eur",
            "REPORT_EMAIL_TO": "boss@shop.example, ops@shop.example",
            "SMTP_HOST": "mail.shop.example",
        }
    )
    assert full.test_sender_prefixes == ("test-", "e2e-")
    assert full.cost_per_ticket == Decimal("4.50") and full.currency == "EUR"
    assert full.email is not None and full.email.port == 587 and full.email.starttls
    assert full.email.to == ("boss@shop.example", "ops@shop.example")
    for env, name in (
        ({"BUSINESS_TZ": "Mars/Olympus"}, "BUSINESS_TZ"),
        ({"ANALYTICS_COST_PER_TICKET": "four"}, "ANALYTICS_COST_PER_TICKET"),
        ({"ANALYTICS_COST_PER_TICKET": "-1"}, "ANALYTICS_COST_PER_TICKET"),
        ({"ANALYTICS_CURRENCY": "pounds"}, "ANALYTICS_CURRENCY"),
        ({"REPORT_EMAIL_TO": "boss"}, "REPORT_EMAIL_TO"),
        ({"REPORT_EMAIL_TO": "b@x.example"}, "SMTP_HOST"),
        ({"REPORT_EMAIL_TO": "b@x.example", "SMTP_HOST": "h", "SMTP_PORT": "x"}, "SMTP_PORT"),
        ({"REPORT_EMAIL_TO": "b@x.example", "SMTP_HOST": "h", "SMTP_USER": "u"}, "SMTP_USER"),
        ({"REPORT_EMAIL_TO": "b@x.example", "SMTP_HOST": "h", "SMTP_STARTTLS": "maybe"},
         "SMTP_STARTTLS"),
    ):
        with pytest.raises(ReportSettingsError, match=name):
            ReportSettings.from_env(env)


def test_a_long_period_keeps_every_value_and_labels_that_do_not_overlap() -> None:
    days = [f"2026-{m:02d}-{d:02d}" for m in (1, 2, 3) for d in range(1, 29)] + ["2026-04-01"]
    values = [float(100 + n) for n in range(len(days))]
    svg = charts.column_chart("c", "C", days, values)
    assert svg.count('class="mark"') == len(days)  # every day a column, read back by value
    assert [float(v) for v in re.findall(r'data-value="([\d.]+)"', svg)] == values
    upright = re.findall(r'<text x="([\d.]+)" y="[\d.]+" font-size="12" transform', svg)
    xs = [float(x) for x in upright]
    assert len(xs) >= 8  # labelled every few days, not never
    assert all(b - a >= charts.SMALL_FONT for a, b in zip(xs, xs[1:], strict=False))
    assert all(charts.SMALL_FONT <= x <= charts.WIDTH for x in xs)  # none clipped
    axis = [float(x) for x in re.findall(r'<text x="([\d.]+)" y="\d+" text-anchor="middle" '
                                         r'font-size="12">\d\d-\d\d<', svg)]
    assert axis and all(18 <= x <= charts.WIDTH - 18 for x in axis)
