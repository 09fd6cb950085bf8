"""The production profile end to end: conversations in PostgreSQL, locks in Redis, Rasa's
HTTP API behind a token, store and handoff databases in PostgreSQL.

Needs the PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) this machine kind runs; in
CI their absence is a failure, elsewhere a skip.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.conftest import require_service
from tests.support.stack import ShopdeskStack, start_stack, texts

pytestmark = pytest.mark.e2e

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
TOKEN = "e2e-rasa-api-token-" + uuid.uuid4().hex


def _postgres_up() -> bool:
    try:
        with psycopg.connect(**PG, dbname="postgres", connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def _redis(command: str) -> str:
    """One inline Redis command over a plain socket (no client library needed)."""
    with socket.create_connection(("127.0.0.1", 6379), timeout=3) as conn:
        conn.sendall(command.encode() + b"\r\n")
        chunks = b""
        while True:
            chunk = conn.recv(65536)
            chunks += chunk
            if not chunk or chunks.endswith(b"\r\n") and len(chunk) < 65536:
                break
        return chunks.decode(errors="replace")


def _redis_up() -> bool:
    try:
        return "PONG" in _redis("PING")
    except OSError:
        return False


def _redis_commands() -> int:
    stats = _redis("INFO commandstats")
    total = 0
    for line in stats.splitlines():
        if line.startswith("cmdstat_"):
            calls = line.split("calls=")[1].split(",")[0]
            total += int(calls)
    return total


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ShopdeskStack, str]]:
    require_service(_postgres_up(), "PostgreSQL on 127.0.0.1:5432")
    require_service(_redis_up(), "Redis on 127.0.0.1:6379")
    prefix = f"shopdesk_prod_{uuid.uuid4().hex[:8]}"
    names = {k: f"{prefix}_{k}" for k in ("store", "handoff", "rasa", "events")}
    with psycopg.connect(**PG, dbname="postgres", autocommit=True) as conn:
        for name in names.values():
            conn.execute(f'CREATE DATABASE "{name}"')
    workdir: Path = tmp_path_factory.mktemp("production")
    env = {
        "SHOPDESK_PROFILE": "production",
        "RASA_API_TOKEN": TOKEN,
        "SHOPDESK_VERIFICATION_SECRET": "e2e-production-verification-secret-0123456789",
        "SHOPDESK_IDENTITY_SECRET": "e2e-production-identity-secret-0123456789abc",
        "STORE_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{names['store']}",
        "HELPDESK_DATABASE_URL":
            f"postgresql+psycopg://postgres@127.0.0.1:5432/{names['handoff']}",
        "RASA_DB_HOST": "127.0.0.1",
        "RASA_DB_NAME": names["rasa"],
        "RASA_EVENTS_DB_NAME": names["events"],
        "RASA_DB_USER": "postgres",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_DB": "3",
    }
    running = start_stack(workdir, extra_env=env)
    try:
        yield running, names["rasa"]
    finally:
        running.stack.stop()
        with psycopg.connect(**PG, dbname="postgres", autocommit=True) as conn:
            for name in names.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_conversation_is_stored_in_postgresql_and_locked_in_redis(production) -> None:
    stack, rasa_db = production
    me = f"prod-{uuid.uuid4().hex[:10]}"
    redis_before = _redis_commands()

    reply = texts(stack.say(me, "where is order 10023? it's jo@example.com"))

    assert "UPS" in reply
    with psycopg.connect(**PG, dbname=rasa_db) as conn:
        rows = conn.execute(
            "SELECT count(*) FROM events WHERE sender_id = %s", (me,)
        ).fetchone()
    assert rows is not None and rows[0] > 0
    assert _redis_commands() > redis_before  # the lock store took and released a lock


def test_rasa_http_api_requires_the_token(production) -> None:
    stack, _ = production
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{stack.rasa_url}/status", timeout=10)
    assert refused.value.code == 401
    with urllib.request.urlopen(f"{stack.rasa_url}/status?token={TOKEN}", timeout=10) as ok:
        assert ok.status == 200
