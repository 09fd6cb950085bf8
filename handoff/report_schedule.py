"""The daily KPI report, run by the handoff service: `python -m analytics report` as a
subprocess (the report's memory and time stay out of the inbox process).

Settings, read once at start-up: `REPORT_DAILY_AT` (HH:MM in `BUSINESS_TZ`; unset: no daily
report), `REPORT_DAILY_DAYS` (7: the report covers the last N whole days, ending yesterday),
and the report's own (`REPORT_EMAIL_TO` set: the report is emailed too).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from common import paths
from common.settings import EnvSettings

logger = logging.getLogger(__name__)

RUN_TIMEOUT = 1800.0  # seconds; a report that takes longer is stopped and logged


class ReportScheduleError(ValueError):
    """A daily-report setting is malformed; the message names it."""


class DailyReport(EnvSettings):
    settings_error = ReportScheduleError

    at: time = Field(alias="REPORT_DAILY_AT")
    tz: ZoneInfo = Field(ZoneInfo("UTC"), alias="BUSINESS_TZ")
    days: int = Field(7, ge=1, le=366, alias="REPORT_DAILY_DAYS")
    email: bool = False  # REPORT_EMAIL_TO is set: the report is emailed too
    python: str = sys.executable

    @field_validator("at", mode="before")
    @classmethod
    def _time_of_day(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return time.fromisoformat(value)
            except ValueError:
                raise ValueError(
                    f"REPORT_DAILY_AT: write a time of day like 07:00, not {value!r}"
                ) from None
        return value

    @field_validator("tz", mode="before")
    @classmethod
    def _known_zone(cls, value: object) -> object:
        return business_zone(value)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self | None:  # type: ignore[override]
        """None when REPORT_DAILY_AT is not set (no daily report)."""
        env = os.environ if env is None else env
        if not (env.get("REPORT_DAILY_AT") or "").strip():
            return None
        return super().from_env(env)

    @classmethod
    def derived_values(cls, env: Mapping[str, str]) -> dict[str, Any]:
        return {"email": bool(env.get("REPORT_EMAIL_TO"))}

    def next_run(self, now: datetime) -> datetime:
        """The first run time after `now` (aware), as an aware UTC datetime."""
        local = now.astimezone(self.tz)
        for offset in range(0, 3):
            day = local.date() + timedelta(days=offset)
            due = datetime.combine(day, self.at, tzinfo=self.tz)
            if due > local:
                return due.astimezone(UTC)
        raise AssertionError("unreachable: a run is due within two days")

    def period(self, now: datetime) -> tuple[date, date]:
        """The whole days the run at `now` reports on: the last `days`, ending yesterday."""
        today = now.astimezone(self.tz).date()
        return today - timedelta(days=self.days), today - timedelta(days=1)

    def command(self, now: datetime) -> list[str]:
        first, last = self.period(now)
        return report_command(
            self.python, first=first, last=last, options=("--email",) if self.email else ()
        )


def business_zone(value: object) -> object:
    """BUSINESS_TZ as a ZoneInfo; an unknown name is an error that names the variable."""
    if isinstance(value, str):
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"BUSINESS_TZ: unknown time zone {value!r}") from None
    return value


def report_command(
    python: str, *, first: date, last: date, options: tuple[str, ...] = ()
) -> list[str]:
    """`python -m analytics report` for the whole days first..last (in BUSINESS_TZ)."""
    return [
        python, "-m", "analytics", "report", "--from", first.isoformat(), "--to",
        last.isoformat(), *options,
    ]


Runner = Callable[[list[str]], subprocess.CompletedProcess[str]]


def run_report(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=paths.ROOT,  # `-m analytics` is found from the repository, wherever this runs
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


def run_daily(
    schedule: DailyReport,
    *,
    stop: threading.Event,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    run: Runner = run_report,
    wait: Callable[[float], bool] | None = None,
) -> None:
    """Until `stop` is set: wait for the next run time, run the report, log how it went.
    `wait(seconds)` returns True when it was stopped (default: `stop.wait`)."""
    wait = wait or (lambda seconds: stop.wait(timeout=seconds))
    while not stop.is_set():
        now = clock()
        if wait(max(0.0, (schedule.next_run(now) - now).total_seconds())):
            return
        command = schedule.command(clock())
        try:
            done = run(command)
        except (OSError, subprocess.SubprocessError) as exc:
            logger.error("daily KPI report did not run: %s: %s", type(exc).__name__, exc)
            continue
        if done.returncode == 0:
            logger.info("daily KPI report written: %s", " ".join(command[3:]))
        else:
            logger.error(
                "daily KPI report failed (exit %d): %s", done.returncode, done.stderr.strip()
            )
