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
# `report --reuse`: a report of a period that has not ended is written again after this.
FRESH_FOR = timedelta(minutes=10)


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
    escalated: list[kpis.Escalated] = field(default_factory=list)


@dataclass
class _RawDays:
    """Day summaries computed from the raw conversations and escalations."""

    current: dict[date, DaySummary]
    before: dict[date, DaySummary]
    collected: _Collected


def _raw_days(
    *,
    tracker: Engine,
    handoff: Engine,
    period: Period,
    previous: Period | None,
    settings: ReportSettings,
) -> _RawDays:
    """One pass over the period's (and, if given, the previous period's) conversations and
    escalations; the improvement queue's items are gathered for `period` only."""
    tz = settings.tz
    first = period.start if previous is None else previous.start
    rows = source.tracker_rows(
        tracker,
        lo=(first - LOOKBACK).timestamp(),
        hi=(period.end + TAIL).timestamp(),
        excluded_prefixes=settings.test_sender_prefixes,
    )
    current = {d: DaySummary() for d in days_of(period, tz)}
    before = {} if previous is None else {d: DaySummary() for d in days_of(previous, tz)}
    collected = _Collected()
    lo, start, end = first.timestamp(), period.start.timestamp(), period.end.timestamp()
    for conv in conversations(rows):
        if start <= conv.started_at < end:
            current[local_day(conv.started_at, tz)].add(conv)
            _collect(conv, collected)
        elif previous is not None and lo <= conv.started_at < start:
            before[local_day(conv.started_at, tz)].add(conv)
    for e in source.escalations(handoff, start=first, end=period.end):
        if e.conversation_id.startswith(settings.test_sender_prefixes):
            continue
        moment = e.created_at.timestamp()
        target = current if moment >= start else before
        target[local_day(moment, tz)].add_escalation(
            reason=e.reason, status=e.status, wait=e.wait_seconds, solve=e.solve_seconds
        )
        if moment >= start:
            collected.escalated.append(
                kpis.Escalated(
                    conversation=collected.handed_off.get(e.conversation_id),
                    conversation_id=e.conversation_id,
                    reason=e.reason,
                    at=e.created_at,
                )
            )
    return _RawDays(current=current, before=before, collected=collected)


def _chosen(
    raw: dict[date, DaySummary], stored: dict[date, DaySummary]
) -> tuple[dict[date, DaySummary], set[date]]:
    """Each day's summary from the raw conversations, or from the daily summary table where
    the stored one counts more conversations (raw ones were purged or erased since it was
    written); and the days taken from the table."""
    chosen, from_table = dict(raw), set()
    for day, computed in raw.items():
        kept = stored.get(day)
        if kept is not None and kept.conversations > computed.conversations:
            chosen[day] = kept
            from_table.add(day)
    return chosen, from_table


def _save_fresh(
    handoff: Engine,
    days: dict[date, DaySummary],
    *,
    whole: set[date],
    settings: ReportSettings,
    now: datetime,
) -> list[date]:
    """Writes the days computed from raw conversations that are whole and finished."""
    fresh = {d: s for d, s in days.items() if d in whole and _final(d, settings.tz, now)}
    daily_table.save(handoff, fresh, timezone=settings.timezone, now=now)
    return sorted(fresh)


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
    whole = set(whole_days(period, tz)) | set(whole_days(previous, tz))
    stored = daily_table.load(handoff, sorted(whole), timezone=settings.timezone)
    # The previous period is read raw only when the table lacks one of its days.
    read_previous = any(d not in stored for d in days_of(previous, tz))
    raw = _raw_days(
        tracker=tracker,
        handoff=handoff,
        period=period,
        previous=previous if read_previous else None,
        settings=settings,
    )
    current, current_stored = _chosen(raw.current, stored)
    if read_previous:
        before, before_stored = _chosen(raw.before, stored)
    else:
        before = {d: stored[d] for d in days_of(previous, tz)}
        before_stored = set(before)
    fresh = {d: s for d, s in current.items() if d not in current_stored}
    fresh.update({d: s for d, s in raw.before.items() if d not in before_stored})
    _save_fresh(handoff, fresh, whole=whole, settings=settings, now=now)
    collected = raw.collected
    texts = source.message_texts(tracker, (i for i, _, _ in collected.unanswered))
    groups = group_similar(
        (masked(texts.get(i, "")), kind, ref) for i, kind, ref in collected.unanswered
    )
    return kpis.figures(
        days=current,
        days_stored=len(current_stored),
        previous=kpis.merged(before.values()),
        previous_days_stored=len(before_stored),
        period=(period.start.astimezone(tz), period.end.astimezone(tz)),
        previous_period=(previous.start.astimezone(tz), previous.end.astimezone(tz)),
        queue=kpis.queue_figures(
            groups=groups,
            low_ratings=collected.low_ratings,
            escalated=collected.escalated,
            inbox_url=settings.inbox_url,
        ),
        cost_per_ticket=settings.cost_per_ticket,
        currency=settings.currency,
        timezone=settings.timezone,
    )


def keep_days(
    *,
    tracker: Engine,
    handoff: Engine,
    first: date,
    last: date,
    settings: ReportSettings,
    now: datetime,
) -> list[date]:
    """Writes the daily summaries of the finished days first..last (in BUSINESS_TZ) from
    their raw conversations, before a purge deletes them; a day whose stored summary counts
    more conversations than are left raw keeps it. Returns the days written."""
    tz = settings.tz
    period = Period(start=day_start(first, tz), end=day_start(last + timedelta(days=1), tz))
    days = [d for d in days_of(period, tz) if _final(d, tz, now)]
    if not days:
        return []
    period = Period(start=day_start(days[0], tz), end=day_start(days[-1] + timedelta(days=1), tz))
    stored = daily_table.load(handoff, days, timezone=settings.timezone)
    raw = _raw_days(
        tracker=tracker, handoff=handoff, period=period, previous=None, settings=settings
    )
    chosen, from_table = _chosen(raw.current, stored)
    fresh = {d: s for d, s in chosen.items() if d not in from_table}
    return _save_fresh(handoff, fresh, whole=set(days), settings=settings, now=now)


def is_current(path: Path, period: Period, *, now: datetime) -> bool:
    """The report file exists and what it counts has not changed since it was written (the
    period had ended, with its tail), or it is less than FRESH_FOR old."""
    if not path.is_file():
        return False
    written = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return written >= period.end + TAIL or written >= now - FRESH_FOR


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


def missing_sqlite(url: str) -> str | None:
    """The file of a SQLite URL when it does not exist (a report never creates one)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if not Path(parsed.database).is_file():
            return parsed.database
    return None


def existing_engine(url: str, *, what: str) -> Engine:
    """An engine for url; a SQLite file must exist already (never created by a report)."""
    missing = missing_sqlite(url)
    if missing is not None:
        raise source.ReportSourceError(
            f"no {what} at {missing} yet: has the assistant run here "
            "(make run)? Or point ANALYTICS_TRACKER_DB_URL / HELPDESK_DATABASE_URL at it."
        )
    return report_engine(url)


def report_engine(url: str) -> Engine:
    """Read-only use: a SQLite folder is never created; a query may run for minutes."""
    return db.make_engine(
        url, statement_timeout=REPORT_STATEMENT_TIMEOUT_SECONDS, create_sqlite_folder=False
    )


def run(settings: ReportSettings, period: Period, *, now: datetime) -> render.ReportFiles:
    tracker = existing_engine(settings.tracker_url, what="tracker store")
    handoff = existing_engine(settings.handoff_url, what="handoff database")
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


def keep_before_purge(settings: ReportSettings, *, days: int, now: datetime) -> list[date]:
    """The daily summaries of every finished day that `purge --days days` is about to delete
    (from the oldest raw event to the day of the cutoff), written to the table first."""
    if missing_sqlite(settings.tracker_url):
        return []  # no conversations here: nothing to keep
    tracker = existing_engine(settings.tracker_url, what="tracker store")
    handoff = existing_engine(settings.handoff_url, what="handoff database")
    try:
        oldest = source.oldest_event_time(tracker)
        cutoff = now - timedelta(days=days)
        if oldest is None or oldest >= cutoff.timestamp():
            return []
        return keep_days(
            tracker=tracker,
            handoff=handoff,
            first=local_day(oldest, settings.tz),
            last=cutoff.astimezone(settings.tz).date(),
            settings=settings,
            now=now,
        )
    finally:
        tracker.dispose()
        handoff.dispose()
