"""The production profile end to end through the real launcher (`SHOPDESK_PROFILE=production
python -m bot run`, what `make run-production` calls): two Rasa instances and two action
servers behind HAProxy, two outbox workers, conversations in PostgreSQL, locks in Redis,
Rasa's HTTP API behind a token, store and handoff databases in PostgreSQL; Ctrl-C stops
every process it started.

Needs PostgreSQL (127.0.0.1:5432), Redis (127.0.0.1:6379) and HAProxy (`make lb`); in CI
their absence is a failure, elsewhere a skip.
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot import lb, paths
from tests.conftest import require_service
from tests.support.cluster import PG, postgres_up, redis_command, redis_up
from tests.support.launcher import (
    alive,
    children_of,
    command_line,
    start_launcher,
    wait_for,
    wait_until_ready,
)
from tests.support.ports import free_block
from tests.support.rest_client import RetryingClient
from tests.support.stack import texts

pytestmark = pytest.mark.e2e

TOKEN = "e2e-rasa-api-token-" + uuid.uuid4().hex
AGENT_PASSWORD = "e2e-agent-password-" + uuid.uuid4().hex
REDIS_DB = 3
KEPT_NAME = "Ivy Changed-Before-Start"


def _haproxy_installed() -> bool:
    try:
        lb.haproxy_binary()
        return True
    except lb.BalancerMissing:
        return False


@dataclass
class Launched:
    process: subprocess.Popen[bytes]
    log: Path
    rasa_url: str
    rasa_db: str
    inbox_url: str
    store_db: str

    def say(self, sender: str, text: str) -> list[dict[str, Any]]:
        request = urllib.request.Request(
            f"{self.rasa_url}/webhooks/rest/webhook",
            data=json.dumps({"sender": sender, "message": text}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Launched]:
    require_service(postgres_up(), "PostgreSQL on 127.0.0.1:5432")
    require_service(redis_up(), "Redis on 127.0.0.1:6379")
    require_service(_haproxy_installed(), "HAProxy (make lb)")
    prefix = f"shopdesk_prod_{uuid.uuid4().hex[:8]}"
    names = {k: f"{prefix}_{k}" for k in ("store", "handoff", "rasa", "events")}
    with psycopg.connect(**PG, dbname="postgres", autocommit=True) as conn:
        for name in names.values():
            conn.execute(f'CREATE DATABASE "{name}"')
    workdir: Path = tmp_path_factory.mktemp("production")
    rasa_port, actions_port, other = free_block(3), free_block(3), free_block(3)
    pg = "postgresql+psycopg://postgres@127.0.0.1:5432"
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "RASA_TELEMETRY_ENABLED": "false",
        "SHOPDESK_PROFILE": "production",
        "RASA_PORT": str(rasa_port),
        "ACTION_SERVER_PORT": str(actions_port),
        "STORE_PORT": str(other),
        "HELPDESK_PORT": str(other + 1),  # and other + 2: the second outbox worker
        "RASA_INSTANCES": "2",
        "ACTION_SERVERS": "2",
        "OUTBOX_WORKERS": "2",
        "RASA_API_TOKEN": TOKEN,
        "ACTION_SERVER_TOKEN": "e2e-production-action-token-0123456789abcdef",
        "STORE_API_TOKEN": "e2e-production-store-token-0123456789abcdef",
        "SHOPDESK_VERIFICATION_SECRET": "e2e-production-verification-secret-0123456789",
        "SHOPDESK_IDENTITY_SECRET": "e2e-production-identity-secret-0123456789abc",
        "HELPDESK_AGENT_PASSWORD": AGENT_PASSWORD,
        "STORE_DATABASE_URL": f"{pg}/{names['store']}",
        "HELPDESK_DATABASE_URL": f"{pg}/{names['handoff']}",
        "RASA_DB_HOST": "127.0.0.1",
        "RASA_DB_NAME": names["rasa"],
        "RASA_EVENTS_DB_NAME": names["events"],
        "RASA_DB_USER": "postgres",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_DB": str(REDIS_DB),
    }
    # The production profile loads no data itself: the demo orders, once, as the README says.
    subprocess.run([sys.executable, "-m", "bot", "prepare"], cwd=paths.ROOT, env=env,
                   check=True, capture_output=True, timeout=300)
    with psycopg.connect(**PG, dbname=names["store"]) as conn:  # the store's own change
        conn.execute("UPDATE customers SET name = %s WHERE email = 'ivy@example.com'",
                     (KEPT_NAME,))
    log = workdir / "launcher.log"
    launcher = start_launcher(env, log)
    try:
        wait_until_ready(launcher, log)
        yield Launched(launcher, log, f"http://127.0.0.1:{rasa_port}", names["rasa"],
                       f"http://127.0.0.1:{other + 1}/inbox", names["store"])
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)
        with psycopg.connect(**PG, dbname="postgres", autocommit=True) as conn:
            for name in names.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_conversations_go_through_the_balancer_to_postgresql_locked_in_redis(
    production: Launched,
) -> None:
    senders = [f"prod-{uuid.uuid4().hex[:10]}" for _ in range(4)]
    # Another instance holds the first conversation's lock for 3 more seconds (a ticket in
    # Rasa's format): the message must wait for it, which only a Redis lock store does.
    held = {"conversation_id": senders[0],
            "tickets": [json.dumps({"number": 0, "expires": time.time() + 3})]}
    redis_command("SET", f"lock:{senders[0]}", json.dumps(held), db=REDIS_DB)
    for me in senders:
        started = time.monotonic()
        assert "UPS" in texts(production.say(me, "where is order 10023? it's jo@example.com"))
        if me == senders[0]:
            assert time.monotonic() - started >= 2.0, "the held lock was not respected"
    with psycopg.connect(**PG, dbname=production.rasa_db) as conn:
        for me in senders:
            users = conn.execute(
                "SELECT count(*) FROM events WHERE sender_id = %s AND type_name = 'user'", (me,)
            ).fetchone()
            assert users == (1,), me
    # Each lock is deleted when its turn ends.
    for me in senders:
        assert redis_command("EXISTS", f"lock:{me}", db=REDIS_DB).endswith(b":0\r\n")


def test_the_launcher_loads_and_resets_no_data(production: Launched) -> None:
    """Unlike the embedded profile, a start leaves the store's database as it was."""
    with psycopg.connect(**PG, dbname=production.store_db) as conn:
        (name,) = conn.execute(
            "SELECT name FROM customers WHERE email = 'ivy@example.com'"
        ).fetchone()
    assert name == KEPT_NAME


def test_rasa_http_api_requires_the_token(production: Launched) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{production.rasa_url}/status", timeout=10)
    assert refused.value.code == 401
    with urllib.request.urlopen(f"{production.rasa_url}/status?token={TOKEN}", timeout=10) as ok:
        assert ok.status == 200


def test_the_agent_inbox_requires_the_agents_login(production: Launched) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(production.inbox_url, timeout=10)
    assert refused.value.code == 401
    login = base64.b64encode(b"agent:" + AGENT_PASSWORD.encode()).decode()
    request = urllib.request.Request(production.inbox_url,
                                     headers={"Authorization": f"Basic {login}"})
    with urllib.request.urlopen(request, timeout=10) as ok:
        assert ok.status == 200 and "Inbox" in ok.read().decode()


def _balancer_ready(production: Launched) -> bool:
    try:
        with urllib.request.urlopen(f"{production.rasa_url}/lb-ready", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def test_a_killed_rasa_instance_is_restarted_while_the_other_serves(
    production: Launched,
) -> None:
    """SIGKILL of one Rasa instance (as the OOM killer would) under the launcher users run:
    the other instance answers meanwhile, the launcher's supervisor starts the killed one
    again, the balancer takes it back, and nothing else is stopped or restarted."""
    def printed() -> str:
        return production.log.read_text(errors="replace")

    before = {pid for pid in children_of(production.process.pid) if alive(pid)}
    rasa = sorted(pid for pid in before if "bot.rasa_server" in command_line(pid))
    assert len(rasa) == 2, rasa
    os.kill(rasa[0], signal.SIGKILL)
    # Until its memory is unmapped the dying process still holds its socket, and the kernel
    # accepts connections that are then reset (a 502, which the client retries).
    wait_for(lambda: not alive(rasa[0]), "the killed instance is gone", timeout=30)
    # Shoppers' clients send each message with an id and resend it on the balancer's
    # retryable 502/503 (the widget does; the README tells REST clients to): a connection
    # the balancer had already sent to the dead instance is answered that way, never by
    # silence, and the resent message is answered once by the live instance.
    client = RetryingClient(urllib.parse.urlsplit(production.rasa_url).port or 80)
    for n in range(4):
        assert "UPS" in texts(client.say(f"prod-kill-{n}-{uuid.uuid4().hex[:8]}",
                                         "where is order 10023? it's jo@example.com"))
    assert client.bare_closes == 0, client.errors
    wait_for(lambda: re.search(r"rasa-\d restarted \(restart 1\)", printed()) is not None,
             "the launcher restarts the killed instance")
    wait_for(lambda: _balancer_ready(production), "the balancer has both instances again")
    assert production.process.poll() is None
    assert re.search(r"rasa-\d exited with code -9; restarting in 0.5 s", printed())
    assert printed().count(" restarted (restart ") == 1  # only the killed one
    after = {pid for pid in children_of(production.process.pid) if alive(pid)}
    assert before - after == {rasa[0]}  # every other process kept running
    assert "UPS" in texts(production.say(f"prod-back-{uuid.uuid4().hex[:8]}",
                                         "where is order 10023? it's jo@example.com"))


def test_ctrl_c_stops_every_process_of_the_profile(production: Launched) -> None:
    wait_for(lambda: _balancer_ready(production), "every instance is serving")
    children = children_of(production.process.pid)
    commands = " ".join(" ".join(command_line(pid)) for pid in children if alive(pid))
    assert commands.count("-m bot.rasa_server") == 2  # `rasa run`, token from the environment
    assert commands.count("-m actions") == 2
    assert commands.count("-m handoff serve") == 2
    assert "haproxy" in commands and "-m store serve" in commands
    production.process.send_signal(signal.SIGINT)
    assert production.process.wait(timeout=60) == 0
    wait_for(lambda: not any(alive(pid) for pid in children), "every child has exited",
             timeout=15)
    assert "all Shopdesk processes stopped" in production.log.read_text(errors="replace")
