"""Getting the report to people: the inbox's date picker and conversation view (through the
real inbox app and real `python -m analytics` subprocesses), email through a local SMTP
server (aiosmtpd, started here), and the handoff service's daily run (its clock injected;
the command it builds run for real)."""

from __future__ import annotations

import email
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from email.message import Message
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi.testclient import TestClient

from analytics.__main__ import main
from handoff import bootstrap, migrations
from handoff.db import create_db_engine
from handoff.report_pages import ReportPages
from handoff.report_schedule import DailyReport, ReportScheduleError, run_daily
from handoff.settings import HandoffSettings
from handoff.web import create_app
from tests.integration.analytics.test_analytics_report import APP_PYTHON, Conv, scenario, write
from tests.support.stack import free_port
from tools.benchmarks import synthetic_conversations as synthetic


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'shopdesk.db'}"
    engine = create_db_engine(url)
    migrations.upgrade(engine)
    synthetic.create_tables(engine)
    engine.dispose()
    yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = create_db_engine(db_url)
    yield engine
    engine.dispose()


def client_for(db_url: str, reports: Path, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> Any:
    monkeypatch.setenv("ANALYTICS_TRACKER_DB_URL", db_url)
    monkeypatch.setenv("HELPDESK_DATABASE_URL", db_url)
    services = bootstrap.build_services(HandoffSettings.from_env({"HELPDESK_DATABASE_URL": db_url}))
    pages = ReportPages.from_env({"REPORT_DIR": str(reports)}).model_copy(
        update={"python": APP_PYTHON}
    )
    app = create_app(services, report_dir=reports, report_pages=pages, **kw)
    return TestClient(app), services


# --- the inbox pages -----------------------------------------------------------------------


def test_date_picker_writes_the_report_once_and_refuses_bad_dates(
    engine: sa.Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(engine, scenario())
    reports = tmp_path / "reports"
    client, services = client_for(db_url, reports, monkeypatch)
    page = client.get("/reports")
    assert page.status_code == 200 and "type='date' name='from'" in page.text

    shown = client.get("/reports/view", params={"from": "2026-03-02", "to": "2026-03-04"})
    assert shown.status_code == 200
    assert "Conversations that started from 2026-03-02 00:00 to 2026-03-05 00:00" in shown.text
    [written] = reports.glob("*.html")
    stamp = written.stat().st_mtime
    again = client.get("/reports/view", params={"from": "2026-03-02", "to": "2026-03-04"})
    assert again.text == shown.text and written.stat().st_mtime == stamp  # a finished period
    assert "2026-03-02 to 2026-03-04" in client.get("/reports").text  # listed as written

    for params in (
        {"from": "2026-03-04", "to": "2026-03-02"},
        {"from": "yesterday", "to": "2026-03-02"},
        {"from": "2025-01-01", "to": "2026-03-02"},
        {"to": "2026-03-02"},
    ):
        refused = client.get("/reports/view", params=params)
        assert refused.status_code == 422, params
        assert "<form" in refused.text and "<script" not in refused.text
    services.engine.dispose()


def test_conversation_view_shows_each_session_masked_with_its_outcome(
    engine: sa.Engine,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    s = synthetic.Script("shopper-1", clock=datetime(2026, 3, 2, 9, tzinfo=UTC).timestamp())
    s.session().user("my card is 4111 1111 1111 1111, mail jo@example.com", "out_of_scope")
    s.action("utter_out_of_scope").bot("utter_out_of_scope", text="Sorry, not here.").listen()
    s.clock += 7200
    s.session().user("where is order 10023", "order_status").verify()
    s.action("action_order_status").bot("utter_shipment_in_transit", text="On its way.")
    synthetic.write(engine, [s, synthetic.Script("someone-else", clock=s.clock).session()])
    client, services = client_for(db_url, tmp_path / "reports", monkeypatch)

    page = client.get("/inbox/conversations/shopper-1")
    assert page.status_code == 200
    text = page.text
    assert "4111 1111 1111 1111" not in text and "jo@example.com" not in text
    assert "[card number ending 1111]" in text and "[email]" in text
    assert "Unanswered: Out of scope" in text
    assert "Resolved by the bot: Order status answered" in text
    assert "On its way." in text
    firsts = [e["timestamp"] for e in s.events if e["event"] == "user"]
    for first in (firsts[0], firsts[1]):
        assert f"id='s{int(first)}'" in text  # the report's links land on the session
    assert client.get("/inbox/conversations/nobody").status_code == 404
    assert client.get("/inbox/conversations/" + "x" * 300).status_code == 404
    assert client.get("/inbox/conversations/a%00b").status_code == 404  # never an argv
    # The same view as data: `python -m analytics conversation --sender ID` prints JSON.
    capsys.readouterr()
    assert main(["conversation", "--sender=shopper-1"]) == 0
    sessions = json.loads(capsys.readouterr().out)
    assert [x["outcome"] for x in sessions] == [
        "Unanswered: Out of scope", "Resolved by the bot: Order status answered"
    ]
    assert "4111 1111" not in json.dumps(sessions)
    assert main(["conversation", "--sender=nobody"]) == 4
    services.engine.dispose()


def test_the_pages_ask_for_the_agents_login(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, services = client_for(
        db_url, tmp_path / "reports", monkeypatch, agent_login=("agent", "x" * 32)
    )
    for path in ("/reports", "/reports/view?from=2026-03-02&to=2026-03-02",
                 "/inbox/conversations/a"):
        assert client.get(path).status_code == 401, path
    assert client.get("/reports", auth=("agent", "x" * 32)).status_code == 200
    services.engine.dispose()


# --- email ---------------------------------------------------------------------------------


class Inbox:
    """aiosmtpd handler keeping what it receives; refuses recipients at refused.example."""

    def __init__(self) -> None:
        self.messages: list[tuple[Envelope, Message]] = []
        self.received = threading.Event()

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.endswith("@refused.example"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.content if isinstance(envelope.content, bytes) else b""
        self.messages.append((envelope, email.message_from_bytes(raw)))
        self.received.set()
        return "250 Message accepted"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_report_is_emailed_through_smtp(
    engine: sa.Engine,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    smtp: tuple[Inbox, int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    inbox, port = smtp
    write(engine, scenario())
    for name, value in {
        "ANALYTICS_TRACKER_DB_URL": db_url,
        "HELPDESK_DATABASE_URL": db_url,
        "REPORT_EMAIL_TO": "boss@shop.example, ops@shop.example",
        "REPORT_EMAIL_FROM": "reports@shop.example",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_STARTTLS": "false",
    }.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "out"
    args = ["report", "--from", "2026-03-02", "--to", "2026-03-04", "--out", str(out), "--email"]
    assert main(args) == 0
    assert inbox.received.wait(timeout=10)
    [(envelope, message)] = inbox.messages
    assert envelope.mail_from == "reports@shop.example"
    assert sorted(envelope.rcpt_tos) == ["boss@shop.example", "ops@shop.example"]
    assert message["Subject"].startswith("Shopdesk KPI report 2026-03-02 00:00 to 2026-03-05")
    parts = {part.get_content_type(): part for part in message.walk()}
    html = parts["text/html"].get_payload(decode=True).decode()
    sent = html.replace("\r\n", "\n").strip()  # SMTP carries CRLF line ends
    assert sent == next(out.glob("*.html")).read_text().strip()
    csv_part = parts["text/csv"]
    assert csv_part.get_filename() == next(out.glob("*.csv")).name
    assert "emailed to boss@shop.example, ops@shop.example" in capsys.readouterr().out

    # A refused recipient is an error that says so; the files are still written.
    monkeypatch.setenv("REPORT_EMAIL_TO", "nobody@refused.example")
    assert main(args) == 3
    assert "refused" in capsys.readouterr().err


def test_email_without_settings_names_them(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {**os.environ, "ANALYTICS_TRACKER_DB_URL": db_url, "HELPDESK_DATABASE_URL": db_url}
    env.pop("REPORT_EMAIL_TO", None)
    done = subprocess.run(
        [APP_PYTHON, "-m", "analytics", "report", "--since", "1d", "--email",
         "--out", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2 and "REPORT_EMAIL_TO" in done.stderr


# --- the daily run -------------------------------------------------------------------------


def test_daily_run_times_and_period_in_the_store_time_zone() -> None:
    daily = DailyReport.from_env(
        {"REPORT_DAILY_AT": "07:00", "BUSINESS_TZ": "Europe/London", "REPORT_DAILY_DAYS": "7"}
    )
    assert daily is not None and daily.at == time(7) and not daily.email
    summer = datetime(2026, 6, 10, 5, 30, tzinfo=UTC)  # 06:30 BST
    assert daily.next_run(summer) == datetime(2026, 6, 10, 6, 0, tzinfo=UTC)
    assert daily.next_run(datetime(2026, 6, 10, 6, 0, tzinfo=UTC)) == datetime(
        2026, 6, 11, 6, 0, tzinfo=UTC
    )
    winter = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert daily.next_run(winter) == datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    assert daily.period(datetime(2026, 6, 10, 6, 0, tzinfo=UTC)) == (
        date(2026, 6, 3),
        date(2026, 6, 9),
    )
    assert DailyReport.from_env({}) is None
    for env, name in (
        ({"REPORT_DAILY_AT": "7am"}, "REPORT_DAILY_AT"),
        ({"REPORT_DAILY_AT": "07:00", "REPORT_DAILY_DAYS": "0"}, "REPORT_DAILY_DAYS"),
        ({"REPORT_DAILY_AT": "07:00", "BUSINESS_TZ": "Nowhere/Else"}, "BUSINESS_TZ"),
    ):
        with pytest.raises(ReportScheduleError, match=name):
            DailyReport.from_env(env)


def test_daily_run_runs_the_report_command_at_its_time(
    engine: sa.Engine, db_url: str, tmp_path: Path
) -> None:
    london = ZoneInfo("Europe/London")
    daily = DailyReport(at=time(7), tz=london, days=3, email=False, python=APP_PYTHON)
    write(engine, [Conv(0, "policy"), Conv(1, "order_status"), Conv(2, "chitchat")])
    # The clock stands at 06:59 on 2026-03-05; waiting moves it to the time waited for.
    clock = [datetime(2026, 3, 5, 6, 59, tzinfo=UTC)]
    stop = threading.Event()
    ran: list[subprocess.CompletedProcess[str]] = []
    waits: list[float] = []
    env = {
        **os.environ,
        "ANALYTICS_TRACKER_DB_URL": db_url,
        "HELPDESK_DATABASE_URL": db_url,
        "REPORT_DIR": str(tmp_path / "daily"),
    }

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        clock[0] += timedelta(seconds=seconds)
        return stop.is_set()

    def run(command: list[str]) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        ran.append(done)
        stop.set()
        return done

    run_daily(daily, stop=stop, clock=lambda: clock[0], run=run, wait=wait)
    assert waits[0] == 60.0  # 06:59 -> 07:00
    [done] = ran
    assert done.returncode == 0, done.stderr
    assert done.args[3:] == ["report", "--from", "2026-03-02", "--to", "2026-03-04"]
    [html] = (tmp_path / "daily").glob("*.html")
    period = "Conversations that started from 2026-03-02 00:00 to 2026-03-05 00:00"
    assert period in html.read_text()
