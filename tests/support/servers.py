"""A Redis server and a PostgreSQL server of the test's own, on free ports, that the test may
stop and start again (the machine's shared ones are never touched): for the outage tests.

PostgreSQL's `initdb` refuses to run as root, so as root the cluster is created and run as
the `postgres` system user (Debian's package creates it).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.stack import free_port

POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")
START_TIMEOUT = 60.0


def _binary(name: str, *also: Path) -> str | None:
    for folder in also:
        if (folder / name).exists():
            return str(folder / name)
    return shutil.which(name)


def redis_available() -> bool:
    return _binary("redis-server") is not None


def postgres_available() -> bool:
    return all(_binary(tool, POSTGRES_BIN) is not None for tool in ("initdb", "pg_ctl"))


def _wait_for_port(port: int, *, up: bool) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                listening = True
        except OSError:
            listening = False
        if listening == up:
            return
        time.sleep(0.05)
    raise RuntimeError(f"port {port} not {'open' if up else 'closed'} within {START_TIMEOUT} s")


class OwnRedis:
    """redis-server on a free port, nothing persisted."""

    def __init__(self) -> None:
        self.port = free_port()
        self.workdir = Path(tempfile.mkdtemp(prefix="shopdesk-redis-"))
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> OwnRedis:
        binary = _binary("redis-server")
        assert binary, "redis-server is not installed"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_port(self.port, up=True)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=START_TIMEOUT)
            self.process = None
        _wait_for_port(self.port, up=False)

    def close(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=START_TIMEOUT)
            self.process = None
        shutil.rmtree(self.workdir, ignore_errors=True)


class OwnPostgres:
    """A PostgreSQL cluster in a temporary folder, trust authentication for `postgres`."""

    def __init__(self) -> None:
        self.port = free_port()
        self.workdir = Path(tempfile.mkdtemp(prefix="shopdesk-pg-"))
        self.data = self.workdir / "data"
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.workdir, user.pw_uid, user.pw_gid)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "-E", "UTF8", "--no-sync")

    def _run(self, tool: str, *args: str) -> None:
        binary = _binary(tool, POSTGRES_BIN)
        assert binary, f"{tool} is not installed"
        command = [binary, *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=START_TIMEOUT)

    def start(self) -> OwnPostgres:
        options = (f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.workdir / "log"), "-o",
                  options, "-w", "-t", str(int(START_TIMEOUT)), "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def close(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # not running
        shutil.rmtree(self.workdir, ignore_errors=True)
