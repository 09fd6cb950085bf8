"""The KPI pages of the agent inbox: a report for any dates, and one conversation's
transcript (where the report's queue links). Mounted by handoff/web.py, behind the same
login and headers as every inbox page.

/reports                          a date range picker, and the reports already written
/reports/view?from=DAY&to=DAY     that period's report (written by `python -m analytics
                                  report` in a subprocess when missing or stale)
/inbox/conversations/{sender}     the conversation's messages, session by session, masked,
                                  with the outcome the report gives each session
"""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from datetime import time as dt_time
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment
from sqlalchemy.engine import Engine

from analytics import source
from analytics.conversations import conversations
from analytics.names import human
from analytics.queue import masked
from analytics.report import TAIL, Period, parse_range, report_engine
from analytics.settings import ReportSettings
from common import paths

MAX_DAYS = 366
REPORT_TIMEOUT = 300.0  # seconds one report may take before the page gives up
FRESH_FOR = timedelta(minutes=10)  # an unfinished period's report is rewritten after this
MAX_SENDER = 255

_ENV = Environment(autoescape=True)
_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:1rem auto;max-width:60rem;color:#222;"
    "padding:0 1rem}nav a{margin-right:1rem}label{margin-right:1rem}"
    "input,button{font-size:1rem;padding:.3rem}.user{background:#eef4fb}"
    ".bot{background:#f6f6f6}.msg{padding:.4rem .6rem;margin:.3rem 0;border-radius:6px}"
    ".msg small{display:block;color:#555}"
)
_PICKER = _ENV.from_string(
    "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
    "<meta name='viewport' content='width=device-width, initial-scale=1'>"
    "<title>KPI report</title><style>{{ style }}</style></head><body>"
    "<nav><a href='/inbox'>Inbox</a><a href='/outbox'>Deliveries</a>"
    "<a href='/reports'>KPI report</a></nav><h1>KPI report</h1>"
    "{% if error %}<p role='alert'><b>{{ error }}</b></p>{% endif %}"
    "<form method='get' action='/reports/view'>"
    "<label>From <input type='date' name='from' value='{{ start }}' required></label>"
    "<label>To <input type='date' name='to' value='{{ end }}' required></label>"
    "<button type='submit'>Show the report</button></form>"
    "<p>Days in {{ timezone }}, both included. A period not written yet takes a few seconds."
    " <a href='/reports/latest'>The newest report</a>.</p>"
    "{% if written %}<h2>Written</h2><ul>{% for name, period in written %}"
    "<li><a href='/reports/view?from={{ period[0] }}&amp;to={{ period[1] }}'>"
    "{{ period[0] }} to {{ period[1] }}</a></li>{% endfor %}</ul>{% endif %}"
    "</body></html>"
)
_TRANSCRIPT = _ENV.from_string(
    "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
    "<meta name='viewport' content='width=device-width, initial-scale=1'>"
    "<title>Conversation {{ sender }}</title><style>{{ style }}</style></head><body>"
    "<nav><a href='/inbox'>Inbox</a><a href='/outbox'>Deliveries</a>"
    "<a href='/reports'>KPI report</a></nav><h1>Conversation {{ sender }}</h1>"
    "<p>Messages masked (card numbers, codes, passwords, emails, phone numbers); "
    "times in {{ timezone }}.</p>"
    "{% for s in sessions %}<section id='s{{ s.anchor }}'><h2>Session from {{ s.started }}</h2>"
    "<p>Outcome: <b>{{ s.outcome }}</b></p>"
    "{% for m in s.messages %}<div class='msg {{ m.who }}'><small>{{ m.who_label }} · "
    "{{ m.at }}{% if m.label %} · {{ m.label }}{% endif %}</small>{{ m.text }}</div>"
    "{% endfor %}</section>{% endfor %}</body></html>"
)


@dataclass(frozen=True)
class ReportPages:
    """What the pages need, read once at start-up."""

    settings: ReportSettings
    python: str = sys.executable


@dataclass(frozen=True)
class _Message:
    who: str
    who_label: str
    at: str
    text: str
    label: str


@dataclass(frozen=True)
class _Session:
    anchor: int
    started: str
    outcome: str
    messages: list[_Message]


def _day(text: str | None, name: str) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise ValueError(f"{name}: choose a day (YYYY-MM-DD)") from None


def _written(report_dir: Path, tz: tzinfo) -> list[tuple[str, tuple[str, str]]]:
    """Reports of whole days (in tz) already in report_dir, newest first (name, (from, to))."""
    found = []
    for path in sorted(
        report_dir.glob("shopdesk-report-*.html"), key=lambda p: p.stat().st_mtime, reverse=True
    )[:20]:
        try:
            start, end = (
                datetime.strptime(part, "%Y%m%dT%H%M").replace(tzinfo=UTC).astimezone(tz)
                for part in path.stem.removeprefix("shopdesk-report-").split("-")
            )
        except ValueError:
            continue
        if start.time() == end.time() == dt_time(0):
            last = end.date() - timedelta(days=1)
            found.append((path.name, (start.date().isoformat(), last.isoformat())))
    return found


def router(pages: ReportPages) -> APIRouter:
    settings = pages.settings
    routes = APIRouter()
    running = asyncio.Lock()
    tracker: Engine | None = None

    def tracker_engine() -> Engine:
        nonlocal tracker
        if tracker is None:
            tracker = report_engine(settings.tracker_url)
        return tracker

    def picker(error: str = "", status: int = 200) -> HTMLResponse:
        today = datetime.now(settings.tz).date()
        page = _PICKER.render(
            style=_STYLE,
            error=error,
            start=(today - timedelta(days=7)).isoformat(),
            end=(today - timedelta(days=1)).isoformat(),
            timezone=settings.timezone,
            written=_written(settings.report_dir, settings.tz),
        )
        return HTMLResponse(page, status_code=status)

    @routes.get("/reports", response_class=HTMLResponse)
    def reports() -> HTMLResponse:
        return picker()

    # `from` is a Python keyword: the query's names are read from the request.
    @routes.get("/reports/view", response_model=None)
    async def view_period(request: Request) -> FileResponse | HTMLResponse:
        try:
            first = _day(request.query_params.get("from"), "from")
            last = _day(request.query_params.get("to"), "to")
            if last < first:
                raise ValueError("to must be on or after from")
            if (last - first).days + 1 > MAX_DAYS:
                raise ValueError(f"choose at most {MAX_DAYS} days")
        except ValueError as exc:
            return picker(str(exc), status=422)
        period = parse_range(first.isoformat(), last.isoformat(), tz=settings.tz)
        path = settings.report_dir / f"{period.stem}.html"
        if not _current(path, period):
            try:
                await asyncio.wait_for(running.acquire(), timeout=REPORT_TIMEOUT)
            except TimeoutError:
                return picker("another report is still being written: try again shortly", 503)
            try:
                if not _current(path, period):
                    error = await _write_report(pages, first, last)
                    if error:
                        return picker(error, status=500)
            finally:
                running.release()
        return FileResponse(path, media_type="text/html; charset=utf-8")

    @routes.get("/inbox/conversations/{sender_id}", response_class=HTMLResponse)
    def conversation(sender_id: str) -> HTMLResponse:
        if not sender_id or len(sender_id) > MAX_SENDER:
            raise HTTPException(status_code=404, detail="no such conversation")
        try:
            sessions = _sessions(tracker_engine(), sender_id, settings)
        except source.ReportSourceError:
            raise HTTPException(
                status_code=503, detail="the conversation store cannot be read just now"
            ) from None
        if not sessions:
            raise HTTPException(status_code=404, detail="no such conversation (or purged)")
        return HTMLResponse(
            _TRANSCRIPT.render(
                style=_STYLE, sender=sender_id, sessions=sessions, timezone=settings.timezone
            )
        )

    return routes


def _current(path: Path, period: Period) -> bool:
    """The report file exists and nothing that it counts can have changed since."""
    if not path.is_file():
        return False
    written = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return written >= period.end + TAIL or written >= datetime.now(UTC) - FRESH_FOR


async def _write_report(pages: ReportPages, first: date, last: date) -> str:
    """Runs `python -m analytics report` for the days; an error message, or ''."""
    env = {**os.environ, "REPORT_DIR": str(pages.settings.report_dir)}
    process = await asyncio.create_subprocess_exec(
        pages.python,
        "-m",
        "analytics",
        "report",
        "--from",
        first.isoformat(),
        "--to",
        last.isoformat(),
        "--out",
        str(pages.settings.report_dir),
        cwd=paths.ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=REPORT_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        return "the report took too long: try a shorter period"
    if process.returncode != 0:
        return "the report could not be written: " + stderr.decode(errors="replace").strip()
    return ""


def _sessions(engine: Engine, sender_id: str, settings: ReportSettings) -> list[_Session]:
    tz = settings.tz
    events = source.transcript(engine, sender_id)
    outcomes = {
        int(c.started_at): c.outcome
        for c in conversations(source.tracker_rows(engine, lo=0, hi=1e12, sender_id=sender_id))
    }
    sessions: list[_Session] = []
    messages: list[_Message] = []
    first_user: float | None = None

    def close() -> None:
        if messages and first_user is not None:
            outcome = outcomes.get(int(first_user))
            sessions.append(
                _Session(
                    anchor=int(first_user),
                    started=datetime.fromtimestamp(first_user, tz).strftime("%Y-%m-%d %H:%M"),
                    outcome=f"{human(outcome[0])}: {human(outcome[1])}" if outcome else "–",
                    messages=list(messages),
                )
            )

    for event in events:
        if event.type_name in ("session_started", "restart"):
            close()
            messages, first_user = [], None
            continue
        at = datetime.fromtimestamp(event.timestamp, tz).strftime("%H:%M:%S")
        if event.type_name == "user":
            if first_user is None:
                first_user = event.timestamp
            messages.append(
                _Message("user", "Shopper", at, masked(event.text or ""), human(event.label))
            )
        elif event.type_name == "bot" and first_user is not None:
            messages.append(_Message("bot", "Bot", at, masked(event.text or ""), ""))
    close()
    return sessions
