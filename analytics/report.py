"""One report run: read the period's conversations and escalations, compute, write."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from analytics import kpis, render, source
from analytics.conversations import conversations
from analytics.settings import ReportSettings

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


def _moment(text: str, *, option: str, end_of_day: bool) -> datetime:
    try:
        if len(text.strip()) == 10:
            day = date.fromisoformat(text.strip())
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return moment + timedelta(days=1) if end_of_day else moment
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(
            f"{option} {text!r}: write a date (2026-11-20) or a date and time (2026-11-20T09:30)"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_range(start: str, end: str) -> Period:
    """--from and --to: dates are whole UTC days (--to included), or ISO date-times."""
    period = Period(
        start=_moment(start, option="--from", end_of_day=False),
        end=_moment(end, option="--to", end_of_day=True),
    )
    if period.end <= period.start:
        raise PeriodError("--to must be after --from")
    return period


def figures(*, tracker: Engine, handoff: Engine, period: Period) -> dict[str, Any]:
    rows = source.tracker_rows(
        tracker,
        lo=(period.start - LOOKBACK).timestamp(),
        hi=(period.end + TAIL).timestamp(),
    )
    escalations = source.escalations(handoff, start=period.start, end=period.end)
    return kpis.compute(conversations(rows), escalations, start=period.start, end=period.end)


def _engine(url: str, *, what: str) -> Engine:
    """An engine for url; a SQLite file must exist already (never created by a report)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if not Path(parsed.database).is_file():
            raise source.ReportSourceError(
                f"no {what} at {parsed.database} yet: has the assistant run here "
                "(make run)? Or point ANALYTICS_TRACKER_DB_URL / HELPDESK_DATABASE_URL at it."
            )
    return sa.create_engine(url)


def run(settings: ReportSettings, period: Period, *, now: datetime) -> render.ReportFiles:
    tracker = _engine(settings.tracker_url, what="tracker store")
    handoff = _engine(settings.handoff_url, what="handoff database")
    try:
        result = figures(tracker=tracker, handoff=handoff, period=period)
    finally:
        tracker.dispose()
        handoff.dispose()
    return render.write(
        result,
        out_dir=settings.report_dir,
        stem=period.stem,
        generated=now.strftime("%Y-%m-%d %H:%M UTC"),
    )
