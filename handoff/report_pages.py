"""The KPI pages of the agent inbox, behind the same login and headers as every inbox page:

/reports                          a date range picker, and the reports already written
/reports/view?from=DAY&to=DAY     that period's report (`python -m analytics report --reuse`)
/inbox/conversations/{sender}     one conversation, masked, session by session, with the
                                  outcome the report gives each (`python -m analytics
                                  conversation --html`); the report's queue links here

Everything shown comes from `python -m analytics` run as a subprocess, never imported:
analytics reads the handoff tables, so the dependency runs one way (and a report's memory
and time stay out of the inbox process).
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment
from pydantic import BeforeValidator, Field

from common import paths
from common.settings import EnvSettings
from handoff.report_schedule import business_zone, report_command

MAX_DAYS = 366
REPORT_TIMEOUT = 300.0  # seconds one report may take before the page gives up
VIEW_TIMEOUT = 60.0  # seconds for one conversation page
MAX_SENDER = 255
CONVERSATIONS_AT_ONCE = 2  # conversation pages being read at the same time
NOT_FOUND = 4  # `python -m analytics conversation`: no such conversation

_ENV = Environment(autoescape=True)
_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:1rem auto;max-width:60rem;color:#222;"
    "padding:0 1rem}nav a{margin-right:1rem}label{margin-right:1rem}"
    "input,button{font-size:1rem;padding:.3rem}"
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
    "{% if written %}<h2>Written</h2><ul>{% for first, last in written %}"
    "<li><a href='/reports/view?from={{ first }}&amp;to={{ last }}'>"
    "{{ first }} to {{ last }}</a></li>{% endfor %}</ul>{% endif %}"
    "</body></html>"
)


class ReportPagesError(ValueError):
    """A setting of the report pages is malformed; the message names it."""


class ReportPages(EnvSettings):
    """What the pages need, read once at start-up."""

    settings_error = ReportPagesError

    report_dir: Path = Field(paths.REPORTS, alias="REPORT_DIR")
    tz: Annotated[ZoneInfo, BeforeValidator(business_zone)] = Field(
        ZoneInfo("UTC"), alias="BUSINESS_TZ"
    )
    python: str = sys.executable


@dataclass(frozen=True)
class _Ran:
    returncode: int
    stdout: str
    stderr: str


async def _analytics(command: list[str], *, seconds: float) -> _Ran | None:
    """Runs a `python -m analytics` command from the repository root; None on timeout."""
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=paths.ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=seconds)
    except TimeoutError:
        process.kill()
        await process.wait()
        return None
    return _Ran(
        process.returncode or 0, out.decode(errors="replace"), err.decode(errors="replace")
    )


def _day(text: str | None, name: str) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise ValueError(f"{name}: choose a day (YYYY-MM-DD)") from None


def _written(report_dir: Path, tz: ZoneInfo) -> list[tuple[str, str]]:
    """Reports of whole days (in tz) in report_dir, newest first, as (first, last) days;
    a report's name is its period in UTC: shopdesk-report-YYYYmmddTHHMM-YYYYmmddTHHMM."""
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
            found.append((start.date().isoformat(), last.isoformat()))
    return found


def _report_path(stdout: str, report_dir: Path) -> Path | None:
    """The HTML file `python -m analytics report` says it wrote, if it is in report_dir."""
    first = stdout.strip().splitlines()[0] if stdout.strip() else ""
    path = Path(first.removeprefix("report:").strip())
    if path.suffix != ".html" or path.resolve().parent != report_dir.resolve():
        return None
    return path if path.is_file() else None


def router(pages: ReportPages) -> APIRouter:
    routes = APIRouter()
    running = asyncio.Lock()
    reading = asyncio.Semaphore(CONVERSATIONS_AT_ONCE)

    def picker(error: str = "", status: int = 200) -> HTMLResponse:
        today = datetime.now(pages.tz).date()
        page = _PICKER.render(
            style=_STYLE,
            error=error,
            start=(today - timedelta(days=7)).isoformat(),
            end=(today - timedelta(days=1)).isoformat(),
            timezone=str(pages.tz),
            written=_written(pages.report_dir, pages.tz),
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
        try:  # one report at a time: each may take seconds of CPU
            await asyncio.wait_for(running.acquire(), timeout=REPORT_TIMEOUT)
        except TimeoutError:
            return picker("another report is still being written: try again shortly", 503)
        try:
            command = report_command(
                pages.python,
                first=first,
                last=last,
                options=("--out", str(pages.report_dir), "--reuse"),
            )
            ran = await _analytics(command, seconds=REPORT_TIMEOUT)
        finally:
            running.release()
        if ran is None:
            return picker("the report took too long: try a shorter period", 500)
        path = _report_path(ran.stdout, pages.report_dir) if ran.returncode == 0 else None
        if path is None:
            return picker(f"the report could not be written: {ran.stderr.strip()}", 500)
        return FileResponse(path, media_type="text/html; charset=utf-8")

    @routes.get("/inbox/conversations/{sender_id}", response_class=HTMLResponse)
    async def conversation(sender_id: str) -> HTMLResponse:
        if not sender_id or len(sender_id) > MAX_SENDER or "\x00" in sender_id:
            raise HTTPException(status_code=404, detail="no such conversation")
        command = [
            pages.python, "-m", "analytics", "conversation", f"--sender={sender_id}", "--html"
        ]
        async with reading:
            ran = await _analytics(command, seconds=VIEW_TIMEOUT)
        if ran is not None and ran.returncode == NOT_FOUND:
            raise HTTPException(status_code=404, detail="no such conversation (or purged)")
        if ran is None or ran.returncode != 0:
            raise HTTPException(
                status_code=503, detail="the conversation store cannot be read just now"
            )
        return HTMLResponse(ran.stdout)

    return routes
