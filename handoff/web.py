"""The agent inbox page and the operator view, served by `python -m handoff serve`.

/health                       liveness + outbox counts (JSON)
/inbox                        built-in helpdesk: ticket list
/inbox/tickets/{id}           transcript and comments; POST .../solve marks it solved
/api/tickets                  built-in helpdesk tickets as JSON (?conversation_id=, ?status=)
/api/tickets/{id}             one ticket with its comments as JSON
/outbox                       operator view: parked and pending deliveries; POST /outbox/{id}/retry
/reports/latest               the newest KPI report (python -m analytics report) from report_dir
/reports, /inbox/conversations/{sender}   the KPI pages (analytics/web.py), when mounted

Everything but /health shows shoppers' data, so with `agent_login` set (HELPDESK_AGENT_USER /
HELPDESK_AGENT_PASSWORD; required by the production profile) every other page asks for it
(HTTP Basic, over the TLS of the proxy in front), and form posts from other sites are refused.

In every profile: each state-changing form (solve, retry) carries a CSRF token, an HMAC of a
random nonce kept in a SameSite=Strict cookie (a post without both, or from another site, is
a 403); every page is sent with a Content-Security-Policy that allows no scripts, no framing
and forms only to this site, plus X-Frame-Options: DENY. Ids in paths are bounded (1 to
2^63-1, what the databases store): anything else is a 404, not a database overflow.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import asdict
from html import escape
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from analytics.web import ReportPages
from analytics.web import router as report_router
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


# Row ids as the databases keep them (BIGINT / SQLite INTEGER): a larger number is no row.
MAX_ROW_ID = 2**63 - 1
CSRF_COOKIE = "shopdesk_csrf"
CSRF_FIELD = "csrf_token"
SECURITY_HEADERS = {
    # No scripts at all; the inline <style> of these pages and of the KPI report only.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _row_id(raw: str) -> int:
    """A path id that can be a row, else 404 (never an integer the database cannot hold)."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19 or not 0 < int(raw) <= MAX_ROW_ID:
        raise HTTPException(status_code=404, detail="no such id")
    return int(raw)


class CsrfTokens:
    """Signed double-submit tokens: the form's token is an HMAC of the cookie's nonce."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def token(self, nonce: str) -> str:
        return hmac.new(self._secret, b"csrf\x00" + nonce.encode(), hashlib.sha256).hexdigest()

    def valid(self, *, nonce: str | None, token: str | None) -> bool:
        if not nonce or not token:
            return False
        return hmac.compare_digest(self.token(nonce).encode(), token.encode())


def _same_site(request: Request) -> bool:
    """False when the browser says the post comes from another site (Fetch metadata, or an
    Origin header naming another host)."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><nav><a href='/inbox'>Inbox</a>"
        f"<a href='/outbox'>Deliveries</a><a href='/reports/latest'>KPI report</a>"
        f"<a href='/reports'>Reports by date</a></nav>"
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
    csrf_secret: bytes | None = None,
    report_pages: ReportPages | None = None,
) -> FastAPI:
    app = FastAPI(title="Shopdesk handoff", docs_url=None, redoc_url=None)
    if report_pages is not None:
        app.include_router(report_router(report_pages))
    if agent_login is not None:
        app.add_middleware(AgentOnly, login=agent_login)
    store, builtin = services.store, services.builtin
    # Per process: a form rendered by one process is posted back to the same one.
    csrf = CsrfTokens(csrf_secret or secrets.token_bytes(32))

    @app.middleware("http")
    async def security_headers(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    def form_token(request: Request, response: Response) -> str:
        """The CSRF token for this browser's forms (sets its nonce cookie the first time)."""
        nonce = request.cookies.get(CSRF_COOKIE)
        if not nonce or len(nonce) > 64:
            nonce = secrets.token_urlsafe(24)
            response.set_cookie(
                CSRF_COOKIE, nonce, httponly=True, samesite="strict", path="/",
                secure=request.url.scheme == "https",
            )
        return csrf.token(nonce)

    async def require_csrf(request: Request) -> None:
        body = (await request.body())[:4096].decode("utf-8", "replace")
        token = (parse_qs(body).get(CSRF_FIELD) or [None])[0]
        if not _same_site(request) or not csrf.valid(
            nonce=request.cookies.get(CSRF_COOKIE), token=token
        ):
            raise HTTPException(
                status_code=403, detail="this form has expired or came from another site: "
                "reload the page and try again",
            )

    checked_form = [Depends(require_csrf)]

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
    def ticket(ticket_id: Annotated[int, Depends(_ticket_id)], request: Request) -> HTMLResponse:
        found = builtin.get_ticket(ticket_id) if builtin else None
        if found is None:
            raise HTTPException(status_code=404, detail="no such ticket")
        t, thread = found
        items = "".join(
            f"<h3>{escape(c.author)}{'' if c.public else ' (internal)'} · "
            f"{c.created_at:%Y-%m-%d %H:%M:%S} UTC</h3><pre>{escape(c.body)}</pre>"
            for c in thread
        )
        page = HTMLResponse("")
        solve = (
            f"<form method='post' action='/inbox/tickets/{t.id}/solve'>"
            f"<input type='hidden' name='{CSRF_FIELD}' value='{form_token(request, page)}'>"
            "<button type='submit'>Mark solved</button></form>"
            if t.status != "solved"
            else "<p class='solved'>Solved. The assistant answers this shopper again.</p>"
        )
        meta = (
            f"<p>{escape(t.reference)} · {escape(t.requester_email)} · order "
            f"{escape(t.order_number or 'none')} · priority {escape(t.priority)} · status "
            f"{escape(t.status)} · tags {escape(', '.join(t.tags))}</p>"
        )
        return _with_cookies(_page(f"#{t.id} {t.subject}", meta + solve + items), page)

    @app.post("/inbox/tickets/{ticket_id}/solve", dependencies=checked_form)
    def solve(ticket_id: Annotated[int, Depends(_ticket_id)]) -> RedirectResponse:
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
    def ticket_json(ticket_id: Annotated[int, Depends(_ticket_id)]) -> dict[str, Any]:
        found = builtin.get_ticket(ticket_id) if builtin else None
        if found is None:
            raise HTTPException(status_code=404, detail="no such ticket")
        t, thread = found
        return {**_json(t), "comments": [_json(c) for c in thread]}

    @app.get("/outbox", response_class=HTMLResponse)
    def deliveries(request: Request) -> HTMLResponse:
        counts = store.counts()
        page = HTMLResponse("")
        token = form_token(request, page)
        rows = "".join(
            f"<tr><td>{r.id}</td><td>{escape(r.kind)}</td><td>{escape(r.conversation_id)}</td>"
            f"<td>{escape(r.status)}</td><td>{escape(r.stage)}</td><td>{r.attempts}</td>"
            f"<td>{escape(r.ticket_id or '')}</td><td>{escape(r.last_error or '')}</td><td>"
            + (
                f"<form method='post' action='/outbox/{r.id}/retry'><input type='hidden' "
                f"name='{CSRF_FIELD}' value='{token}'><button>Retry</button></form>"
                if r.status == PARKED
                else ""
            )
            + "</td></tr>"
            for r in store.rows(status=PARKED) + store.rows(status=PENDING)
        )
        summary = ", ".join(f"{n} {s}" for s, n in counts.items())
        return _with_cookies(
            _page(
                "Deliveries",
                f"<p>{escape(summary)}</p><table><tr><th>Id</th><th>Kind</th>"
                "<th>Conversation</th><th>Status</th><th>Stage</th><th>Attempts</th>"
                f"<th>Ticket</th><th>Last error</th><th></th></tr>{rows}</table>",
            ),
            page,
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

    @app.post("/outbox/{row_id}/retry", dependencies=checked_form)
    def retry(row_id: Annotated[int, Depends(_outbox_id)]) -> RedirectResponse:
        if not store.requeue(row_id):
            raise HTTPException(status_code=404, detail="no parked delivery with that id")
        return RedirectResponse("/outbox", status_code=303)

    return app


def _ticket_id(ticket_id: str) -> int:
    return _row_id(ticket_id)


def _outbox_id(row_id: str) -> int:
    return _row_id(row_id)


def _with_cookies(page: HTMLResponse, source: Response) -> HTMLResponse:
    """`page` with the cookies set on `source` (the CSRF nonce)."""
    for name, value in source.raw_headers:
        if name == b"set-cookie":
            page.raw_headers.append((name, value))
    return page
