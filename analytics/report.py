"""One report run: read the period's conversations and escalations, compute, write."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from analytics import daily_table, kpis, render, source
from analytics.conversations import Conversation, conversations
from analytics.queue import LOW_CSAT, ConversationRef, group_similar, masked
from analytics.settings import ReportSettings
from analytics.summary import DaySummary
from common import db

# A report scans a period's events: longer than the services' statement timeout.
REPORT_STATEMENT_TIMEOUT_SECONDS = 600.0

# Events this long before the period are read too, so that a session which began just
# before it is recognised as such (and left out) instead of looking like a new one.
LOOKBACK = timedelta(days=1)
# ... and this long after it, so conversations that started inside run to their end.
TAIL = timedelta(days=1)


class PeriodError(ValueError):
    """--since / --from / --to cannot be understood; the message says how to write them."""


@dataclass(frozen=True)
class Period:
    start: datetime  # inclusive, aware UTC
    end: datetime  # exclusive

    @property
    def stem(self) -> str:
        return f"shopdesk-report-{self.start:%Y%m%dT%H%M}-{self.end:%Y%m%dT%H%M}"

    def label(self, tz: tzinfo) -> str:
        """'2026-11-01 00:00 to 2026-11-08 00:00 Europe/London'."""
        return (
            f"{self.start.astimezone(tz):%Y-%m-%d %H:%M} to "
            f"{self.end.astimezone(tz):%Y-%m-%d %H:%M} {tz}"
        )


_SINCE = re.compile(r"^\s*(\d+)\s*([dhw])\s*$")


def parse_since(text: str, *, now: datetime) -> Period:
    match = _SINCE.match(text)
    if not match or int(match[1]) == 0:
        raise PeriodError(f"--since {text!r}: write a number and d, h or w, like 7d or 24h")
    amount, unit = int(match[1]), match[2]
    delta = {
        "d": timedelta(days=amount),
        "h": timedelta(hours=amount),
        "w": timedelta(weeks=amount),
    }[unit]
    return Period(start=now - delta, end=now)


def _moment(text: str, *, option: str, end_of_day: bool, tz: tzinfo) -> datetime:
    try:
        if len(text.strip()) == 10:
            day = date.fromisoformat(text.strip())
            return day_start(day + timedelta(days=1) if end_of_day else day, tz)
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(
            f"{option} {text!r}: write a date (2026-11-20) or a date and time (2026-11-20T09:30)"
        ) from None
    return (moment.replace(tzinfo=tz) if moment.tzinfo is None else moment).astimezone(UTC)


def parse_range(start: str, end: str, *, tz: tzinfo = UTC) -> Period:
    """--from and --to: dates are whole days in `tz` (--to included), or ISO date-times."""
    period = Period(
        start=_moment(start, option="--from", end_of_day=False, tz=tz),
        end=_moment(end, option="--to", end_of_day=True, tz=tz),
    )
    if period.end <= period.start:
        raise PeriodError("--to must be after --from")
    return period


def day_start(day: date, tz: tzinfo) -> datetime:
    """Midnight of `day` in `tz`, as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def local_day(timestamp: float, tz: tzinfo) -> date:
    return datetime.fromtimestamp(timestamp, tz).date()


def days_of(period: Period, tz: tzinfo) -> list[date]:
    """Every day (in tz) that the period touches, in order."""
    first = period.start.astimezone(tz).date()
    last = (period.end - timedelta(microseconds=1)).astimezone(tz).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def whole_days(period: Period, tz: tzinfo) -> list[date]:
    """The days (in tz) that lie entirely inside the period."""
    return [
        d
        for d in days_of(period, tz)
        if day_start(d, tz) >= period.start and day_start(d + timedelta(days=1), tz) <= period.end
    ]


@dataclass
class _Collected:
    """What one pass over the conversations gathers besides the day summaries."""

    unanswered: list[tuple[int, str, ConversationRef]] = field(default_factory=list)
    low_ratings: list[kpis.LowRating] = field(default_factory=list)
    handed_off: dict[str, ConversationRef] = field(default_factory=dict)


def figures(
    *,
    tracker: Engine,
    handoff: Engine,
    period: Period,
    settings: ReportSettings,
    now: datetime,
) -> dict[str, Any]:
    tz = settings.tz
    previous = Period(start=period.start - (period.end - period.start), end=period.start)
    stored = daily_table.load(handoff, whole_days(previous, tz), timezone=settings.timezone)
    raw_previous = any(d not in stored for d in days_of(previous, tz))
    first = previous.start if raw_previous else period.start
    rows = source.tracker_rows(
        tracker,
        lo=(first - LOOKBACK).timestamp(),
        hi=(period.end + TAIL).timestamp(),
        excluded_prefixes=settings.test_sender_prefixes,
    )
    current = {d: DaySummary() for d in days_of(period, tz)}
    before = {d: DaySummary() for d in days_of(previous, tz)} if raw_previous else {}
    collected = _Collected()
    lo, start, end = first.timestamp(), period.start.timestamp(), period.end.timestamp()
    for conv in conversations(rows):
        if start <= conv.started_at < end:
            current[local_day(conv.started_at, tz)].add(conv)
            _collect(conv, collected)
        elif raw_previous and lo <= conv.started_at < start:
            before[local_day(conv.started_at, tz)].add(conv)
    escalated: list[kpis.Escalated] = []
    for e in source.escalations(handoff, start=first, end=period.end):
        if e.conversation_id.startswith(settings.test_sender_prefixes):
            continue
        moment = e.created_at.timestamp()
        target = current if moment >= start else before
        target[local_day(moment, tz)].add_escalation(
            reason=e.reason, status=e.status, wait=e.wait_seconds, solve=e.solve_seconds
        )
        if moment >= start:
            escalated.append(
                kpis.Escalated(
                    conversation=collected.handed_off.get(e.conversation_id),
                    conversation_id=e.conversation_id,
                    reason=e.reason,
                    at=e.created_at,
                )
            )
    computed = {**{d: s for d, s in before.items() if d not in stored}, **current}
    whole = set(whole_days(period, tz)) | set(whole_days(previous, tz))
    daily_table.save(
        handoff,
        {d: s for d, s in computed.items() if d in whole and _final(d, tz, now)},
        timezone=settings.timezone,
        now=now,
    )
    texts = source.message_texts(tracker, (i for i, _, _ in collected.unanswered))
    groups = group_similar(
        (masked(texts.get(i, "")), kind, ref) for i, kind, ref in collected.unanswered
    )
    return kpis.figures(
        days=current,
        previous=kpis.merged([*stored.values(), *(computed[d] for d in before if d not in stored)]),
        previous_days_stored=len(stored),
        period=(period.start.astimezone(tz), period.end.astimezone(tz)),
        previous_period=(previous.start.astimezone(tz), previous.end.astimezone(tz)),
        queue=kpis.queue_figures(
            groups=groups,
            low_ratings=collected.low_ratings,
            escalated=escalated,
            inbox_url=settings.inbox_url,
        ),
        cost_per_ticket=settings.cost_per_ticket,
        currency=settings.currency,
        timezone=settings.timezone,
    )


def _final(day: date, tz: tzinfo, now: datetime) -> bool:
    """A day's conversations have all ended (its summary will not change)."""
    return day_start(day + timedelta(days=1), tz) + TAIL <= now


def _collect(conv: Conversation, collected: _Collected) -> None:
    ref = ConversationRef(conv.sender_id, conv.started_at)
    for item in conv.unanswered:
        collected.unanswered.append((item.event_id, item.kind, ref))
    if conv.csat_score is not None and conv.csat_score <= LOW_CSAT:
        comment = masked(conv.csat_comment) if conv.csat_comment else None
        collected.low_ratings.append(kpis.LowRating(ref, conv.csat_score, comment))
    if conv.handed_off:
        collected.handed_off[conv.sender_id] = ref


def _engine(url: str, *, what: str) -> Engine:
    """An engine for url; a SQLite file must exist already (never created by a report)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if not Path(parsed.database).is_file():
            raise source.ReportSourceError(
                f"no {what} at {parsed.database} yet: has the assistant run here "
                "(make run)? Or point ANALYTICS_TRACKER_DB_URL / HELPDESK_DATABASE_URL at it."
            )
    return report_engine(url)


def report_engine(url: str) -> Engine:
    """Read-only use: a SQLite folder is never created; a query may run for minutes."""
    return db.make_engine(
        url, statement_timeout=REPORT_STATEMENT_TIMEOUT_SECONDS, create_sqlite_folder=False
    )


def run(settings: ReportSettings, period: Period, *, now: datetime) -> render.ReportFiles:
    tracker = _engine(settings.tracker_url, what="tracker store")
    handoff = _engine(settings.handoff_url, what="handoff database")
    try:
        result = figures(
            tracker=tracker, handoff=handoff, period=period, settings=settings, now=now
        )
    finally:
        tracker.dispose()
        handoff.dispose()
    return render.write(
        result,
        out_dir=settings.report_dir,
        stem=period.stem,
        generated=now.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M %Z"),
    )
