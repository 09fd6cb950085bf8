"""Starts, health-checks and stops Shopdesk's processes.

Used by `python -m bot run` (what `make run` calls) and by the end-to-end tests, so the
tests exercise exactly the processes a store runs. Each process gets its own process group
so that stopping the stack stops everything it started, children included.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from bot import paths
from bot.training import rasa_env

APP_PYTHON = sys.executable
HEALTH_TIMEOUT_SECONDS = 180.0
STOP_GRACE_SECONDS = 10.0


@dataclass(frozen=True)
class Ports:
    rasa: int = 5005
    actions: int = 5055
    store: int = 8100
    helpdesk: int = 8200

    @classmethod
    def from_env(cls) -> Ports:
        def port(name: str, default: int) -> int:
            raw = os.environ.get(name, "").strip()
            if not raw:
                return default
            if not raw.isdigit() or not 0 < int(raw) < 65536:
                raise SystemExit(f"{name} must be a port number (1-65535), got {raw!r}")
            return int(raw)

        return cls(
            rasa=port("RASA_PORT", cls.rasa),
            actions=port("ACTION_SERVER_PORT", cls.actions),
            store=port("STORE_PORT", cls.store),
            helpdesk=port("HELPDESK_PORT", cls.helpdesk),
        )


@dataclass
class ServiceSpec:
    name: str
    command: list[str]
    health_url: str
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Running:
    spec: ServiceSpec
    process: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes]


class StackError(RuntimeError):
    """A process failed to start or became unhealthy; the message says which and why."""


class Stack:
    """A set of processes started together and stopped together."""

    def __init__(self, *, log_dir: Path = paths.LOGS) -> None:
        self.log_dir = log_dir
        self.running: list[Running] = []

    def start(self, spec: ServiceSpec) -> Running:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{spec.name}.log"
        log_file = open(log_path, "ab")
        env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", **spec.env}
        process = subprocess.Popen(
            spec.command,
            cwd=paths.ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        running = Running(spec=spec, process=process, log_path=log_path, log_file=log_file)
        self.running.append(running)
        return running

    def wait_healthy(self, *, timeout: float = HEALTH_TIMEOUT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        pending = list(self.running)
        while pending:
            for item in list(pending):
                code = item.process.poll()
                if code is not None:
                    raise StackError(
                        f"{item.spec.name} exited with code {code} while starting; "
                        f"see {item.log_path}\n{tail(item.log_path)}"
                    )
                if is_healthy(item.spec.health_url):
                    pending.remove(item)
            if not pending:
                return
            if time.monotonic() > deadline:
                names = ", ".join(i.spec.name for i in pending)
                raise StackError(f"not healthy after {timeout:.0f} s: {names}")
            time.sleep(0.5)

    def first_exited(self) -> Running | None:
        return next((r for r in self.running if r.process.poll() is not None), None)

    def stop(self) -> None:
        """Stops every process (SIGTERM to its group, then SIGKILL after a grace period)."""
        for item in reversed(self.running):
            _signal_group(item.process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for item in reversed(self.running):
            remaining = max(0.1, deadline - time.monotonic())
            try:
                item.process.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                _signal_group(item.process, signal.SIGKILL)
                item.process.wait(timeout=5)
            # Children the service may have spawned (e.g. Sanic workers) share its group.
            _signal_group(item.process, signal.SIGKILL)
            item.log_file.close()
        self.running.clear()

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM if the launcher dies without cleaning up (e.g. SIGKILL)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def is_healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- the services ------------------------------------------------------------------------


def store_spec(ports: Ports, *, env: dict[str, str] | None = None) -> ServiceSpec:
    return ServiceSpec(
        name="store",
        command=[APP_PYTHON, "-m", "store", "serve", "--port", str(ports.store)],
        health_url=f"http://127.0.0.1:{ports.store}/health",
        env={
            "STORE_PORT": str(ports.store),
            # Where shoppers' browsers reach Rasa's socket.io channel (the widget).
            "SHOPDESK_WIDGET_SERVER_URL": f"http://127.0.0.1:{ports.rasa}",
            **(env or {}),
        },
    )


def actions_spec(ports: Ports, *, env: dict[str, str] | None = None) -> ServiceSpec:
    return ServiceSpec(
        name="actions",
        command=[APP_PYTHON, "-m", "actions", "--port", str(ports.actions)],
        health_url=f"http://127.0.0.1:{ports.actions}/health",
        env={
            "STORE_URL": f"http://127.0.0.1:{ports.store}",
            "HELPDESK_PORT": str(ports.helpdesk),
            "SANIC_HOST": "127.0.0.1",
            **(env or {}),
        },
    )


def handoff_spec(
    ports: Ports,
    *,
    events_db: Path | None = None,
    env: dict[str, str] | None = None,
) -> ServiceSpec:
    """Delivery workers (tickets, alerts), follow-ups after handoff, and the agent inbox."""
    events_db = events_db or _var_file("RASA_EVENTS_DB", "rasa-events.db")
    return ServiceSpec(
        name="handoff",
        command=[APP_PYTHON, "-m", "handoff", "serve"],
        health_url=f"http://127.0.0.1:{ports.helpdesk}/health",
        env={
            "HELPDESK_PORT": str(ports.helpdesk),
            "RASA_URL": f"http://127.0.0.1:{ports.rasa}",
            "HANDOFF_RASA_EVENTS_URL": f"sqlite:///{events_db}",
            **(env or {}),
        },
    )


def rasa_spec(
    ports: Ports,
    *,
    model: Path,
    endpoints: Path = paths.ROOT / "bot" / "endpoints.yml",
    tracker_db: Path | None = None,
    events_db: Path | None = None,
    auth_token: str | None = None,
    env: dict[str, str] | None = None,
) -> ServiceSpec:
    command = [
        str(paths.RASA_BIN), "run",
        "--enable-api",
        "--cors", "*",
        "--interface", "127.0.0.1",
        "--port", str(ports.rasa),
        "--model", str(model),
        "--credentials", str(paths.ROOT / "bot" / "credentials.yml"),
        "--endpoints", str(endpoints),
    ]
    health = f"http://127.0.0.1:{ports.rasa}/status"
    if auth_token:
        command += ["--auth-token", auth_token]
        health += f"?token={auth_token}"
    return ServiceSpec(
        name="rasa",
        command=command,
        health_url=health,
        env={
            **rasa_env(),
            "ACTION_SERVER_URL": f"http://127.0.0.1:{ports.actions}/webhook",
            "RASA_TRACKER_DB": str(tracker_db or _var_file("RASA_TRACKER_DB", "tracker.db")),
            "RASA_EVENTS_DB": str(events_db or _var_file("RASA_EVENTS_DB", "rasa-events.db")),
            **(env or {}),
        },
    )


def _var_file(variable: str, default_name: str) -> Path:
    """A local state file: where the environment says, else in var/."""
    return Path(os.environ.get(variable) or paths.VAR / default_name)
