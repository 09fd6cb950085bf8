"""`python -m bot wait-migrated` (bot/migrations_check.py), the init container that keeps
Kubernetes' application pods from starting before the migrate Job has finished: on fresh
PostgreSQL databases everything is pending, after the store's and the handoff's migrations
only Rasa's tables are, and an unreachable database is pending rather than an error."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from bot import migrations_check
from bot.stack import APP_PYTHON
from tests.conftest import require_service
from tests.support.cluster import PG, postgres_up
from tests.support.stack import _base_env, free_port

KINDS = ("store", "handoff", "rasa", "events")


@pytest.fixture
def env() -> Iterator[dict[str, str]]:
    require_service(postgres_up(), "PostgreSQL on 127.0.0.1:5432")
    prefix = f"sd_wait_{uuid.uuid4().hex[:8]}"
    names = {kind: f"{prefix}_{kind}" for kind in KINDS}
    with psycopg.connect(**PG, dbname="postgres", autocommit=True) as conn:
        for name in names.values():
            conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:{PG['port']}"
    yield {
        "STORE_DATABASE_URL": f"{url}/{names['store']}",
        "HELPDESK_DATABASE_URL": f"{url}/{names['handoff']}",
        "RASA_DB_HOST": "127.0.0.1",
        "RASA_DB_PORT": str(PG["port"]),
        "RASA_DB_USER": "postgres",
        "RASA_DB_NAME": names["rasa"],
        "RASA_EVENTS_DB_NAME": names["events"],
    }
    with psycopg.connect(**PG, dbname="postgres", autocommit=True) as conn:
        for name in names.values():
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_pending_until_each_database_is_migrated(env: dict[str, str]) -> None:
    checks = migrations_check.checks(env)
    assert migrations_check.pending(checks) == [
        "store", "handoff", "rasa tracker store", "rasa event broker"
    ]
    for module in ("store", "handoff"):
        subprocess.run([APP_PYTHON, "-m", module, "migrate"], env={**_base_env(), **env},
                       check=True, capture_output=True)
    assert migrations_check.pending(checks) == ["rasa tracker store", "rasa event broker"]


def test_an_unreachable_database_is_waited_for_until_the_timeout(env: dict[str, str]) -> None:
    closed = free_port()
    env = {**env, "RASA_DB_PORT": str(closed),
           "STORE_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{closed}/x"}
    now, lines = [0.0], []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    done = migrations_check.wait(migrations_check.checks(env), timeout=5, interval=2,
                                 clock=lambda: now[0], sleep=sleep, log=lines.append)
    assert done is False
    assert lines[-1].startswith("still not migrated after 5 s: store, handoff, rasa tracker")


def test_a_missing_setting_is_named() -> None:
    result = subprocess.run([APP_PYTHON, "-m", "bot", "wait-migrated", "--timeout", "0"],
                            env={k: v for k, v in _base_env().items()
                                 if not k.startswith(("RASA_DB", "STORE_DATABASE"))},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "is not set" in result.stderr
