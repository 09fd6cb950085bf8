"""KPI functions on plain data: folding events into conversations, the rates, the period
options, the charts and the CSAT rating parser/decision. No I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from rasa_sdk import Tracker

from actions.csat import parse_rating, rating_due
from analytics import charts, kpis
from analytics.conversations import EventRow, conversations
from analytics.report import PeriodError, parse_range, parse_since
from analytics.source import EscalationRow

T0 = datetime(2026, 5, 4, 10, 0, tzinfo=UTC).timestamp()


def rows(sender: str, *events: tuple[Any, ...]) -> list[EventRow]:
    """(type, seconds after T0, intent-or-name, detail) -> EventRow."""
    out = []
    for kind, at, what, *detail in events:
        out.append(
            EventRow(
                sender,
                kind,
                T0 + at,
                what if kind == "user" else None,
                None if kind == "user" else what,
                detail[0] if detail else None,
            )
        )
    return out


def test_a_session_with_a_settled_task_and_a_rating() -> None:
    [conv] = conversations(
        rows(
            "a",
            ("session_started", 0, None),
            ("user", 1, "order_status"),
            ("slot", 2, "verification_outcome", "verified"),
            ("bot", 3, None, "utter_shipment_in_transit"),
            ("user", 30, "thanks"),
            ("bot", 31, None, "utter_ask_csat"),
            ("slot", 31, "csat_asked", "1"),
            ("user", 40, "rate"),
            ("slot", 41, "csat_score", "4"),
        )
    )
    assert conv.user_turns == 3
    assert conv.resolved and not conv.handed_off
    assert conv.seconds_to_resolution == 2.0
    assert conv.verified and conv.verification_attempted
    assert conv.csat_asked and conv.csat_score == 4
    assert conv.outcomes == {"order_status_answered": 1}


def test_handoff_reason_is_the_one_set_before_the_reference() -> None:
    [conv] = conversations(
        rows(
            "b",
            ("user", 0, "nlu_fallback"),
            ("action", 1, "action_fallback"),
            ("slot", 1, "handoff_reason", "fallback"),
            ("user", 5, "human_agent"),
            ("slot", 6, "handoff_reference", "SD-1"),
            ("slot", 6, "handoff_reason", None),
        )
    )
    assert conv.handed_off and conv.handoff_reason == "fallback"
    assert conv.fallback_turns == 1  # the NLU fallback and its action are one turn
    assert not conv.resolved


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
    [conv] = conversations(
        rows(
            "e",
            ("user", 0, "order_status"),
            ("slot", 1, "verification_failures", "1.0"),
            ("slot", 2, "verification_failures", "2.0"),
            ("slot", 3, "verification_failures", "0.0"),
            ("slot", 3, "verification_outcome", "verified"),
        )
    )
    assert conv.verification_failures == 2 and conv.verified


def test_rates_and_csat_summary() -> None:
    assert kpis.rate(1, 3) == 0.3333 and kpis.rate(0, 0) is None
    summary = kpis.csat_summary([5, 4, 3, 1, 5], asked=10)
    assert summary["csat"] == 0.6 and summary["mean"] == 3.6
    assert summary["response_rate"] == 0.5
    assert summary["distribution"] == {"1": 1, "2": 0, "3": 1, "4": 1, "5": 2}
    assert kpis.csat_summary([], asked=0)["mean"] is None


def test_days_between_and_the_period_filter() -> None:
    start = datetime(2026, 5, 4, tzinfo=UTC)
    assert kpis.days_between(start, start + timedelta(days=2)) == [
        date(2026, 5, 4),
        date(2026, 5, 5),
    ]
    convs = list(
        conversations(rows("x", ("user", -3600 * 11, "greet")) + rows("y", ("user", 0, "greet")))
    )
    figures = kpis.compute(
        convs,
        [EscalationRow("y", "complaint", "done", start)],
        start=start,
        end=start + timedelta(days=1),
    )
    assert figures["summary"]["conversations"] == 1  # x started the day before
    assert figures["handoffs"]["by_reason"] == {"complaint": 1}


def test_period_options() -> None:
    now = datetime(2026, 5, 10, 12, tzinfo=UTC)
    assert parse_since("7d", now=now).start == now - timedelta(days=7)
    assert parse_since("24h", now=now).start == now - timedelta(hours=24)
    period = parse_range("2026-05-01", "2026-05-03")
    assert (period.start, period.end) == (
        datetime(2026, 5, 1, tzinfo=UTC),
        datetime(2026, 5, 4, tzinfo=UTC),
    )
    for bad in ("", "7", "0d", "week"):
        with pytest.raises(PeriodError):
            parse_since(bad, now=now)
    with pytest.raises(PeriodError):
        parse_range("2026-05-03", "2026-05-01T00:00")
    with pytest.raises(PeriodError):
        parse_range("yesterday", "2026-05-01")


def test_charts_mark_every_value_and_draw_nothing_for_no_data() -> None:
    svg = charts.column_chart("c", "C", ["a", "b"], [3, 0])
    assert svg.count('class="mark"') == 2 and 'data-value="3"' in svg
    assert 'class="mark"' not in charts.bar_chart("h", "H", [])
    assert 'class="mark"' not in charts.line_chart("l", "L", ["d1"], [("s", [None])])
    line = charts.line_chart("l", "L", ["d1", "d2"], [("s", [0.5, None])])
    assert line.count('class="mark"') == 1
    assert "<script" not in charts.bar_chart("h", "<script>", [("<b>", 1)])


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


def test_settings_follow_the_profile() -> None:
    from analytics.settings import ReportSettings, ReportSettingsError

    embedded = ReportSettings.from_env({"RASA_TRACKER_DB": "/data/t.db", "REPORT_DIR": "/r"})
    assert embedded.tracker_url == "sqlite:////data/t.db"
    assert str(embedded.report_dir) == "/r"
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
    assert override.tracker_url == "sqlite:///x.db"
