"""The agent inbox page and the operator view, served by `python -m handoff serve`.

/health                       liveness + outbox counts (JSON)
/inbox                        built-in helpdesk: ticket list
/inbox/tickets/{id}           transcript and comments; POST .../solve marks it solved
/api/tickets                  built-in helpdesk tickets as JSON (?conversation_id=, ?status=)
/api/tickets/{id}             one ticket with its comments as JSON
/outbox                       operator view: parked and pending deliveries; POST /outbox/{id}/retry
/reports/latest               the newest KPI report (python -m analytics report) from report_dir

Everything but /health shows shoppers' data, so with `agent_login` set (HELPDESK_AGENT_USER /
HELPDESK_AGENT_PASSWORD; required by the production profile) every other page asks for it
(HTTP Basic, over the TLS of the proxy in front), and form posts from other sites are refused.
"""

from __future__ import annotations

import base64
import hmac
from dataclasses import asdict
from html import escape
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from common.paths import REPORTS
from handoff.bootstrap import HandoffServices
from handoff.helpdesks import InboxComment, InboxTicket
from handoff.outbox import PARKED, PENDING

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{padding:.4rem .6rem;border-bottom:1px solid #ddd;
text-align:left;vertical-align:top}pre{white-space:pre-wrap;background:#f6f6f6;padding:.8rem}
.high{color:#b00;font-weight:600}.solved{color:#070}nav a{margin-right:1rem}
"""


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><nav><a href='/inbox'>Inbox</a>"
        f"<a href='/outbox'>Deliveries</a><a href='/reports/latest'>KPI report</a></nav>"
        f"<h1>{escape(title)}</h1>{body}</body></html>"
    )


def _json(item: InboxTicket | InboxComment) -> dict[str, Any]:
    return {
        name: value.isoformat() if hasattr(value, "isoformat") else value
        for name, value in asdict(item).items()
    }


def latest_report(report_dir: Path) -> Path | None:
    """The newest report HTML in report_dir (reports are named by their period)."""
    found = sorted(report_dir.glob("shopdesk-report-*.html"), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def _login_matches(header: str, login: tuple[str, str]) -> bool:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    # Both compared every time: the answer's timing says nothing about which one was wrong.
    user_ok = hmac.compare_digest(user.encode(), login[0].encode())
    password_ok = hmac.compare_digest(password.encode(), login[1].encode())
    return user_ok and password_ok


class AgentOnly(BaseHTTPMiddleware):
    """Basic auth on every page but /health; no cross-site form posts (the solve button)."""

    def __init__(self, app: Any, *, login: tuple[str, str]) -> None:
        super().__init__(app)
        self.login = login

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.url.path == "/health":
            return await call_next(request)
        if not _login_matches(request.headers.get("authorization", ""), self.login):
            return JSONResponse(
                {"error": "agents only: sign in with the helpdesk login"},
                status_code=401,
                headers={"WWW-Authenticate": 'Basic realm="Shopdesk agents", charset="UTF-8"'},
            )
        if request.method == "POST" and request.headers.get("sec-fetch-site") == "cross-site":
            return JSONResponse({"error": "cross-site form posts are refused"}, status_code=403)
        return await call_next(request)


def create_app(
    services: HandoffServices,
    *,
    report_dir: Path = REPORTS,
    agent_login: tuple[str, str] | None = None,
) -> FastAPI:
    app = FastAPI(title="Shopdesk handoff", docs_url=None, redoc_url=None)
    if agent_login is not None:
        app.add_middleware(AgentOnly, login=agent_login)
    store, builtin = services.store, services.builtin

    @app.get("/health")
    def health() -> dict[str, object]:
        return {
            "status": "ok",
            "helpdesk": services.helpdesk.name,
            "outbox": store.counts(),
        }

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/inbox")

    @app.get("/inbox", response_class=HTMLResponse)
    def inbox(status: str | None = None) -> HTMLResponse:
        if builtin is None:
            return _page(
                "Inbox",
                "<p>Tickets go to Zendesk. See <a href='/outbox'>deliveries</a> for their "
                "state.</p>",
            )
        rows = "".join(
            f"<tr><td><a href='/inbox/tickets/{t.id}'>#{t.id}</a></td>"
            f"<td>{escape(t.reference)}</td>"
            f"<td>{escape(t.subject)}</td><td>{escape(t.requester_email)}</td>"
            f"<td class='{escape(t.priority)}'>{escape(t.priority)}</td>"
            f"<td class='{escape(t.status)}'>{escape(t.status)}</td>"
            f"<td>{t.created_at:%Y-%m-%d %H:%M} UTC</td></tr>"
            for t in builtin.list_tickets(status=status)
        )
        table = (
            "<table><tr><th>Ticket</th><th>Ref</th><th>Subject</th><th>Shopper</th>"
            f"<th>Priority</th><th>Status</th><th>Created</th></tr>{rows}</table>"
            if rows
            else "<p>No tickets yet. Ask the assistant for a person to see one here.</p>"
        )
        return _page("Inbox", table)

    @app.get("/inbox/tickets/{ticket_id}", response_class=HTMLResponse)
    def ticket(ticket_id: int) -> HTMLResponse:
        found = builtin.get_ticket(ticket_id) if builtin else None
        if found is None:
            raise HTTPException(status_code=404, detail="no such ticket")
        t, thread = found
        items = "".join(
            f"<h3>{escape(c.author)}{'' if c.public else ' (internal)'} · "
            f"{c.created_at:%Y-%m-%d %H:%M:%S} UTC</h3><pre>{escape(c.body)}</pre>"
            for c in thread
        )
        solve = (
            f"<form method='post' action='/inbox/tickets/{t.id}/solve'>"
            "<button type='submit'>Mark solved</button></form>"
            if t.status != "solved"
            else "<p class='solved'>Solved. The assistant answers this shopper again.</p>"
        )
        meta = (
            f"<p>{escape(t.reference)} · {escape(t.requester_email)} · order "
            f"{escape(t.order_number or 'none')} · priority {escape(t.priority)} · status "
            f"{escape(t.status)} · tags {escape(', '.join(t.tags))}</p>"
        )
        return _page(f"#{t.id} {t.subject}", meta + solve + items)

    @app.post("/inbox/tickets/{ticket_id}/solve")
    def solve(ticket_id: int) -> RedirectResponse:
        if builtin is None or builtin.get_ticket(ticket_id) is None:
            raise HTTPException(status_code=404, detail="no such ticket")
        builtin.solve(ticket_id)
        return RedirectResponse(f"/inbox/tickets/{ticket_id}", status_code=303)

    @app.get("/api/tickets")
    def tickets_json(
        status: str | None = None, conversation_id: str | None = None
    ) -> list[dict[str, Any]]:
        if builtin is None:
            raise HTTPException(status_code=404, detail="tickets are kept in Zendesk")
        return [
            _json(t)
            for t in builtin.list_tickets(status=status)
            if conversation_id is None or t.conversation_id == conversation_id
        ]

    @app.get("/api/tickets/{ticket_id}")
    def ticket_json(ticket_id: int) -> dict[str, Any]:
        found = builtin.get_ticket(ticket_id) if builtin else None
        if found is None:
            raise HTTPException(status_code=404, detail="no such ticket")
        t, thread = found
        return {**_json(t), "comments": [_json(c) for c in thread]}

    @app.get("/outbox", response_class=HTMLResponse)
    def deliveries() -> HTMLResponse:
        counts = store.counts()
        rows = "".join(
            f"<tr><td>{r.id}</td><td>{escape(r.kind)}</td><td>{escape(r.conversation_id)}</td>"
            f"<td>{escape(r.status)}</td><td>{escape(r.stage)}</td><td>{r.attempts}</td>"
            f"<td>{escape(r.ticket_id or '')}</td><td>{escape(r.last_error or '')}</td><td>"
            + (
                f"<form method='post' action='/outbox/{r.id}/retry'><button>Retry</button></form>"
                if r.status == PARKED
                else ""
            )
            + "</td></tr>"
            for r in store.rows(status=PARKED) + store.rows(status=PENDING)
        )
        summary = ", ".join(f"{n} {s}" for s, n in counts.items())
        return _page(
            "Deliveries",
            f"<p>{escape(summary)}</p><table><tr><th>Id</th><th>Kind</th><th>Conversation</th>"
            "<th>Status</th><th>Stage</th><th>Attempts</th><th>Ticket</th><th>Last error</th>"
            f"<th></th></tr>{rows}</table>",
        )

    @app.get("/api/outbox")
    def outbox_json(status: str | None = None) -> list[dict[str, object]]:
        return [
            {
                "id": r.id,
                "kind": r.kind,
                "conversation_id": r.conversation_id,
                "status": r.status,
                "stage": r.stage,
                "attempts": r.attempts,
                "ticket_id": r.ticket_id,
                "last_error": r.last_error,
            }
            for r in store.rows(status=status)
        ]

    # Same app, same protection as /inbox: the KPI report (no scripts, self-contained HTML).
    @app.get("/reports/latest", response_model=None)
    def report() -> FileResponse | HTMLResponse:
        found = latest_report(report_dir)
        if found is None:
            page = _page(
                "KPI report",
                "<p>No report yet. Run <code>make report SINCE=7d</code> "
                "(or <code>python -m analytics report --since 7d</code>).</p>",
            )
            page.status_code = 404
            return page
        return FileResponse(found, media_type="text/html; charset=utf-8")

    @app.post("/outbox/{row_id}/retry")
    def retry(row_id: int) -> RedirectResponse:
        if not store.requeue(row_id):
            raise HTTPException(status_code=404, detail="no parked delivery with that id")
        return RedirectResponse("/outbox", status_code=303)

    return app
