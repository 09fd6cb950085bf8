"""One conversation's transcript as the inbox shows it (where the report's queue links):
session by session, every message masked, each session with the outcome the report gives it.

`python -m analytics conversation --sender ID --html` prints the page; the agent inbox
(handoff/report_pages.py) serves it at /inbox/conversations/{sender}.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from jinja2 import Environment
from sqlalchemy.engine import Engine

from analytics import source
from analytics.conversations import conversations
from analytics.names import human
from analytics.queue import masked

_ENV = Environment(autoescape=True)
_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:1rem auto;max-width:60rem;color:#222;"
    "padding:0 1rem}nav a{margin-right:1rem}.user{background:#eef4fb}"
    ".bot{background:#f6f6f6}.msg{padding:.4rem .6rem;margin:.3rem 0;border-radius:6px}"
    ".msg small{display:block;color:#555}"
)
_PAGE = _ENV.from_string(
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
class Message:
    who: str  # user | bot
    who_label: str
    at: str
    text: str  # masked
    label: str  # the intent of a shopper message, in words


@dataclass(frozen=True)
class Session:
    anchor: int  # the first shopper message's epoch second: the report links to #s<anchor>
    started: str
    outcome: str
    messages: list[Message]


def sessions(engine: Engine, sender_id: str, *, tz: tzinfo) -> list[Session]:
    """The sender's sessions with at least one shopper message, oldest first."""
    events = source.transcript(engine, sender_id)
    outcomes = {
        int(c.started_at): c.outcome
        for c in conversations(source.tracker_rows(engine, lo=0, hi=1e12, sender_id=sender_id))
    }
    found: list[Session] = []
    messages: list[Message] = []
    first_user: float | None = None

    def close() -> None:
        if messages and first_user is not None:
            outcome = outcomes.get(int(first_user))
            found.append(
                Session(
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
                Message("user", "Shopper", at, masked(event.text or ""), human(event.label))
            )
        elif event.type_name == "bot" and first_user is not None:
            messages.append(Message("bot", "Bot", at, masked(event.text or ""), ""))
    close()
    return found


def page(sender_id: str, found: list[Session], *, timezone: str) -> str:
    return _PAGE.render(style=_STYLE, sender=sender_id, sessions=found, timezone=timezone)
