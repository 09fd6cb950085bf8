"""The systems the load benchmark measures, started on free loopback ports.

- `bare_rasa`: the bot `rasa init --no-prompt` creates, served by `rasa run` with its
  defaults (in-memory tracker and lock store, no action server): the baseline.
- `shopdesk`: the production profile (tracker store and event broker in PostgreSQL, lock
  store in Redis, store and handoff databases in PostgreSQL) with N Rasa instances and N
  action servers behind HAProxy (`bot.lb`'s configuration), the store and the handoff
  process. Its databases are created for the run and dropped afterwards.

Processes are started through the launcher's own specs (`bot.stack`), so the benchmark
measures what a store runs.
"""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot import paths
from bot.profiles import Profile, rasa_events_url
from bot.stack import APP_PYTHON, ClusterPorts, Scale, ServiceSpec, Stack, start_cluster
from bot.training import ensure_model, rasa_env

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
BARE_BOT_DIR = paths.VAR / "bench" / "rasa-init"
RASA_API_TOKEN = "bench-" + uuid.uuid4().hex


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class System:
    """A running system: where shoppers send messages, and its processes (for RSS)."""

    name: str
    urls: list[str]
    stack: Stack


def bare_bot(directory: Path = BARE_BOT_DIR) -> Path:
    """The `rasa init --no-prompt` project, trained; created once and kept in var/bench."""
    models = directory / "models"
    if not any(models.glob("*.tar.gz")):
        directory.mkdir(parents=True, exist_ok=True)
        print(f"creating and training the bare `rasa init` bot in {directory} ...", flush=True)
        subprocess.run(
            [str(paths.RASA_PYTHON), "-m", "rasa", "init", "--no-prompt",
             "--init-dir", str(directory)],
            cwd=directory,
            env=rasa_env(training=True),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return max(models.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)


@contextmanager
def bare_rasa(workdir: Path) -> Iterator[System]:
    model = bare_bot()
    port = free_port()
    spec = ServiceSpec(
        name="bare-rasa",
        # Rasa's own command line: the baseline runs without Shopdesk's patches.
        command=[str(paths.RASA_PYTHON), "-m", "rasa", "run", "--enable-api",
                 "--interface", "127.0.0.1", "--port", str(port), "--model", str(model)],
        health_url=f"http://127.0.0.1:{port}/status",
        env=rasa_env(),
    )
    with Stack(log_dir=workdir / "logs-bare") as stack:
        stack.start(spec)
        stack.wait_healthy()
        yield System("bare rasa init", [f"http://127.0.0.1:{port}"], stack)


def _postgres_databases(prefix: str) -> dict[str, str]:
    import psycopg

    names = {k: f"{prefix}_{k}" for k in ("store", "handoff", "rasa", "events")}
    with psycopg.connect(**PG, dbname="postgres", autocommit=True) as conn:
        for name in names.values():
            conn.execute(f'CREATE DATABASE "{name}"')
    return names


def _drop_databases(names: dict[str, str]) -> None:
    import psycopg

    with psycopg.connect(**PG, dbname="postgres", autocommit=True) as conn:
        for name in names.values():
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def production_env(names: dict[str, str]) -> dict[str, str]:
    pg = f"postgresql+psycopg://postgres@{PG['host']}:{PG['port']}"
    return {
        "SHOPDESK_PROFILE": "production",
        "RASA_API_TOKEN": RASA_API_TOKEN,
        "ACTION_SERVER_TOKEN": "bench-action-token-" + uuid.uuid4().hex,
        "STORE_API_TOKEN": "bench-store-token-" + uuid.uuid4().hex,
        "SHOPDESK_VERIFICATION_SECRET": "bench-verification-secret-" + uuid.uuid4().hex,
        "SHOPDESK_IDENTITY_SECRET": "bench-identity-secret-" + uuid.uuid4().hex,
        "HELPDESK_AGENT_PASSWORD": "bench-agent-password-" + uuid.uuid4().hex,
        "STORE_DATABASE_URL": f"{pg}/{names['store']}",
        "HELPDESK_DATABASE_URL": f"{pg}/{names['handoff']}",
        "RASA_DB_HOST": PG["host"],
        "RASA_DB_PORT": str(PG["port"]),
        "RASA_DB_NAME": names["rasa"],
        "RASA_EVENTS_DB_NAME": names["events"],
        "RASA_DB_USER": PG["user"],
        "REDIS_HOST": "127.0.0.1",
        "REDIS_DB": "7",
        # Shoppers' conversations are not logged per message at INFO under load.
        "LOG_LEVEL": "WARNING",
    }


@contextmanager
def shopdesk(workdir: Path, *, instances: int, model: Path | None = None) -> Iterator[System]:
    """The production profile with `instances` Rasa servers and as many action servers
    (`model`: the trained model to serve, by default the one for the current inputs)."""
    model = model or ensure_model(quiet=True)
    names = _postgres_databases(f"shopdesk_bench_{uuid.uuid4().hex[:8]}")
    try:
        env = production_env(names)
        profile = Profile.from_env({**os.environ, **env})
        env = {**env, **profile.env}
        base = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", **env}
        for module, command in (("store", "migrate"), ("store", "seed"), ("handoff", "migrate")):
            subprocess.run([APP_PYTHON, "-m", module, command], env=base, check=True,
                           capture_output=True)
        # The launcher's own production cluster (bot.stack.start_cluster): the same specs,
        # balancer configuration and start-up order a store runs.
        scale = Scale(rasa_instances=instances, action_servers=instances, outbox_workers=1)
        with start_cluster(
            ClusterPorts.allocate(scale, free_port),
            model=model,
            endpoints=profile.endpoints,
            auth_token=profile.rasa_auth_token,
            env=env,
            handoff_env={"HANDOFF_RASA_EVENTS_URL": rasa_events_url(env)},
            log_dir=workdir / f"logs-{instances}",
        ) as cluster:
            yield System(f"shopdesk x{instances}", [cluster.url], cluster.stack)
    finally:
        _drop_databases(names)
