"""Benchmark: the KPI report over 100k generated conversations: under 15 s and 150 MiB.

`python -m tools.benchmarks.report [--conversations 100000] [--days 7] [--postgres URL]`
generates realistic conversations (the bot's real flows, as Rasa logs them) into a fresh
SQLite tracker store (and, with --postgres, into a PostgreSQL database that it creates and
drops), plus their escalations in a handoff outbox, then runs `python -m analytics report`
as a separate process and prints rows, seconds, rows/s and the report process's peak RSS,
beside a baseline measured in the same run: streaming the same rows without computing
anything.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from common import paths
from tools.benchmarks.rss import peak_rss_bytes
from tools.benchmarks.synthetic_conversations import Script, create_tables, write

TARGET_SECONDS = 15.0
TARGET_RSS_MIB = 150.0
REASONS = ("requested", "fallback", "verification_failed", "complaint", "refusal_disputed")
LANGUAGES = ("en", "en", "en", "de", "fr", "es")
OUT_OF_SCOPE = (
    "do you sell gift cards",
    "do you sell giftcards?",
    "can i pay with klarna",
    "can I pay with Klarna please",
    "what time do you open",
    "are you hiring",
)
TEST_PREFIX = "test-"  # ANALYTICS_TEST_SENDER_PREFIXES in the run: one in 50 is test traffic


def scenario(n: int, rng: random.Random, start: float) -> Script:
    sender = f"{TEST_PREFIX if n % 50 == 49 else 'bench-'}{n:07d}"
    s = Script(
        sender_id=sender, clock=start, rng=rng, channel=rng.choice(("rest", "socketio"))
    ).session()
    s.slot("language", rng.choice(LANGUAGES))
    kind = rng.random()
    if kind < 0.12:  # greeting, an out-of-scope question, gone
        s.user("hi", "greet").action("utter_greet").bot("utter_greet").listen()
        s.user(rng.choice(OUT_OF_SCOPE), "out_of_scope").action("utter_out_of_scope")
        return s.bot("utter_out_of_scope").listen()
    if kind < 0.14:  # asked for a person, left at the email question
        s.user("talk to a person", "human_agent").action("action_start_handoff")
        s.bot("utter_handoff_start")
        return s.ask("handoff_form", "handoff_email")
    if kind < 0.16:  # started a return, left at the order number
        s.user("I want to return something", "start_return")
        return s.ask("verification_form", "order_number")
    if kind < 0.22:  # not understood twice, then a person
        s.user("asdf qwer", "nlu_fallback").action("action_fallback").bot("utter_fallback_help")
        s.slot("handoff_reason", "fallback").listen()
        return s.handoff("fallback", reference=f"SD-{n:06d}")
    if kind < 0.27:  # three failed verifications, then a person
        s.user("where is my order", "order_status").slot("task", "order_status")
        s.user("10023 nobody@example.com", "inform", order_number="10023")
        s.verify(ok=False, failures=3)
        return s.handoff("verification_failed", reference=f"SD-{n:06d}")
    if kind < 0.62:
        s.user("where is order 10023? jo@example.com", "order_status", order_number="10023")
        s.verify(failures=rng.choice((0, 0, 0, 1))).action("action_order_status")
        s.bot(
            rng.choice(
                ("utter_shipment_in_transit", "utter_shipment_delivered", "utter_order_processing")
            )
        ).listen()
    elif kind < 0.72:
        s.user("I want to return something", "start_return").verify()
        s.action("action_start_return").slot("return_eligible", True).action("return_form")
        s.user("the sweater", "inform").user("too small", "inform").user("yes", "affirm")
        s.action("action_submit_return").bot("utter_return_created", kpi_value="45.00 GBP")
        s.slot("return_rma_number", f"RMA-{n}").listen()
    elif kind < 0.77:
        s.user("cancel my order", "cancel_order").verify().action("action_start_cancellation")
        s.user("yes", "affirm").action("action_submit_cancellation")
        s.bot("utter_order_cancelled_now_refund", kpi_value="104.00 GBP").listen()
    elif kind < 0.80:
        s.user("change my delivery address", "change_shipping_address").verify()
        s.ask("address_form", "address_line1").user("5 Park Row", "rate")
        s.ask("address_form", "address_city").user("Leeds", "out_of_scope")
        s.ask("address_form", "address_postcode").user("LS1 1AA", "inform")
        s.ask("address_form", "address_confirmed").user("yes", "affirm").form_done()
        s.action("action_submit_address_change")
        s.bot("utter_address_changed").listen()
    elif kind < 0.87:
        s.user("where is my refund", "refund_status").verify().action("action_refund_status")
        s.bot("utter_refunds_intro", kpi_value="20.00 GBP").bot("utter_refund_pending").listen()
    else:
        s.user("what is your return policy", "return_policy").action("action_return_policy")
        s.bot("utter_return_policy").listen()
    if rng.random() < 0.08:  # a refusal disputed or a complaint after the answer
        s.user("this is not good enough", "complaint")
        return s.handoff(rng.choice(REASONS[3:]), reference=f"SD-{n:06d}")
    if rng.random() < 0.6:  # thanks or bye: the prompt; about two in three answer it
        s.ask_rating()
        if rng.random() < 0.65:
            s.give_rating(rng.choice((5, 5, 5, 4, 4, 3, 2, 1)))
    else:
        s.user("bye", "goodbye").action("action_wrap_up").bot("utter_goodbye").listen()
    return s


def scripts(count: int, *, start: datetime, days: int, seed: int) -> Iterator[Script]:
    rng = random.Random(seed)
    span = days * 86400 - 3600
    for n in range(count):
        yield scenario(n, rng, start.timestamp() + rng.uniform(0, span))


def write_outbox(url: str, tracker: sa.Engine) -> int:
    """One escalation per handed-off conversation, as action_escalate writes it, and its
    built-in helpdesk ticket: an agent's first reply after 2-120 minutes, three in four
    solved after 1-48 hours; the handoff service's ticket timeline has the same moments."""
    from handoff.db import comments, outbox, ticket_events, tickets
    from handoff.db import metadata as handoff_metadata

    engine = sa.create_engine(url)
    handoff_metadata.create_all(engine)
    query = sa.text(
        "SELECT sender_id, timestamp FROM events WHERE type_name = 'slot' "
        "AND action_name = 'handoff_reference'"
    )
    reasons = sa.text(
        "SELECT sender_id, data FROM events WHERE type_name = 'slot' "
        "AND action_name = 'handoff_reason' ORDER BY id"
    )
    with tracker.connect() as conn:
        reason_of: dict[str, str] = {}
        for sender, data in conn.execute(reasons):
            value = json.loads(data).get("value")
            if value:
                reason_of[sender] = value
        found = list(conn.execute(query))
    rows, ticket_rows, comment_rows, timeline = [], [], [], []
    rng = random.Random(3)
    for number, (sender, timestamp) in enumerate(found, start=1):
        created = datetime.fromtimestamp(timestamp, UTC)
        solved = rng.random() < 0.75
        ticket_rows.append(
            {
                "id": number,
                "external_id": f"shopdesk:{sender}:1",
                "reference": f"SD-{number:06d}",
                "conversation_id": sender,
                "requester_email": "shopper@example.com",
                "subject": "help",
                "status": "solved" if solved else "open",
                "priority": "normal",
                "tags": [],
                "created_at": created,
                "updated_at": created,
                "solved_at": created + timedelta(hours=rng.uniform(1, 48)) if solved else None,
            }
        )
        replied = created + timedelta(seconds=rng.uniform(120, 7200))
        for kind, at in (
            ("escalated", created),
            ("agent_reply", replied),
            *((("solved", ticket_rows[-1]["solved_at"]),) if solved else ()),
        ):
            timeline.append(
                {
                    "conversation_id": sender,
                    "reference": f"SD-{number:06d}",
                    "ticket_id": str(number),
                    "helpdesk": "builtin",
                    "kind": kind,
                    "source": "inbox",
                    "at": at,
                }
            )
        for author, at in (("system", created), ("agent", replied)):
            comment_rows.append(
                {
                    "ticket_id": number,
                    "author": author,
                    "public": author == "agent",
                    "body": "...",
                    "created_at": at,
                }
            )
        rows.append(
            {
                "idempotency_key": f"shopdesk:{sender}:1",
                "conversation_id": sender,
                "kind": "escalation",
                "payload": {
                    "reason": reason_of.get(sender, "requested"),
                    "reference": f"SD-{number:06d}",
                },
                "status": "done",
                "stage": "done",
                "attempts": 1,
                "next_attempt_at": created,
                "created_at": created,
                "updated_at": created,
            }
        )
    with engine.begin() as conn:
        if rows:
            conn.execute(outbox.insert(), rows)
            conn.execute(tickets.insert(), ticket_rows)
            conn.execute(comments.insert(), comment_rows)
            conn.execute(ticket_events.insert(), timeline)
    engine.dispose()
    return len(rows)


def baseline_seconds(url: str) -> tuple[int, float]:
    """Streaming every row of the table through the same driver, computing nothing."""
    engine = sa.create_engine(url)
    started = time.perf_counter()
    count = 0
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=20_000).execute(
            sa.text(
                "SELECT sender_id, type_name, timestamp, intent_name, action_name, data "
                "FROM events ORDER BY sender_id, id"
            )
        )
        for _ in result:
            count += 1
    engine.dispose()
    return count, time.perf_counter() - started


def run_report(
    tracker_url: str, handoff_url: str, out: Path, *, start: str, end: str
) -> tuple[float, float, int]:
    """Seconds, CPU seconds and peak RSS (KiB) of one `python -m analytics report` process
    (CPU time says what the report costs when other work shares the machine)."""
    env = {
        **os.environ,
        "ANALYTICS_TRACKER_DB_URL": tracker_url,
        "HELPDESK_DATABASE_URL": handoff_url,
        "RASA_TELEMETRY_ENABLED": "false",
        "ANALYTICS_TEST_SENDER_PREFIXES": TEST_PREFIX,
    }
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "analytics",
            "report",
            "--from",
            start,
            "--to",
            end,
            "--out",
            str(out),
        ],
        env=env,
        cwd=paths.ROOT,
        stdout=subprocess.DEVNULL,
    )
    peak_kib = 0
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        peak_kib = max(peak_kib, peak_rss_bytes(process.pid) // 1024)  # missed: its last 20 ms
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"the report failed (exit {process.returncode})")
    # ru_maxrss would count this process's own memory: Linux carries the forked copy's peak
    # over exec (measured: 160 MiB for a report whose own peak is 100 MiB).
    return seconds, usage.ru_utime + usage.ru_stime, peak_kib or usage.ru_maxrss


def bench(
    label: str, tracker_url: str, handoff_url: str, *, count: int, days: int, workdir: Path
) -> bool:
    start = (datetime.now(UTC) - timedelta(days=days + 1)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    engine = sa.create_engine(tracker_url)
    create_tables(engine)
    began = time.perf_counter()
    rows = write(engine, scripts(count, start=start, days=days, seed=8))
    escalations = write_outbox(handoff_url, engine)
    generated = time.perf_counter() - began
    engine.dispose()
    print(
        f"[{label}] generated {count} conversations, {rows} event rows, {escalations} "
        f"escalations in {generated:.1f}s"
    )
    base_rows, base_seconds = baseline_seconds(tracker_url)
    seconds, cpu_seconds, peak_kib = run_report(
        tracker_url,
        handoff_url,
        workdir / f"report-{label}",
        start=start.date().isoformat(),
        end=(start + timedelta(days=days - 1)).date().isoformat(),
    )
    print(
        f"[{label}] baseline: streamed {base_rows} rows with no computation in "
        f"{base_seconds:.1f}s ({base_rows / base_seconds:,.0f} rows/s)"
    )
    ok = seconds < TARGET_SECONDS and peak_kib / 1024 < TARGET_RSS_MIB
    print(
        f"[{label}] report:   {rows} rows, {count} conversations in {seconds:.1f}s "
        f"({rows / seconds:,.0f} rows/s; CPU {cpu_seconds:.1f}s), peak RSS "
        f"{peak_kib / 1024:.0f} MiB, "
        f"{seconds / base_seconds:.1f}x the baseline; target < {TARGET_SECONDS:.0f}s and "
        f"< {TARGET_RSS_MIB:.0f} MiB: {'PASS' if ok else 'FAIL'}"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.benchmarks.report")
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument(
        "--postgres", help="admin URL, e.g. postgresql+psycopg://postgres@127.0.0.1/postgres"
    )
    args = parser.parse_args(argv)
    ok = True
    with tempfile.TemporaryDirectory(prefix="shopdesk-bench-") as tmp:
        workdir = Path(tmp)
        ok &= bench(
            "sqlite",
            f"sqlite:///{workdir / 'tracker.db'}",
            f"sqlite:///{workdir / 'handoff.db'}",
            count=args.conversations,
            days=args.days,
            workdir=workdir,
        )
        if args.postgres:
            ok &= _bench_postgres(args.postgres, args, workdir)
    return 0 if ok else 1


def _bench_postgres(admin_url: str, args: argparse.Namespace, workdir: Path) -> bool:
    name = f"shopdesk_bench_{os.getpid()}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        return bench(
            "postgresql", url, url, count=args.conversations, days=args.days, workdir=workdir
        )
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
