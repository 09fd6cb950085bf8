"""The agent inbox page and the operator view, served by `python -m handoff serve`.

/health                       liveness + outbox and chat delivery counts (JSON)
/inbox                        built-in helpdesk: tickets (?view=open|mine|solved, ?q= search)
/inbox/tickets/{id}           transcript and comments, a reply box (the answer reaches the
                              shopper's chat), assign to me, mark solved (POST .../reply,
                              .../assign, .../solve)
/api/tickets                  built-in helpdesk tickets as JSON (?conversation_id=, ?status=,
                              ?assignee=, ?q=)
/api/tickets/{id}             one ticket with its comments as JSON
POST /api/tickets/{id}/replies  {"body": "...", "author": "Sam"}: an agent's reply, to the
                              ticket and the shopper's chat (201)
POST /api/tickets/{id}/solve, /assignee {"assignee": "Sam"}: as the inbox's buttons
/outbox                       operator view: parked and pending deliveries; POST /outbox/{id}/retry
/reports/latest               the newest KPI report (python -m analytics report) from report_dir
/reports, /inbox/conversations/{sender}   the KPI pages (handoff/report_pages.py), when mounted
/webhooks/...                 Zendesk and Slack (handoff.webhooks): signed requests only

Everything but /health and the webhooks shows shoppers' data, so with `agent_login` set
(HELPDESK_AGENT_USER / HELPDESK_AGENT_PASSWORD; required by the production profile) every
other page asks for it (HTTP Basic, over the TLS of the proxy in front), and form posts from
other sites are refused.

In every profile: each state-changing form (solve, retry, reply, assign, your name) carries
a CSRF token (the JSON API refuses posts from another site), an HMAC of a
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
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, StringConstraints
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from common.paths import REPORTS
from handoff.bootstrap import HandoffServices
from handoff.chat import MAX_BODY_CHARS
from handoff.helpdesks import InboxComment, InboxTicket
from handoff.outbox import ESCALATION, PARKED, PENDING, STAGE_HELPDESK
from handoff.report_pages import ReportPages
from handoff.report_pages import router as report_router
from handoff.webhooks import add_webhooks

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{padding:.4rem .6rem;border-bottom:1px solid #ddd;
text-align:left;vertical-align:top}pre{white-space:pre-wrap;background:#f6f6f6;padding:.8rem}
.high{color:#b00;font-weight:600}.solved{color:#070}nav a{margin-right:1rem}
.banner{background:#fde8e8;border:1px solid #b00;padding:.6rem .8rem;margin:1rem 0}
.tabs a{margin-right:1rem}.tabs a.on{font-weight:700}textarea{width:100%;min-height:6rem}
form.inline{display:inline-block;margin-right:1rem}
"""
AGENT_COOKIE = "shopdesk_agent"
VIEWS = ("open", "mine", "solved")

AgentName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ReplyText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_BODY_CHARS)
]


class ReplyIn(BaseModel):
    body: ReplyText
    author: AgentName


class AssigneeIn(BaseModel):
    assignee: AgentName


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


def _comment_author(comment: InboxComment) -> str:
    if comment.author == "agent" and comment.author_name:
        return f"{comment.author_name} (agent)"
    return comment.author


def _basic_user(header: str) -> str | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        return base64.b64decode(encoded, validate=True).decode().partition(":")[0] or None
    except (ValueError, UnicodeDecodeError):
        return None


def agent_name(request: Request) -> str | None:
    """Who is working the inbox: the name they gave it (a cookie), else their login."""
    given = (request.cookies.get(AGENT_COOKIE) or "").strip()
    if 0 < len(given) <= 100:
        return given
    return _basic_user(request.headers.get("authorization", ""))


async def _form(request: Request) -> dict[str, str]:
    """An HTML form post (application/x-www-form-urlencoded), first value of each field."""
    raw = (await request.body())[:64 * 1024].decode("utf-8", errors="replace")
    return {key: values[0] for key, values in parse_qs(raw).items()}


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
    """Basic auth on every page but /health and the webhooks (Zendesk and Slack sign their
    calls instead); no cross-site form posts (the inbox's buttons)."""

    def __init__(self, app: Any, *, login: tuple[str, str]) -> None:
        super().__init__(app)
        self.login = login

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.url.path == "/health" or request.url.path.startswith("/webhooks/"):
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
    add_webhooks(app, services)
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

    async def require_same_site(request: Request) -> None:
        if not _same_site(request):
            raise HTTPException(status_code=403, detail="posts from another site are refused")

    same_site = [Depends(require_same_site)]

    @app.get("/health")
    def health() -> dict[str, object]:
        return {
            "status": "ok",
            "helpdesk": services.helpdesk.name,
            "outbox": store.counts(),
            "chat": services.chat.counts(),
        }

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/inbox")

    def parked_banner() -> str:
        parked = [
            r for r in store.rows(status=PARKED)
            if r.kind == ESCALATION and r.stage == STAGE_HELPDESK
        ]
        if not parked:
            return ""
        return (
            f"<p class='banner' role='alert'>{len(parked)} escalation(s) could not be delivered "
            "to the helpdesk and are parked; their shoppers were told and the assistant answers "
            "them again. <a href='/outbox'>See deliveries</a> to retry once the cause is fixed."
            "</p>"
        )

    def tickets_of_view(view: str, agent: str | None, search: str | None) -> list[InboxTicket]:
        assert builtin is not None
        if view == "mine":
            if not agent:
                return []
            return builtin.list_tickets(status="open", assignee=agent, search=search)
        return builtin.list_tickets(status=view, search=search)

    @app.get("/inbox", response_class=HTMLResponse)
    def inbox(request: Request, view: str = "open", q: str | None = None) -> HTMLResponse:
        if builtin is None:
            return _page(
                "Inbox",
                parked_banner()
                + "<p>Tickets go to Zendesk. See <a href='/outbox'>deliveries</a> for their "
                "state.</p>",
            )
        view = view if view in VIEWS else "open"
        agent = agent_name(request)
        search = (q or "").strip()[:200] or None
        page = HTMLResponse("")
        token = form_token(request, page)
        query = f"&q={quote(search)}" if search else ""
        tabs = "".join(
            f"<a href='/inbox?view={v}{query}'{' class=on' if v == view else ''}>{v}</a>"
            for v in VIEWS
        )
        me = (
            f"<p>Working as <b>{escape(agent)}</b>.</p>"
            if agent
            else "<p>Tell the inbox your name to use “mine” and to sign replies.</p>"
        )
        forms = (
            "<form class='inline' method='get' action='/inbox'>"
            f"<input type='hidden' name='view' value='{escape(view)}'>"
            f"<label>Search <input name='q' value='{escape(search or '')}'></label> "
            "<button>Search</button></form>"
            "<form class='inline' method='post' action='/inbox/me'>"
            f"<input type='hidden' name='{CSRF_FIELD}' value='{token}'>"
            f"<label>Your name <input name='name' maxlength='100' "
            f"value='{escape(agent or '')}'></label> <button>Save</button></form>"
        )
        rows = "".join(
            f"<tr><td><a href='/inbox/tickets/{t.id}'>#{t.id}</a></td>"
            f"<td>{escape(t.reference)}</td>"
            f"<td>{escape(t.subject)}</td><td>{escape(t.requester_name or '')} "
            f"{escape(t.requester_email)}</td>"
            f"<td class='{escape(t.priority)}'>{escape(t.priority)}</td>"
            f"<td class='{escape(t.status)}'>{escape(t.status)}</td>"
            f"<td>{escape(t.assignee or '')}</td>"
            f"<td>{t.created_at:%Y-%m-%d %H:%M} UTC</td></tr>"
            for t in tickets_of_view(view, agent, search)
        )
        table = (
            "<table><tr><th>Ticket</th><th>Ref</th><th>Subject</th><th>Shopper</th>"
            "<th>Priority</th><th>Status</th><th>Assignee</th><th>Created</th></tr>"
            f"{rows}</table>"
            if rows
            else "<p>No tickets yet. Ask the assistant for a person to see one here.</p>"
        )
        return _with_cookies(
            _page("Inbox", parked_banner() + me + f"<p class='tabs'>{tabs}</p>" + forms + table),
            page,
        )

    @app.post("/inbox/me", dependencies=checked_form)
    async def set_agent_name(request: Request) -> RedirectResponse:
        name = (await _form(request)).get("name", "").strip()[:100]
        redirect = RedirectResponse("/inbox", status_code=303)
        if name:
            redirect.set_cookie(AGENT_COOKIE, name, httponly=True, samesite="strict")
        else:
            redirect.delete_cookie(AGENT_COOKIE)
        return redirect

    @app.get("/inbox/tickets/{ticket_id}", response_class=HTMLResponse)
    def ticket(ticket_id: Annotated[int, Depends(_ticket_id)], request: Request) -> HTMLResponse:
        found = builtin.get_ticket(ticket_id) if builtin else None
        if found is None:
            raise HTTPException(status_code=404, detail="no such ticket")
        t, thread = found
        agent = agent_name(request) or ""
        items = "".join(
            f"<h3>{escape(_comment_author(c))}{'' if c.public else ' (internal)'} · "
            f"{c.created_at:%Y-%m-%d %H:%M:%S} UTC</h3><pre>{escape(c.body)}</pre>"
            for c in thread
        )
        page = HTMLResponse("")
        csrf_input = (
            f"<input type='hidden' name='{CSRF_FIELD}' value='{form_token(request, page)}'>"
        )
        reply = (
            f"<form method='post' action='/inbox/tickets/{t.id}/reply'>{csrf_input}"
            "<h2>Reply to the shopper</h2>"
            "<p>Your answer appears in the shopper's chat at once (and stays there).</p>"
            f"<label>Your name <input name='author' required maxlength='100' "
            f"value='{escape(agent)}'></label><br>"
            f"<label>Answer<br><textarea name='body' required maxlength='{MAX_BODY_CHARS}'>"
            "</textarea></label><br><button type='submit'>Send reply</button></form>"
        )
        assign = (
            f"<form class='inline' method='post' action='/inbox/tickets/{t.id}/assign'>"
            f"{csrf_input}<input type='hidden' name='assignee' value='{escape(agent)}'>"
            "<button type='submit'>Assign to me</button></form>"
            if agent and t.assignee != agent
            else ""
        )
        solve = (
            f"<form class='inline' method='post' action='/inbox/tickets/{t.id}/solve'>"
            f"{csrf_input}<button type='submit'>Mark solved</button></form>"
            if t.status != "solved"
            else "<p class='solved'>Solved. The assistant answers this shopper again.</p>"
        )
        previous = (
            f" · follows up <a href='/inbox/tickets/{t.previous_ticket_id}'>"
            f"#{t.previous_ticket_id}</a>"
            if t.previous_ticket_id
            else ""
        )
        meta = (
            f"<p>{escape(t.reference)} · {escape(t.requester_name or '')} "
            f"{escape(t.requester_email)} · order "
            f"{escape(t.order_number or 'none')} · priority {escape(t.priority)} · status "
            f"{escape(t.status)} · assignee {escape(t.assignee or 'nobody')} · tags "
            f"{escape(', '.join(t.tags))}{previous}</p>"
        )
        return _with_cookies(
            _page(f"#{t.id} {t.subject}", meta + assign + solve + items + reply), page
        )

    @app.post("/inbox/tickets/{ticket_id}/reply", dependencies=checked_form)
    async def reply_form(
        ticket_id: Annotated[int, Depends(_ticket_id)], request: Request
    ) -> RedirectResponse:
        form = await _form(request)
        try:
            given = ReplyIn(body=form.get("body", ""), author=form.get("author", ""))
        except ValueError:
            raise HTTPException(
                status_code=422, detail="a reply needs your name and an answer"
            ) from None
        if builtin is None or builtin.reply(
            ticket_id, body=given.body, author=given.author, source="inbox",
            activity=services.activity,
        ) is None:
            raise HTTPException(status_code=404, detail="no such ticket")
        redirect = RedirectResponse(f"/inbox/tickets/{ticket_id}", status_code=303)
        redirect.set_cookie(AGENT_COOKIE, given.author, httponly=True, samesite="strict")
        return redirect

    @app.post("/inbox/tickets/{ticket_id}/assign", dependencies=checked_form)
    async def assign_form(
        ticket_id: Annotated[int, Depends(_ticket_id)], request: Request
    ) -> RedirectResponse:
        assignee = (await _form(request)).get("assignee", "").strip()[:100]
        if not assignee:
            raise HTTPException(status_code=422, detail="assign to whom?")
        if builtin is None or not builtin.assign(
            ticket_id, assignee=assignee, activity=services.activity
        ):
            raise HTTPException(status_code=404, detail="no such ticket")
        return RedirectResponse(f"/inbox/tickets/{ticket_id}", status_code=303)

    @app.post("/inbox/tickets/{ticket_id}/solve", dependencies=checked_form)
    def solve(
        ticket_id: Annotated[int, Depends(_ticket_id)], request: Request
    ) -> RedirectResponse:
        if builtin is None or builtin.get_ticket(ticket_id) is None:
            raise HTTPException(status_code=404, detail="no such ticket")
        builtin.solve(ticket_id, activity=services.activity, actor=agent_name(request))
        return RedirectResponse(f"/inbox/tickets/{ticket_id}", status_code=303)

    @app.post("/api/tickets/{ticket_id}/replies", status_code=201, dependencies=same_site)
    def reply_api(
        ticket_id: Annotated[int, Depends(_ticket_id)], given: ReplyIn
    ) -> dict[str, Any]:
        comment = (
            builtin.reply(
                ticket_id, body=given.body, author=given.author, source="api",
                activity=services.activity,
            )
            if builtin
            else None
        )
        if comment is None:
            raise HTTPException(status_code=404, detail="no such ticket")
        return {"ticket_id": ticket_id, **_json(comment)}

    @app.post("/api/tickets/{ticket_id}/solve", dependencies=same_site)
    def solve_api(
        ticket_id: Annotated[int, Depends(_ticket_id)], request: Request
    ) -> dict[str, Any]:
        if builtin is None or builtin.get_ticket(ticket_id) is None:
            raise HTTPException(status_code=404, detail="no such ticket")
        builtin.solve(ticket_id, activity=services.activity, actor=agent_name(request),
                      source="api")
        return {"ticket_id": ticket_id, "status": "solved"}

    @app.post("/api/tickets/{ticket_id}/assignee", dependencies=same_site)
    def assign_api(
        ticket_id: Annotated[int, Depends(_ticket_id)], given: AssigneeIn
    ) -> dict[str, Any]:
        if builtin is None or not builtin.assign(
            ticket_id, assignee=given.assignee, activity=services.activity
        ):
            raise HTTPException(status_code=404, detail="no such ticket")
        return {"ticket_id": ticket_id, "assignee": given.assignee}

    @app.get("/api/tickets")
    def tickets_json(
        status: str | None = None,
        conversation_id: str | None = None,
        assignee: str | None = None,
        q: str | None = None,
    ) -> list[dict[str, Any]]:
        if builtin is None:
            raise HTTPException(status_code=404, detail="tickets are kept in Zendesk")
        return [
            _json(t)
            for t in builtin.list_tickets(
                status=status, conversation_id=conversation_id, assignee=assignee,
                search=(q or "")[:200] or None,
            )
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
