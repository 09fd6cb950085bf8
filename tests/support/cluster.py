"""The production profile scaled out, for fault tests and benchmarks: fresh PostgreSQL
databases and a Redis database index of its own, N Rasa instances and M action servers
behind HAProxy, K outbox workers, started and supervised by the launcher's own code:
`bot.stack.start_cluster` (what `python -m bot run` starts in the production profile) and
`bot.supervisor.Supervisor.run` (what it then runs: restarts with backoff), here on a
thread of the test process instead of the launcher's main thread.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from bot.profiles import Profile, rasa_events_url
from bot.stack import APP_PYTHON, Cluster, ClusterPorts, Scale, start_cluster
from bot.supervisor import RestartPolicy, Supervisor
from bot.training import ensure_model
from tests.support.stack import _base_env, free_port

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
REDIS = ("127.0.0.1", 6379)


def postgres_up() -> bool:
    try:
        with psycopg.connect(**PG, dbname="postgres", connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def redis_command(*args: str, db: int | None = None, port: int = REDIS[1]) -> bytes:
    """One Redis command in RESP over a plain socket (no client library in this env)."""

    def encode(parts: tuple[str, ...]) -> bytes:
        out = f"*{len(parts)}\r\n".encode()
        for part in parts:
            raw = part.encode()
            out += b"$%d\r\n%s\r\n" % (len(raw), raw)
        return out

    with socket.create_connection((REDIS[0], port), timeout=3) as conn:
        payload = (encode(("SELECT", str(db))) if db is not None else b"") + encode(args)
        conn.sendall(payload)
        conn.settimeout(3)
        data = b""
        wanted = 2 if db is not None else 1
        while data.count(b"\r\n") < wanted:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def redis_up() -> bool:
    try:
        return b"PONG" in redis_command("PING")
    except OSError:
        return False


@dataclass
class ProductionCluster:
    cluster: Cluster
    databases: dict[str, str]  # store, handoff, rasa, events -> database name
    token: str
    env: dict[str, str]
    supervisor: Supervisor
    supervisor_log: list[str]
    pg: dict[str, Any]  # where its PostgreSQL is (psycopg.connect arguments)

    @property
    def url(self) -> str:
        return self.cluster.url

    def post(
        self,
        base_url: str,
        sender: str,
        text: str,
        *,
        timeout: float = 60,
        metadata: dict[str, Any] | None = None,
    ) -> tuple[int, Any]:
        """One shopper message over the REST channel: (HTTP status, decoded body)."""
        status, body, _headers = self.exchange(
            base_url, sender, text, timeout=timeout, metadata=metadata
        )
        return status, body

    def exchange(
        self,
        base_url: str,
        sender: str,
        text: str,
        *,
        timeout: float = 60,
        metadata: dict[str, Any] | None = None,
    ) -> tuple[int, Any, dict[str, str]]:
        """One shopper message: (HTTP status, decoded body, response headers with names in
        lower case)."""
        payload: dict[str, Any] = {"sender": sender, "message": text}
        if metadata is not None:
            payload["metadata"] = metadata
        request = urllib.request.Request(
            f"{base_url}/webhooks/rest/webhook",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return (response.status, json.loads(response.read() or b"null"),
                        _lower(response.headers.items()))
        except urllib.error.HTTPError as exc:
            body = exc.read()
            try:
                return exc.code, json.loads(body or b"null"), _lower(exc.headers.items())
            except ValueError:
                return exc.code, body.decode(errors="replace"), _lower(exc.headers.items())

    def user_texts(self, sender: str) -> list[str]:
        """The shopper's messages in the tracker store (Rasa's `events` table), in order."""
        return [e["text"] for e in self.events(sender) if e.get("event") == "user"]

    def events(self, sender: str) -> list[dict[str, Any]]:
        with psycopg.connect(**self.pg, dbname=self.databases["rasa"]) as conn:
            rows = conn.execute(
                "SELECT data FROM events WHERE sender_id = %s ORDER BY id", (sender,)
            ).fetchall()
        return [json.loads(row[0]) for row in rows]


def _lower(headers: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in headers}


@contextmanager
def production_cluster(
    workdir: Path,
    *,
    scale: Scale,
    redis_db: int,
    extra_env: dict[str, str] | None = None,
    handoff_env: dict[str, str] | None = None,
    ports: ClusterPorts | None = None,
    pg_port: int = PG["port"],
    redis_port: int = REDIS[1],
) -> Iterator[ProductionCluster]:
    """Creates the databases, migrates and seeds them, starts the cluster; drops them after.

    PostgreSQL and Redis are the machine's unless `pg_port` / `redis_port` name servers of
    the test's own (tests/support/servers.py). The Redis database is shared with any
    parallel run using the same index: every key the cluster writes there is per
    conversation (fresh ids), so nothing is flushed."""
    pg_at = {**PG, "port": pg_port}
    prefix = f"shopdesk_{uuid.uuid4().hex[:10]}"
    names = {k: f"{prefix}_{k}" for k in ("store", "handoff", "rasa", "events")}
    token = "cluster-token-" + uuid.uuid4().hex
    with psycopg.connect(**pg_at, dbname="postgres", autocommit=True) as conn:
        for name in names.values():
            conn.execute(f'CREATE DATABASE "{name}"')
    pg = f"postgresql+psycopg://postgres@127.0.0.1:{pg_port}"
    settings = {
        "SHOPDESK_PROFILE": "production",
        "RASA_API_TOKEN": token,
        "ACTION_SERVER_TOKEN": "cluster-action-token-" + uuid.uuid4().hex,
        "STORE_API_TOKEN": "cluster-store-token-" + uuid.uuid4().hex,
        "SHOPDESK_VERIFICATION_SECRET": "cluster-verification-secret-0123456789abcdef",
        "SHOPDESK_IDENTITY_SECRET": "cluster-identity-secret-0123456789abcdef",
        "HELPDESK_AGENT_PASSWORD": "cluster-agent-password-0123456789abcdef",
        "STORE_DATABASE_URL": f"{pg}/{names['store']}",
        "HELPDESK_DATABASE_URL": f"{pg}/{names['handoff']}",
        "RASA_DB_HOST": "127.0.0.1",
        "RASA_DB_PORT": str(pg_port),
        "RASA_DB_NAME": names["rasa"],
        "RASA_EVENTS_DB_NAME": names["events"],
        "RASA_DB_USER": "postgres",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": str(redis_port),
        "REDIS_DB": str(redis_db),
        "HANDOFF_POLL_SECONDS": "0.2",
        **(extra_env or {}),
    }
    try:
        profile = Profile.from_env({**_base_env(), **settings})
        env = {**settings, **profile.env}
        for module, command in (("store", "migrate"), ("store", "seed"), ("handoff", "migrate")):
            subprocess.run(
                [APP_PYTHON, "-m", module, command],
                env={**_base_env(), **env},
                check=True,
                capture_output=True,
            )
        ports = ports or ClusterPorts.allocate(scale, free_port)
        with start_cluster(
            ports,
            model=ensure_model(quiet=True),
            endpoints=profile.endpoints,
            auth_token=profile.rasa_auth_token,
            env=env,
            handoff_env={
                "HANDOFF_RASA_EVENTS_URL": rasa_events_url(env),
                **(handoff_env or {}),
            },
            log_dir=workdir / "logs",
        ) as cluster:
            log: list[str] = []
            supervisor = Supervisor(
                cluster.stack, policy=RestartPolicy.from_env(env), log=log.append
            )
            stop = threading.Event()
            watcher = threading.Thread(target=supervisor.run, args=(stop,), daemon=True)
            watcher.start()
            try:
                yield ProductionCluster(
                    cluster=cluster, databases=names, token=token, env=env,
                    supervisor=supervisor, supervisor_log=log, pg=pg_at,
                )
            finally:
                stop.set()
                watcher.join(timeout=30)
    finally:
        try:
            with psycopg.connect(**pg_at, dbname="postgres", autocommit=True) as conn:
                for name in names.values():
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except psycopg.OperationalError:
            pass  # a server of the test's own, stopped: its folder goes with it
