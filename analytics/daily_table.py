"""The daily summary table, `analytics_daily`, in the handoff database.

One row per day and time zone with that day's figures (analytics/summary.py: counts, sums
and duration histograms, nothing that names a shopper). Every report run writes the days it
computed in full from the raw conversations; a later run reads them back for the previous
period's figures, so a year's trend survives the retention purge (`make purge` deletes
conversations, never this table).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from analytics.source import ReportSourceError
from analytics.summary import VERSION, DaySummary

TABLE = "analytics_daily"

metadata = sa.MetaData()
daily = sa.Table(
    TABLE,
    metadata,
    sa.Column("day", sa.String(10), primary_key=True),  # ISO date in `timezone`
    sa.Column("timezone", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("figures", sa.Text, nullable=False),  # DaySummary.to_json()
    sa.Column("updated_at", sa.DateTime, nullable=False),  # naive UTC
)


def _failed(engine: Engine, exc: SQLAlchemyError) -> ReportSourceError:
    return ReportSourceError(
        f"cannot use the daily summary table in {engine.url.render_as_string()}: "
        f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}"
    )


def load(engine: Engine, days: Iterable[date], *, timezone: str) -> dict[date, DaySummary]:
    """The stored summaries of these days (of the current version); missing days are absent."""
    wanted = {d.isoformat(): d for d in days}
    if not wanted:
        return {}
    try:
        metadata.create_all(engine, tables=[daily])
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(daily.c.day, daily.c.figures)
                .where(daily.c.timezone == timezone)
                .where(daily.c.version == VERSION)
                .where(daily.c.day.in_(sorted(wanted)))
            ).all()
    except SQLAlchemyError as exc:
        raise _failed(engine, exc) from None
    return {wanted[row.day]: DaySummary.from_json(json.loads(row.figures)) for row in rows}


def save(engine: Engine, days: dict[date, DaySummary], *, timezone: str, now: datetime) -> None:
    """Writes (or replaces) the rows of these days."""
    if not days:
        return
    stamp = now.astimezone(UTC).replace(tzinfo=None)
    keys = [d.isoformat() for d in days]
    try:
        metadata.create_all(engine, tables=[daily])
        with engine.begin() as conn:
            conn.execute(
                daily.delete().where(daily.c.timezone == timezone).where(daily.c.day.in_(keys))
            )
            conn.execute(
                daily.insert(),
                [
                    {
                        "day": day.isoformat(),
                        "timezone": timezone,
                        "version": VERSION,
                        "figures": json.dumps(summary.to_json(), separators=(",", ":")),
                        "updated_at": stamp,
                    }
                    for day, summary in sorted(days.items())
                ],
            )
    except IntegrityError:
        return  # another report run wrote these days at the same moment, with the same figures
    except SQLAlchemyError as exc:
        raise _failed(engine, exc) from None
