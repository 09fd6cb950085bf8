"""The real entry point: `python -m handoff migrate | serve | deliver-once` as processes,
including a worker killed in the middle of creating a ticket."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa

from handoff.db import now_utc, outbox
from handoff.outbox import DONE
from tests.fakes.server import Fault
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[3]


def handoff_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("ZENDESK_", "SLACK_", "HANDOFF_"))
    }
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        HELPDESK_DATABASE_URL=database_url,
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


def test_worker_killed_mid_delivery_and_restarted_creates_no_duplicate(
    database_url, store, escalate, fake_zendesk
):
    escalate(store)
    env = handoff_env(
        database_url,
        ZENDESK_SUBDOMAIN="127",
        ZENDESK_DOMAIN=f"0.0.1:{fake_zendesk.port}",
        ZENDESK_EMAIL="bot@example.com",
        ZENDESK_TOKEN="zd-token",
        ZENPY_FORCE_SCHEME="http",
        HANDOFF_LEASE_SECONDS="1",
    )
    # Zendesk creates the ticket, then the response never comes: the worker is killed while
    # waiting for it.
    fake_zendesk.add_fault(
        Fault(
            method="POST",
            path_contains="/tickets.json",
            stall_after_handling=20,
            times=1,
        )
    )
    first = subprocess.Popen([sys.executable, "-m", "handoff", "deliver-once"], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 20
        while not fake_zendesk.tickets and time.monotonic() < deadline:
            time.sleep(0.05)
        assert fake_zendesk.tickets, "the first worker never created the ticket"
    finally:
        first.kill()
        first.wait()
    # The dead worker's lease runs out: as if its time had passed.
    with store.engine.begin() as db:
        db.execute(sa.update(outbox).values(locked_until=now_utc() - timedelta(seconds=1)))

    second = subprocess.run(
        [sys.executable, "-m", "handoff", "deliver-once"],
        check=False,
        cwd=ROOT,
        env=env,
        timeout=60,
        capture_output=True,
        text=True,
    )
    assert second.returncode == 0, second.stderr
    assert len(fake_zendesk.tickets) == 1
    assert len(fake_zendesk.calls("POST", "/api/v2/tickets.json")) == 1
    (row,) = store.rows()
    assert row.status == DONE and row.ticket_id == str(next(iter(fake_zendesk.tickets)))


def test_migrate_then_serve_health_and_inbox(database_url, tmp_path):
    port = free_port()
    env = handoff_env(
        database_url,
        HELPDESK_PORT=str(port),
        HANDOFF_RASA_EVENTS_URL=f"sqlite:///{tmp_path}/ev.db",
    )
    migrate = subprocess.run(
        [sys.executable, "-m", "handoff", "migrate"],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert migrate.returncode == 0, migrate.stderr
    serve = subprocess.Popen([sys.executable, "-m", "handoff", "serve"], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 30
        health = None
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).json()
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert health is not None and health["status"] == "ok" and health["helpdesk"] == "builtin"
        assert "No tickets yet" in httpx.get(f"http://127.0.0.1:{port}/inbox", timeout=5).text
    finally:
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=30) == 0


def test_bad_configuration_names_the_setting(tmp_path):
    env = handoff_env(f"sqlite:///{tmp_path}/x.db", ZENDESK_SUBDOMAIN="acme")
    result = subprocess.run(
        [sys.executable, "-m", "handoff", "migrate"],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "ZENDESK_EMAIL" in result.stderr and "ZENDESK_TOKEN" in result.stderr
