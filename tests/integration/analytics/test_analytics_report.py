"""The KPI report against real databases: conversations written into a tracker store the way
Rasa writes them (SQLite and PostgreSQL), escalations through the real outbox code, the
report run through its command line. Expected figures are computed here from the scenario.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from statistics import median
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from analytics.__main__ import main
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
    "conversations_per_day",
    "containment_rate_per_day",
    "handoffs_by_reason",
    "fallback_rate_per_day",
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


@dataclass
class Conv:
    """One conversation to write, and what it must count for."""

    day: int
    kind: str  # order_status | return | cancel | address | policy | chitchat
    handoff: str | None = None  # reason
    fallbacks: int = 0
    failures: int = 0  # failed verification attempts before success (or lock at 3)
    score: int | None = None
    asked: bool = False
    comment: str | None = None
    sender: str = field(default_factory=lambda: f"conv-{uuid.uuid4().hex[:10]}")

    @property
    def verified(self) -> bool:
        return self.kind in ("order_status", "return", "cancel", "address") and self.failures < 3

    @property
    def outcome(self) -> str | None:
        if not self.verified and self.kind != "policy":
            return None
        return {
            "order_status": "order_status_answered",
            "return": "return_created",
            "cancel": "order_cancelled",
            "address": "address_changed",
            "policy": "policy_answered",
        }.get(self.kind)

    def intents(self) -> list[str]:
        first = {
            "order_status": "order_status",
            "return": "start_return",
            "cancel": "cancel_order",
            "address": "change_shipping_address",
            "policy": "return_policy",
            "chitchat": "greet",
        }[self.kind]
        result = [first] + ["nlu_fallback"] * self.fallbacks
        if self.kind in ("order_status", "return", "cancel", "address"):
            result += ["inform"] * min(self.failures, 2)
        if self.kind == "return":
            result.append("affirm")
        if self.handoff:
            return [*result, "human_agent"]
        if self.asked:
            result += ["thanks"] + (["rate"] if self.score else [])
        return result


def script(conv: Conv, *, start: float) -> synthetic.Script:
    s = synthetic.Script(sender_id=conv.sender, clock=start, rng=random.Random(1)).session()
    first = conv.intents()[0]
    s.user("...", first)
    for _ in range(conv.fallbacks):
        s.user("blorp", "nlu_fallback").action("action_fallback").bot("utter_fallback_help")
        s.listen()
    if conv.kind in ("order_status", "return", "cancel", "address"):
        s.verify(ok=conv.failures < 3, failures=conv.failures)
        if conv.verified:
            if conv.kind == "return":
                s.action("action_start_return").user("yes", "affirm")
                s.action("action_submit_return")
            s.bot(
                {
                    "order_status": "utter_shipment_in_transit",
                    "return": "utter_return_created",
                    "cancel": "utter_order_cancelled_now",
                    "address": "utter_address_changed",
                }[conv.kind]
            ).listen()
    elif conv.kind == "policy":
        s.action("action_return_policy").bot("utter_return_policy").listen()
    else:
        s.action("utter_greet").bot("utter_greet").listen()
    if conv.handoff:
        s.handoff(conv.handoff)
    elif conv.asked:
        if conv.score:
            s.rate(conv.score, conv.comment)
        else:
            s.user("thanks", "thanks").action("action_wrap_up").bot("utter_ask_csat")
            s.slot("csat_asked", True).listen()
    return s


def write(engine: sa.Engine, convs: list[Conv]) -> None:
    scripts = []
    outbox = OutboxStore(engine)
    for n, conv in enumerate(convs):
        start = DAY0 + timedelta(days=conv.day, hours=9, minutes=n)
        s = script(conv, start=start.timestamp())
        scripts.append(s)
        if conv.handoff:
            escalated = datetime.fromtimestamp(s.clock, UTC)
            outbox.record_escalation(
                conversation_id=conv.sender,
                email="shopper@example.com",
                build=lambda ctx, c=conv, at=escalated: escalation(ctx, c, at),
                now=escalated,
            )
    synthetic.write(engine, scripts)


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
def report_for(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, Path, str, str], dict[str, Any]]:
    """Runs `python -m analytics report --from --to --out` in this process (the command's
    own entry point, the settings from the environment) and returns the JSON it wrote."""

    def run(url: str, out: Path, start: str, end: str) -> dict[str, Any]:
        monkeypatch.setenv("ANALYTICS_TRACKER_DB_URL", url)
        monkeypatch.setenv("HELPDESK_DATABASE_URL", url)
        assert main(["report", "--from", start, "--to", end, "--out", str(out)]) == 0
        newest = max(out.glob("*.json"), key=lambda p: p.stat().st_mtime)
        return json.loads(newest.read_text())

    return run


SCENARIO = [
    Conv(0, "order_status", asked=True, score=5),
    Conv(0, "order_status", failures=1, asked=True, score=4, comment="quick"),
    Conv(0, "return", asked=True),
    Conv(0, "chitchat", fallbacks=2, handoff="fallback"),
    Conv(1, "order_status", failures=3, handoff="verification_failed"),
    Conv(1, "cancel", asked=True, score=2),
    Conv(1, "address"),
    Conv(1, "policy", handoff="requested"),
    Conv(2, "policy", asked=True, score=5),
    Conv(2, "chitchat", fallbacks=1),
    Conv(2, "return", handoff="complaint"),
]


def test_known_conversations_give_exact_figures(
    engine: sa.Engine, db_url: str, tmp_path: Path, report_for: Any
) -> None:
    # Noise outside the period: the day before and the day after.
    write(engine, [Conv(-1, "order_status", handoff="complaint"), Conv(3, "policy")])
    write(engine, SCENARIO)
    report = report_for(db_url, tmp_path / "out", "2026-03-02", "2026-03-04")

    convs = SCENARIO
    handed = [c for c in convs if c.handoff]
    resolved = [c for c in convs if c.outcome and not c.handoff]
    turns = [len(c.intents()) for c in convs]
    messages = sum(turns)
    fallbacks = sum(c.fallbacks for c in convs)
    s = report["summary"]
    assert s["conversations"] == len(convs) == 11
    assert s["handed_off"] == len(handed)
    assert s["containment_rate"] == round((len(convs) - len(handed)) / len(convs), 4)
    assert s["resolved_by_bot"] == len(resolved)
    assert s["bot_resolution_rate"] == round(len(resolved) / len(convs), 4)
    assert s["user_messages"] == messages
    assert s["fallback_rate"] == round(fallbacks / messages, 4)
    assert s["median_turns"] == median(turns)

    for n, day in enumerate(report["daily"]):
        on_day = [c for c in convs if c.day == n]
        assert day["day"] == (DAY0 + timedelta(days=n)).date().isoformat()
        assert day["conversations"] == len(on_day)
        assert day["handed_off"] == sum(1 for c in on_day if c.handoff)
        kept = sum(1 for c in on_day if not c.handoff)
        assert day["containment_rate"] == round(kept / len(on_day), 4)
    assert len(report["daily"]) == 3

    reasons: dict[str, int] = {}
    for c in handed:
        reasons[c.handoff or ""] = reasons.get(c.handoff or "", 0) + 1
    assert report["handoffs"]["by_reason"] == reasons
    assert report["handoffs"]["by_reason_in_conversations"] == reasons
    assert report["handoffs"]["by_delivery_status"] == {"pending": len(handed)}

    intents: dict[str, int] = {}
    for c in convs:
        for i in c.intents():
            intents[i] = intents.get(i, 0) + 1
    assert report["top_intents"] == dict(
        sorted(intents.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    )

    v = report["verification"]
    tried = [c for c in convs if c.kind in ("order_status", "return", "cancel", "address")]
    assert v["attempted"] == len(tried)
    assert v["verified"] == sum(c.verified for c in convs)
    assert v["failed_attempts"] == sum(c.failures for c in convs)
    assert v["locked"] == sum(1 for c in convs if c.failures >= 3)

    for outcome, counts in report["self_service"].items():
        assert counts["count"] == sum(1 for c in convs if c.outcome == outcome), outcome

    scores = [c.score for c in convs if c.score]
    csat = report["csat"]
    assert csat["asked"] == sum(c.asked for c in convs)
    assert csat["ratings"] == len(scores)
    assert csat["distribution"] == {str(n): scores.count(n) for n in range(1, 6)}
    assert csat["mean"] == round(sum(scores) / len(scores), 2)
    assert csat["csat"] == round(sum(x >= 4 for x in scores) / len(scores), 4)
    assert csat["comments"] == sum(1 for c in convs if c.comment)


def test_empty_period(engine: sa.Engine, db_url: str, tmp_path: Path, report_for: Any) -> None:
    write(engine, SCENARIO)
    report = report_for(db_url, tmp_path / "out", "2026-04-01", "2026-04-02")
    assert report["summary"]["conversations"] == 0
    assert report["summary"]["containment_rate"] is None
    assert report["summary"]["median_turns"] is None
    assert report["handoffs"]["by_reason"] == {}
    assert report["csat"]["mean"] is None
    assert [d["conversations"] for d in report["daily"]] == [0, 0]
    page = next((tmp_path / "out").glob("*.html")).read_text()
    charts = ChartParser.parse(page)
    assert set(charts) == set(CHARTS)
    assert all(marks == [] for marks in charts.values())  # "No data", never a fake bar
    assert page.count("No data in this period") == len(CHARTS)


def test_period_with_only_handoffs(
    engine: sa.Engine, db_url: str, tmp_path: Path, report_for: Any
) -> None:
    convs = [
        Conv(0, "chitchat", fallbacks=2, handoff="fallback"),
        Conv(0, "order_status", handoff="complaint"),
        Conv(1, "order_status", failures=3, handoff="verification_failed"),
        Conv(1, "policy", handoff="complaint"),
    ]
    write(engine, convs)
    report = report_for(db_url, tmp_path / "out", "2026-03-02", "2026-03-03")
    s = report["summary"]
    assert s["conversations"] == s["handed_off"] == 4
    assert s["containment_rate"] == 0.0 and s["handoff_rate"] == 1.0
    assert s["resolved_by_bot"] == 0 and s["median_seconds_to_resolution"] is None
    assert report["handoffs"]["by_reason"] == {
        "complaint": 2,
        "fallback": 1,
        "verification_failed": 1,
    }
    assert [d["containment_rate"] for d in report["daily"]] == [0.0, 0.0]


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
    write(engine, SCENARIO)
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
    assert [(label, v) for label, _, v in charts["conversations_per_day"]] == [
        (d["day"], d["conversations"]) for d in report["daily"]
    ]
    containment = [
        (label, v)
        for label, series, v in charts["containment_rate_per_day"]
        if series == "Containment"
    ]
    assert containment == [(d["day"], d["containment_rate"]) for d in report["daily"]]
    assert {label: v for label, _, v in charts["handoffs_by_reason"]} == report["handoffs"][
        "by_reason"
    ]
    assert {label: v for label, _, v in charts["top_intents"]} == report["top_intents"]
    assert {label: v for label, _, v in charts["csat_distribution"]} == {
        k: float(v) for k, v in report["csat"]["distribution"].items()
    }
    assert [v for _, _, v in charts["self_service_outcomes"]] == [
        c["count"] for c in report["self_service"].values()
    ]
    for term in ("Containment rate (deflection)", "Handoff (escalation) rate", "CSAT"):
        assert term in page


def test_json_and_csv_hold_the_same_figures(
    engine: sa.Engine, db_url: str, tmp_path: Path, report_for: Any
) -> None:
    write(engine, SCENARIO)
    out = tmp_path / "out"
    report = report_for(db_url, out, "2026-03-02", "2026-03-04")
    rows = list(csv.reader(io.StringIO(next(out.glob("*.csv")).read_text())))
    assert rows[0] == ["metric", "key", "value"]
    expected = [[m, k, "" if v is None else str(v)] for m, k, v in csv_rows(report)]
    assert rows[1:] == expected
    by_key = {(m, k): v for m, k, v in rows[1:]}
    assert by_key[("summary", "conversations")] == str(report["summary"]["conversations"])
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
    assert report["summary"]["conversations"] == 2
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

    write(engine, SCENARIO)
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

    assert bench(["--conversations", "300", "--days", "2"]) == 0
    out = capsys.readouterr().out
    assert "generated 300 conversations" in out
    assert "rows/s" in out and "peak RSS" in out and "baseline" in out and "PASS" in out
