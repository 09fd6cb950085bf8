"""Migrations match the models; the CLI migrates, seeds idempotently and serves."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from store.db import make_engine
from store.migrate import downgrade, upgrade
from store.models import metadata
from store.seed import CUSTOMERS, DEMO_ORDERS, seed
from store.service import Context, lookup_order
from store.settings import REPO_ROOT
from tests.support.ports import free_port

if TYPE_CHECKING:
    from conftest import LiveStore


def test_migrations_match_the_models(live_store: LiveStore) -> None:
    with live_store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_downgrade_and_upgrade_again_keep_the_data(tmp_path: Path) -> None:
    engine = make_engine(make_url(f"sqlite:///{tmp_path / 'm.db'}"))
    upgrade(engine)
    seed(engine, today=date(2026, 1, 15))
    # Table rebuilds on SQLite must survive foreign keys pointing at the rebuilt table.
    downgrade(engine, "0001")
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM order_lines")) > 0
        assert conn.scalar(text("SELECT status FROM orders WHERE order_number = '10012'")) == (
            "returned"
        )
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    engine.dispose()


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # Run from another directory (repo only on PYTHONPATH): no alembic.ini, no cwd tricks.
    return subprocess.run(
        [sys.executable, "-m", "store", *args],
        env={**env, "PYTHONPATH": str(REPO_ROOT)},
        cwd="/",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _snapshot(live_store: LiveStore) -> list[dict[str, Any]]:
    ctx = Context(policy=live_store.settings.policy, public_base_url="http://x")
    snapshot = []
    for spec in DEMO_ORDERS:
        email = next(c[1] for c in CUSTOMERS if c[0] == spec.customer_id)
        snapshot.append(
            lookup_order(
                live_store.engine, ctx, order_number=spec.number, email=email, postcode=None
            )
        )
    return snapshot


def test_seeding_twice_gives_the_same_data(live_store: LiveStore) -> None:
    live_store.reseed()
    before = _snapshot(live_store)
    live_store.reseed()
    assert _snapshot(live_store) == before


def test_cli_rejects_bad_config() -> None:
    result = _cli("seed", env={**os.environ, "STORE_PORT": "eighty"})
    assert result.returncode == 2
    assert "STORE_PORT" in result.stderr


TOKEN = "store-cli-test-api-token-0123456789abcdef"


def test_serve_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    env = {**os.environ, "STORE_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"}
    env.pop("STORE_API_TOKEN", None)
    result = _cli("serve", env=env)
    assert result.returncode == 2 and "STORE_API_TOKEN is required" in result.stderr


def test_cli_migrate_seed_serve(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "STORE_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "RASA_TELEMETRY_ENABLED": "false",
        "STORE_API_TOKEN": TOKEN,
    }
    for command in ("migrate", "migrate", "seed"):
        result = _cli(command, env=env)
        assert result.returncode == 0, result.stderr
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "store", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        assert response.json() == {"status": "ok"}
        order = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/orders/lookup",
            json={"order_number": "10023", "email": "jo@example.com"},
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=5,
        ).json()
        assert order["shipments"][0]["tracking_number"] == "1Z999AA10123456784"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
