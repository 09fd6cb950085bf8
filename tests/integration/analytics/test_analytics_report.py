"""The KPI report against real databases: conversations written into a tracker store the way
Rasa writes them (SQLite and PostgreSQL), escalations through the real outbox code and the
built-in helpdesk's tables, the report run through its command line. Expected figures are
computed here from the scenario (each conversation says what it must count for).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import random
import subprocess
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from analytics.__main__ import main
from analytics.names import human
from analytics.render import csv_rows
from bot.paths import ROOT
from handoff import bootstrap, migrations
from handoff.db import create_db_engine
from handoff.models import Escalation
from handoff.outbox import EscalationContext, OutboxStore
from handoff.settings import HandoffSettings
from handoff.web import create_app
from tests.conftest import require_service
from tools.benchmarks import synthetic_conversations as synthetic

APP_PYTHON = str(ROOT / ".venv" / "app" / "bin" / "python")
POSTGRES_ADMIN_URL = os.environ.get(
    "ANALYTICS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
DAY0 = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday; the report covers 2026-03-02..04
CHARTS = (
    "outcomes",
    "conversations_per_day",
    "unanswered_message_rate_per_day",
    "handoffs_by_reason",
    "top_intents",
    "verification",
    "self_service_outcomes",
    "csat_distribution",
)


def _postgres() -> Iterator[str]:
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as db:
            db.execute(sa.text("select 1"))
        reachable = True
    except sa.exc.OperationalError:
        reachable = False
    if not reachable:
        admin.dispose()
        require_service(False, "PostgreSQL")
    name = f"analytics_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as db:
        db.execute(sa.text(f'create database "{name}"'))
    try:
        yield (
            sa.engine.make_url(POSTGRES_ADMIN_URL)
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as db:
            db.execute(sa.text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """One database holding both the tracker store's events and the handoff tables."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shopdesk.db'}"
    else:
        yield from _postgres()


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = create_db_engine(db_url)
    migrations.upgrade(engine)
    synthetic.create_tables(engine)
    yield engine
    engine.dispose()


# --- scenarios ---------------------------------------------------------------------------

TASKS = ("order_status", "return", "cancel", "address", "refund")
FIRST_INTENT = {
    "order_status": "order_status",
    "return": "start_return",
    "cancel": "cancel_order",
    "address": "change_shipping_address",
    "refund": "refund_status",
    "policy": "return_policy",
    "delivery": "delivery_options",
    "chitchat": "greet",
    "out_of_scope": "greet",
    "person_left": "human_agent",
}
SETTLING = {
    "order_status": ("utter_shipment_in_transit", "order_status_answered", None),
    "return": ("utter_return_created", "return_created", ("returns_started", "45.00")),
    "cancel": (
        "utter_order_cancelled_now",
        "order_cancelled",
        ("cancelled_before_shipping", "129.50"),
    ),
    "address": ("utter_address_changed", "address_changed", None),
    "refund": ("utter_refunds_intro", "refund_status_answered", ("refunds_queried", "20.00")),
    "policy": ("utter_return_policy", "policy_answered", None),
}


@dataclass
class Conv:
    """One conversation to write, and what it must count for."""

    day: int
    kind: str  # a key of FIRST_INTENT
    handoff: str | None = None  # reason
    fallbacks: int = 0
    failures: int = 0  # failed verification attempts before success (or lock at 3)
    abandon: bool = False  # leaves at the form's first question instead of finishing
    score: int | None = None
    asked: bool = False
    comment: str | None = None
    language: str | None = None
    channel: str = "rest"
    agent_reply_after: float | None = None  # seconds after the escalation
    solved_after: float | None = None
    sender: str = field(default_factory=lambda: f"conv-{uuid.uuid4().hex[:10]}")
    escalated_at: datetime | None = None
    reply_seconds: list[float] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return self.kind in TASKS and self.failures < 3 and not self.abandon

    @property
    def settled(self) -> str | None:
        if self.kind == "policy" or (self.kind in TASKS and self.verified):
            return SETTLING[self.kind][1]
        return None

    @property
    def outcome(self) -> tuple[str, str]:
        if self.handoff:
            return "handed_off", self.handoff
        if self.kind == "person_left":
            return "asked_for_person_left", "handoff_email"
        if self.settled:
            return "resolved", self.settled
        if self.kind == "out_of_scope":
            return "unanswered", "out_of_scope"
        if self.kind in TASKS or self.kind == "delivery":
            return "abandoned", FIRST_INTENT[self.kind]
        if self.fallbacks:
            return "unanswered", "not_understood"
        return "abandoned", "no_request"

    @property
    def value(self) -> tuple[str, str] | None:
        return SETTLING[self.kind][2] if self.settled and self.kind in SETTLING else None

    def intents(self) -> list[str]:
        """The intents counted as requests (form answers are not)."""
        result = [FIRST_INTENT[self.kind]] + ["nlu_fallback"] * self.fallbacks
        if self.kind == "out_of_scope":
            result.append("out_of_scope")
        if self.kind == "return" and self.verified:
            result.append("affirm")
        if self.handoff:
            return [*result, "human_agent"]
        if self.asked:
            result += ["thanks"] + (["rate"] if self.score else [])
        return result

    def form_answers(self) -> dict[str, int]:
        if self.kind not in TASKS or self.abandon:
            return {}
        return {"order_number": min(self.failures, 2)} if self.failures else {}


def script(conv: Conv, *, start: float) -> synthetic.Script:
    s = synthetic.Script(
        sender_id=conv.sender, clock=start, rng=random.Random(1), channel=conv.channel
    ).session()
    if conv.language:
        s.slot("language", conv.language)
    first = FIRST_INTENT[conv.kind]
    s.user("...", first)
    if conv.kind == "person_left":
        s.action("action_start_handoff").bot("utter_handoff_start")
        s.ask("handoff_form", "handoff_email")
        return s
    for _ in range(conv.fallbacks):
        s.user("blorp", "nlu_fallback").action("action_fallback").bot("utter_fallback_help")
        s.listen()
    if conv.kind in TASKS:
        if conv.abandon:
            return s.ask("verification_form", "order_number")
        s.verify(ok=conv.failures < 3, failures=conv.failures)
        if conv.verified:
            if conv.kind == "return":
                s.action("action_start_return").user("yes", "affirm")
                s.action("action_submit_return")
            response, _, value = SETTLING[conv.kind]
            extra = {"kpi_value": f"{value[1]} GBP"} if value else {}
            s.bot(response, **extra).listen()
    elif conv.kind == "policy":
        s.action("action_return_policy").bot("utter_return_policy").listen()
    elif conv.kind == "delivery":
        s.action("action_delivery_options").bot("utter_store_unavailable").listen()
    else:
        s.action("utter_greet").bot("utter_greet").listen()
        if conv.kind == "out_of_scope":
            s.user("do you sell gift cards", "out_of_scope").action("utter_out_of_scope")
            s.bot("utter_out_of_scope").listen()
    if conv.handoff:
        s.handoff(conv.handoff)
    elif conv.asked:
        if conv.score:
            s.rate(conv.score, conv.comment)
        else:
            s.user("thanks", "thanks").action("action_wrap_up").bot("utter_ask_csat")
            s.slot("csat_asked", True).listen()
    return s


def reply_seconds(s: synthetic.Script) -> list[float]:
    """Each shopper message to the next bot message before the next shopper message."""
    out, waiting = [], None
    for event in s.events:
        if event["event"] == "user":
            waiting = event["timestamp"]
        elif event["event"] == "bot" and waiting is not None:
            out.append(event["timestamp"] - waiting)
            waiting = None
    return out


def write(engine: sa.Engine, convs: list[Conv]) -> None:
    scripts = []
    outbox = OutboxStore(engine)
    for n, conv in enumerate(convs):
        start = DAY0 + timedelta(days=conv.day, hours=9, minutes=n)
        s = script(conv, start=start.timestamp())
        scripts.append(s)
        conv.reply_seconds = reply_seconds(s)
        if conv.handoff:
            escalated = datetime.fromtimestamp(s.clock, UTC).replace(microsecond=0)
            conv.escalated_at = escalated
            outbox.record_escalation(
                conversation_id=conv.sender,
                email="shopper@example.com",
                build=lambda ctx, c=conv, at=escalated: escalation(ctx, c, at),
                now=escalated,
            )
            helpdesk_ticket(engine, conv, escalated)
    synthetic.write(engine, scripts)


def helpdesk_ticket(engine: sa.Engine, conv: Conv, at: datetime) -> None:
    """The built-in helpdesk's ticket, an agent's reply and the solve, at known times."""
    from handoff.db import comments, tickets

    with engine.begin() as db:
        ticket_id = db.execute(
            tickets.insert()
            .values(
                external_id=f"shopdesk:{conv.sender}:1",
                reference="SD-TEST01",
                conversation_id=conv.sender,
                requester_email="shopper@example.com",
                subject="help",
                status="solved" if conv.solved_after is not None else "open",
                priority="normal",
                tags=[],
                created_at=at + timedelta(seconds=2),
                updated_at=at + timedelta(seconds=2),
                solved_at=None
                if conv.solved_after is None
                else at + timedelta(seconds=conv.solved_after),
            )
            .returning(tickets.c.id)
        ).scalar_one()
        db.execute(
            comments.insert().values(
                ticket_id=ticket_id, author="system", public=False, body="transcript",
                created_at=at + timedelta(seconds=2),
            )
        )
        if conv.agent_reply_after is not None:
            for later in (conv.agent_reply_after, conv.agent_reply_after + 600):
                db.execute(
                    comments.insert().values(
                        ticket_id=ticket_id, author="agent", public=True, body="hello",
                        created_at=at + timedelta(seconds=later),
                    )
                )


def escalation(ctx: EscalationContext, conv: Conv, at: datetime) -> Escalation:
    return Escalation(
        conversation_id=conv.sender,
        sequence=ctx.sequence,
        reference=ctx.reference,
        email="shopper@example.com",
        summary="help",
        reason=conv.handoff or "requested",
        intent=None,
        order_number=None,
        verified=conv.verified,
        priority="normal",
        tags=(),
        turns=(),
        created_at=at,
    )


def run_report(url: str, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ANALYTICS_TRACKER_DB_URL": url, "HELPDESK_DATABASE_URL": url}
    return subprocess.run(
        [APP_PYTHON, "-m", "analytics", "report", *args, "--out", str(out)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def report_for(monkeypatch: pytest.MonkeyPatch) -> Callable[..., dict[str, Any]]:
    """Runs `python -m analytics report --from --to --out` in this process (the command's
    own entry point, the settings from the environment) and returns the JSON it wrote."""

    def run(url: str, out: Path, start: str, end: str, **env: str) -> dict[str, Any]:
        monkeypatch.setenv("ANALYTICS_TRACKER_DB_URL", url)
        monkeypatch.setenv("HELPDESK_DATABASE_URL", url)
        monkeypatch.setenv("ANALYTICS_TEST_SENDER_PREFIXES", "test-")
        monkeypatch.setenv("ANALYTICS_COST_PER_TICKET", "4.50")
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        assert main(["report", "--from", start, "--to", end, "--out", str(out)]) == 0
        newest = max(out.glob("*.json"), key=lambda p: p.stat().st_mtime)
        return json.loads(newest.read_text())

    return run


def scenario() -> list[Conv]:
    return [
        Conv(0, "order_status", asked=True, score=5, channel="socketio"),
        Conv(0, "order_status", failures=1, asked=True, score=4, comment="quick"),
        Conv(0, "return", asked=True, language="de"),
        Conv(0, "chitchat", fallbacks=2, handoff="fallback", agent_reply_after=600,
             solved_after=3600),
        Conv(0, "out_of_scope"),
        Conv(1, "order_status", failures=3, handoff="verification_failed",
             agent_reply_after=1800),
        Conv(1, "cancel", asked=True, score=2,
             comment="took ages, call me on +44 7700 900123"),
        Conv(1, "address"),
        Conv(1, "policy", handoff="requested", agent_reply_after=120, solved_after=7200),
        Conv(1, "person_left"),
        Conv(1, "return", abandon=True),
        Conv(1, "refund", language="de", channel="socketio"),
        Conv(2, "policy", asked=True, score=5),
        Conv(2, "chitchat", fallbacks=1),
        Conv(2, "chitchat"),
        Conv(2, "delivery"),
        Conv(2, "return", handoff="complaint"),
        Conv(2, "out_of_scope", score=None),
    ]


def exact_percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def close_to(found: float | None, exact: float) -> bool:
    """Percentiles are reported to within 1% (analytics/durations.py)."""
    return found is not None and abs(found - exact) <= exact * 0.01 + 0.001


def test_known_conversations_give_exact_figures(
    engine: sa.Engine, db_url: str, tmp_path: Path, report_for: Any
) -> None:
    convs = scenario()
    # Noise: the day after the period, and test traffic inside it.
    write(engine, [Conv(3, "policy"), Conv(0, "order_status", sender="test-load-1")])
    write(engine, convs)
    report = report_for(db_url, tmp_path / "out", "2026-03-02", "2026-03-04")

    total = len(convs)
    assert report["outcomes"]["conversations"] == total
    expected: dict[str, Counter[str]] = {}
    for c in convs:
        expected.setdefault(c.outcome[0], Counter())[c.outcome[1]] += 1
    for name in ("resolved", "handed_off", "asked_for_person_left", "unanswered", "abandoned"):
        found = report["outcomes"][name]
        want = expected.get(name, Counter())
        assert found["details"] == dict(want), name
        assert found["count"] == sum(want.values()), name
    assert sum(report["outcomes"][o]["count"] for o in expected) == total  # one each
    assert report["outcomes"]["abandoned_at"] == {
        "start_return": {"order_number": 1},  # left at the verification's first question
        "delivery_options": {"utter_store_unavailable": 1},
    }

    h = report["headline"]
    resolved = sum(1 for c in convs if c.outcome[0] == "resolved")
    handed = sum(1 for c in convs if c.handoff)
    assert h["conversations"]["current"] == total
    assert h["resolution_rate"]["current"] == round(resolved / total, 4)
    asked_left = sum(1 for c in convs if c.outcome[0] == "asked_for_person_left")
    assert h["containment_rate"]["current"] == round((total - handed - asked_left) / total, 4)
    assert h["asked_for_person_left_rate"]["current"] == round(1 / total, 4)

    by_first: dict[str, Counter[str]] = {}
    for c in convs:
        by_first.setdefault(FIRST_INTENT[c.kind], Counter())[c.outcome[0]] += 1
    for intent, counts in by_first.items():
        row = report["by_first_intent"][intent]
        assert row["conversations"] == sum(counts.values())
        assert {o: row[o] for o in counts} == dict(counts), intent

    messages = report["messages"]
    unanswered = sum(c.fallbacks for c in convs) + sum(c.kind == "out_of_scope" for c in convs)
    assert messages["not_understood"] == sum(c.fallbacks for c in convs)
    assert messages["out_of_scope"] == sum(c.kind == "out_of_scope" for c in convs)
    assert messages["form_answers"] == {"order_number": 3}  # the failed attempts' retries
    intents: Counter[str] = Counter()
    for c in convs:
        intents.update(c.intents())
    assert report["top_intents"] == dict(
        sorted(intents.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    )
    shopper_messages = sum(len(c.intents()) + sum(c.form_answers().values()) for c in convs)
    assert messages["shopper_messages"] == shopper_messages
    assert messages["unanswered_rate"] == round(unanswered / messages["shopper_messages"], 4)

    replies = [r for c in convs for r in c.reply_seconds]
    timing = report["timing"]
    assert timing["bot_reply"]["count"] == len(replies)
    assert close_to(timing["bot_reply"]["p50_seconds"], exact_percentile(replies, 0.5))
    assert close_to(timing["bot_reply"]["p95_seconds"], exact_percentile(replies, 0.95))
    waits = [c.agent_reply_after for c in convs if c.agent_reply_after is not None]
    solves = [c.solved_after for c in convs if c.solved_after is not None]
    assert timing["human_reply_wait"]["count"] == len(waits) == 3
    assert close_to(timing["human_reply_wait"]["p50_seconds"], exact_percentile(waits, 0.5))
    assert close_to(timing["solve"]["p95_seconds"], exact_percentile(solves, 0.95))

    value = report["value"]
    sums: dict[str, Decimal] = {}
    for c in convs:
        if c.value:  # a return created before a complaint was still created
            sums[c.value[0]] = sums.get(c.value[0], Decimal(0)) + Decimal(c.value[1])
    for kind, amount in sums.items():
        assert value[kind] == {"GBP": str(amount)}, kind
    assert value["cost_saved"] == str(Decimal("4.50") * resolved)
    assert h["cancelled_value"]["current"] == value["cancelled_before_shipping"]["GBP"]

    languages = Counter(c.language or "not recorded" for c in convs)
    assert {k: v["conversations"] for k, v in report["by_language"].items()} == languages
    channels = Counter(c.channel for c in convs)
    assert {k: v["conversations"] for k, v in report["by_channel"].items()} == channels
    for split, key_of in (("by_language", lambda c: c.language or "not recorded"),
                          ("by_channel", lambda c: c.channel)):
        for key, row in report[split].items():
            mine = [c for c in convs if key_of(c) == key]
            handled = sum((Decimal(c.value[1]) for c in mine if c.value), Decimal(0))
            assert row["value"] == ({"GBP": str(handled)} if handled else {}), (split, key)
            resolved_here = sum(c.outcome[0] == "resolved" for c in mine)
            assert row["cost_saved"] == str(Decimal("4.50") * resolved_here), (split, key)

    for n, day in enumerate(report["daily"]):
        on_day = [c for c in convs if c.day == n]
        assert day["day"] == (DAY0 + timedelta(days=n)).date().isoformat()
        assert day["conversations"] == len(on_day)
        assert day["handed_off"] == sum(1 for c in on_day if c.handoff)
    assert len(report["daily"]) == 3

    reasons = Counter(c.handoff for c in convs if c.handoff)
    assert report["handoffs"]["by_reason"] == dict(reasons)
    assert report["handoffs"]["by_delivery_status"] == {"pending": handed}

    v = report["verification"]
    tried = [c for c in convs if c.kind in TASKS and not c.abandon]
    assert v["attempted"] == len(tried)
    assert v["verified"] == sum(c.verified for c in convs)
    assert v["failed_attempts"] == sum(c.failures for c in convs)
    assert v["locked"] == sum(1 for c in convs if c.failures >= 3)
    for task, count in report["self_service"].items():
        assert count == sum(1 for c in convs if c.settled == task), task

    scores = [c.score for c in convs if c.score]
    csat = report["csat"]
    assert csat["asked"] == sum(c.asked for c in convs)
    assert csat["ratings"] == len(scores)
    assert csat["distribution"] == {str(n): scores.count(n) for n in range(1, 6)}
    assert csat["mean"] == round(sum(scores) / len(scores), 2)
    assert csat["comments"] == sum(1 for c in convs if c.comment)


def test_the_improvement_queue_links_each_item_to_its_conversation(
    engine: sa.Engine, db_url: str, tmp_path: Path, report_for: Any
) -> None:
    convs = scenario()
    write(engine, convs)
    report = report_for(db_url, tmp_path / "out", "2026-03-02", "2026-03-04")
    queue = report["queue"]

    def link(c: Conv) -> str:
        started = DAY0 + timedelta(days=c.day, hours=9)
        [conv] = [x for x in conversations_of(engine, c.sender)]
        assert conv.started_at >= started.timestamp()
        return f"/inbox/conversations/{c.sender}#s{int(conv.started_at)}"

    groups = {g["message"]: g for g in queue["unanswered_messages"]}
    gift = groups["do you sell gift cards"]
    oos = [c for c in convs if c.kind == "out_of_scope"]
    assert gift["count"] == len(oos) and sorted(gift["conversations"]) == sorted(map(link, oos))
    blorp = groups["blorp"]
    assert blorp["count"] == sum(c.fallbacks for c in convs)
    assert blorp["kinds"] == {"not_understood": blorp["count"]}

    low = [c for c in convs if c.score is not None and c.score <= 2]
    assert [(r["score"], r["conversation"]) for r in queue["low_csat"]] == [
        (c.score, link(c)) for c in low
    ]
    assert queue["low_csat"][0]["comment"] == "took ages, call me on [phone]"  # masked

    handed = [c for c in convs if c.handoff]
    assert {h["reason"]: h["count"] for h in queue["handoff_reasons"]} == dict(
        Counter(c.handoff for c in handed)
    )
    for item in queue["handoff_reasons"]:
        assert item["conversations"] == [link(c) for c in handed if c.handoff == item["reason"]]


def conversations_of(engine: sa.Engine, sender: str) -> list[Any]:
    from analytics.conversations import conversations
    from analytics.source import tracker_rows

    return [c for c in conversations(tracker_rows(engine, lo=0, hi=4e9)) if c.sender_id == sender]


def test_change_against_the_previous_period_outlives_the_purge(
    engine: sa.Engine, db_url: str, tmp_path: Path, report_for: Any
) -> None:
    before = [
        Conv(-3, "order_status"),
        Conv(-3, "out_of_scope"),
        Conv(-2, "chitchat", fallbacks=2, handoff="fallback"),
        Conv(-1, "policy"),
    ]
    now = scenario()
    write(engine, before + now)
    first = report_for(db_url, tmp_path / "a", "2026-03-02", "2026-03-04")
    h = first["headline"]
    assert first["previous_period"]["days_from_summary_table"] == 0
    assert h["conversations"]["previous"] == len(before)
    assert h["conversations"]["change"] == round((len(now) - len(before)) / len(before) * 100, 1)
    rate_now = sum(c.outcome[0] == "resolved" for c in now) / len(now)
    rate_before = sum(c.outcome[0] == "resolved" for c in before) / len(before)
    assert h["resolution_rate"]["previous"] == round(rate_before, 4)
    assert h["resolution_rate"]["change"] == round(
        (round(rate_now, 4) - round(rate_before, 4)) * 100, 2
    )

    # Raw conversations of the earlier days are purged; the daily summaries stay.
    from bot.erasure import DataStores, purge

    stores = DataStores(tracker_url=db_url, events_url=None, helpdesk_url=db_url, store_url=None)
    purge(0, stores, now=DAY0)
    with engine.connect() as db:
        oldest = db.execute(sa.text("select min(timestamp) from events")).scalar_one()
        stored = db.execute(sa.text("select count(*) from analytics_daily")).scalar_one()
    assert oldest >= DAY0.timestamp() and stored == 6
    second = report_for(db_url, tmp_path / "b", "2026-03-02", "2026-03-04")
    assert second["previous_period"]["days_from_summary_table"] == 3
    assert second["headline"] == first["headline"]

    # A period reaching into the purged days shows them from the table (a year's trend
    # outlives the raw conversations), and leaves their stored figures as they were.
    table = "select day, figures from analytics_daily where day >= '2026-02-27' order by day"
    with engine.connect() as db:
        kept = db.execute(sa.text(table)).all()
    span = report_for(db_url, tmp_path / "c", "2026-02-27", "2026-03-04")
    assert span["period"]["days_from_summary_table"] == 3
    per_day = Counter(c.day for c in before + now)
    assert [d["conversations"] for d in span["daily"]] == [per_day[n] for n in range(-3, 3)]
    assert span["headline"]["conversations"]["current"] == len(before) + len(now)
    resolved = sum(c.outcome[0] == "resolved" for c in before + now)
    assert span["outcomes"]["resolved"]["count"] == resolved
    with engine.connect() as db:
        assert db.execute(sa.text(table)).all() == kept

    later = report_for(db_url, tmp_path / "d", "2026-03-05", "2026-03-07")
    assert later["headline"]["conversations"]["previous"] == len(now)


def test_purge_first_keeps_the_daily_summaries_of_what_it_deletes(
    tmp_path: Path, report_for: Any
) -> None:
    path = tmp_path / "shopdesk.db"
    url = f"sqlite:///{path}"
    engine = create_db_engine(url)
    migrations.upgrade(engine)
    synthetic.create_tables(engine)
    write(engine, scenario())
    before = report_for(url, tmp_path / "a", "2026-03-02", "2026-03-04")
    with engine.begin() as db:  # as if no report had ever run
        db.execute(sa.text("delete from analytics_daily"))
    # A retention that ends two days after the last conversation's day (in the past).
    days = (datetime.now(UTC).date() - DAY0.date()).days - 4
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ANALYTICS_")},
        "SHOPDESK_PROFILE": "embedded",
        "RASA_TRACKER_DB": str(path),
        "RASA_EVENTS_DB": str(tmp_path / "no-broker.db"),
        "HELPDESK_DATABASE_URL": url,
        "STORE_DATABASE_URL": f"sqlite:///{tmp_path / 'no-store.db'}",
    }
    done = subprocess.run(
        [APP_PYTHON, "-m", "bot", "purge", "--days", str(days)],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "daily summaries of 5 day(s) kept (2026-03-02 to 2026-03-06)" in done.stdout
    with engine.connect() as db:
        assert db.execute(sa.text("select count(*) from events")).scalar_one() == 0
    after = report_for(url, tmp_path / "b", "2026-03-02", "2026-03-04")
    assert after["period"]["days_from_summary_table"] == 3
    for figure in ("headline", "outcomes", "daily", "timing", "by_first_intent", "value"):
        assert after[figure] == before[figure], figure
    engine.dispose()


def test_empty_days_are_zero(
    engine: sa.Engine, db_url: str, tmp_path: Path, report_for: Any
) -> None:
    write(engine, [Conv(0, "policy"), Conv(2, "order_status")])
    report = report_for(db_url, tmp_path / "out", "2026-03-02", "2026-03-04")
    assert [d["conversations"] for d in report["daily"]] == [1, 0, 1]
    page = next((tmp_path / "out").glob("*.html")).read_text()
    marks = ChartParser.parse(page)["conversations_per_day"]
    assert sorted({label for label, _, _ in marks}) == ["2026-03-02", "2026-03-03", "2026-03-04"]
    assert sum(v for label, _, v in marks if label == "2026-03-03") == 0


def test_empty_period(engine: sa.Engine, db_url: str, tmp_path: Path, report_for: Any) -> None:
    write(engine, scenario())
    report = report_for(db_url, tmp_path / "out", "2026-04-01", "2026-04-02")
    assert report["outcomes"]["conversations"] == 0
    assert report["headline"]["resolution_rate"]["current"] is None
    assert report["headline"]["median_turns"]["current"] is None
    assert report["handoffs"]["by_reason"] == {}
    assert report["csat"]["mean"] is None
    assert [d["conversations"] for d in report["daily"]] == [0, 0]
    page = next((tmp_path / "out").glob("*.html")).read_text()
    charts = ChartParser.parse(page)
    assert set(charts) == set(CHARTS)
    assert all(marks == [] for marks in charts.values())  # "No data", never a fake bar
    assert page.count("No data in this period") == len(CHARTS)


# --- the files -------------------------------------------------------------------------


class ChartParser(HTMLParser):
    """Each <svg data-chart=...> and the data-value of the marks inside it."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: dict[str, list[tuple[str, str | None, float]]] = {}
        self.current: str | None = None

    @classmethod
    def parse(cls, page: str) -> dict[str, list[tuple[str, str | None, float]]]:
        parser = cls()
        parser.feed(page)
        return parser.charts

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "svg" and a.get("data-chart"):
            self.current = a["data-chart"]
            self.charts[self.current] = []
        elif self.current and "mark" in (a.get("class") or "").split():
            self.charts[self.current].append(
                (a.get("data-label") or "", a.get("data-series"), float(a["data-value"] or 0))
            )

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self.current = None


def test_html_has_every_chart_with_the_report_figures(
    engine: sa.Engine, db_url: str, tmp_path: Path, report_for: Any
) -> None:
    write(engine, scenario())
    out = tmp_path / "out"
    report = report_for(db_url, out, "2026-03-02", "2026-03-04")
    page = next(out.glob("*.html")).read_text()
    assert "<script" not in page and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )  # self-contained: nothing fetched, nothing run
    charts = ChartParser.parse(page)
    assert set(charts) == set(CHARTS)
    for name, marks in charts.items():
        assert marks, f"chart {name} has no data marks"
    per_day: Counter[str] = Counter()
    for label, _, v in charts["conversations_per_day"]:
        per_day[label] += int(v)
    assert per_day == {d["day"]: d["conversations"] for d in report["daily"]}
    assert [(label, v) for label, _, v in charts["unanswered_message_rate_per_day"]] == [
        (d["day"], d["unanswered_message_rate"]) for d in report["daily"]
    ]
    assert {label: v for label, _, v in charts["handoffs_by_reason"]} == {
        human(k): v for k, v in report["handoffs"]["by_reason"].items()
    }
    assert {label: v for label, _, v in charts["top_intents"]} == {
        human(k): v for k, v in report["top_intents"].items()
    }
    assert {label: v for label, _, v in charts["csat_distribution"]} == {
        k: float(v) for k, v in report["csat"]["distribution"].items()
    }
    assert [v for _, _, v in charts["self_service_outcomes"]] == list(
        report["self_service"].values()
    )
    assert "Disputed a refusal" in page or "refusal_disputed" not in page
    assert "Handed off to a person" in page and "Asked for a person, then left" in page
    for term in ("Resolution rate", "Unanswered message rate", "CSAT"):
        assert term in page


def test_json_and_csv_hold_the_same_figures(
    engine: sa.Engine, db_url: str, tmp_path: Path, report_for: Any
) -> None:
    write(engine, scenario())
    out = tmp_path / "out"
    report = report_for(db_url, out, "2026-03-02", "2026-03-04")
    rows = list(csv.reader(io.StringIO(next(out.glob("*.csv")).read_text())))
    assert rows[0] == ["metric", "key", "value"]
    expected = [[m, k, "" if v is None else str(v)] for m, k, v in csv_rows(report)]
    assert rows[1:] == expected
    by_key = {(m, k): v for m, k, v in rows[1:]}
    assert by_key[("outcomes", "conversations")] == str(report["outcomes"]["conversations"])
    assert by_key[("headline.resolution_rate", "current")] == str(
        report["headline"]["resolution_rate"]["current"]
    )
    assert by_key[("csat", "mean")] == str(report["csat"]["mean"])
    day = report["daily"][1]
    assert by_key[("daily.conversations", day["day"])] == str(day["conversations"])


def test_a_session_that_began_before_the_period_is_not_counted(
    engine: sa.Engine, db_url: str, tmp_path: Path, report_for: Any
) -> None:
    # Starts at 23:50 the day before, its second message falls inside the period.
    late = synthetic.Script("late", clock=(DAY0 - timedelta(minutes=10)).timestamp()).session()
    late.user("where is my order", "order_status", think=0.0)
    late.user("10023", "inform", think=1400.0).listen()
    # Two sessions of one sender are two conversations; a session with no message is none.
    twice = synthetic.Script("twice", clock=(DAY0 + timedelta(hours=8)).timestamp()).session()
    twice.user("hi", "greet").listen().session().user("hi again", "greet").listen().session()
    synthetic.write(engine, [late, twice])
    report = report_for(db_url, tmp_path / "out", "2026-03-02", "2026-03-02")
    assert report["outcomes"]["conversations"] == 2
    assert report["top_intents"] == {"greet": 2}


def test_bad_period_gets_a_plain_message(db_url: str, tmp_path: Path) -> None:
    done = run_report(db_url, tmp_path, "--since", "last week")
    assert done.returncode == 2
    assert "write a number and d, h or w" in done.stderr and "Traceback" not in done.stderr
    done = run_report("sqlite:////nonexistent/dir/x.db", tmp_path, "--since", "7d")
    assert done.returncode == 2 and "no tracker store at /nonexistent/dir/x.db" in done.stderr
    assert "/nonexistent/dir/x.db" in done.stderr and "Traceback" not in done.stderr


# --- the inbox link ------------------------------------------------------------------------


def test_inbox_links_the_latest_report(
    engine: sa.Engine, db_url: str, tmp_path: Path, report_for: Any
) -> None:
    settings = HandoffSettings.from_env({"HELPDESK_DATABASE_URL": db_url})
    services = bootstrap.build_services(settings)
    reports = tmp_path / "reports"
    client = TestClient(create_app(services, report_dir=reports))
    assert "href='/reports/latest'" in client.get("/inbox").text
    missing = client.get("/reports/latest")
    assert missing.status_code == 404 and "make report" in missing.text

    write(engine, scenario())
    report_for(db_url, reports, "2026-03-02", "2026-03-02")
    older = next(reports.glob("*.html"))
    os.utime(older, (1_700_000_000, 1_700_000_000))
    report_for(db_url, reports, "2026-03-02", "2026-03-04")
    served = client.get("/reports/latest")
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/html")
    assert "Conversations that started from 2026-03-02 00:00 to 2026-03-05 00:00" in served.text
    services.engine.dispose()


def test_benchmark_prints_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    from tools.benchmarks.report import main as bench

    # Whether the targets are met depends on the machine: the figures must be printed.
    passed = bench(["--conversations", "300", "--days", "2"]) == 0
    out = capsys.readouterr().out
    assert "generated 300 conversations" in out
    assert "rows/s" in out and "peak RSS" in out and "baseline" in out and "CPU" in out
    assert ("PASS" in out) == passed and ("FAIL" in out) != passed


def ticket_event(engine: sa.Engine, *, conversation_id: str, kind: str, at: datetime) -> None:
    """A line of the handoff service's ticket timeline, written by its own code (what the
    Zendesk sync and the Slack app record for an agent's reply or a solve)."""
    from handoff.chat import record_ticket_event

    with engine.begin() as db:
        record_ticket_event(
            db, conversation_id=conversation_id, helpdesk="zendesk", kind=kind,
            source="zendesk", actor="Sam", at=at,
        )


def test_wait_and_solve_times_from_the_ticket_timeline_of_any_helpdesk(
    engine: sa.Engine, db_url: str, tmp_path: Path, report_for: Any
) -> None:
    zendesk = Conv(0, "chitchat", fallbacks=2, handoff="fallback")  # no built-in ticket
    builtin = Conv(0, "policy", handoff="requested", agent_reply_after=300, solved_after=900)
    write(engine, [zendesk, builtin])
    assert zendesk.escalated_at is not None
    for kind, after in (("agent_reply", 1200), ("agent_reply", 4000), ("solved", 7200)):
        ticket_event(
            engine,
            conversation_id=zendesk.sender,
            kind=kind,
            at=zendesk.escalated_at + timedelta(seconds=after),
        )
    report = report_for(db_url, tmp_path / "out", "2026-03-02", "2026-03-02")
    timing = report["timing"]
    assert timing["human_reply_wait"]["count"] == 2 and timing["solve"]["count"] == 2
    assert close_to(timing["human_reply_wait"]["p95_seconds"], 1200)
    assert close_to(timing["human_reply_wait"]["p50_seconds"], 300)
    assert close_to(timing["solve"]["p95_seconds"], 7200)
