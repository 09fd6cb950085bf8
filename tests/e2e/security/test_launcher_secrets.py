"""`python -m bot run` (the embedded profile) keeps its secrets in one private file and never
on a command line: the verification key used to be drawn anew at every start (every shopper
lost their verification on a restart) and the API token was an argument `ps` shows to
every user of the machine."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot import paths
from bot.training import ensure_model
from common.secrets import GENERATED_SECRETS, read_secrets_file
from tests.support.launcher import children_of as _children_of
from tests.support.stack import free_port

pytestmark = pytest.mark.e2e


def start(tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], Path]:
    log = tmp_path / f"launcher-{time.monotonic_ns()}.log"
    with open(log, "wb") as out:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=paths.ROOT, env=env,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    deadline = time.monotonic() + 300
    while "Shopdesk is ready" not in log.read_text(errors="replace"):
        assert launcher.poll() is None, log.read_text(errors="replace")[-3000:]
        assert time.monotonic() < deadline, "not ready after 300 s"
        time.sleep(1)
    return launcher, log


def stop(launcher: subprocess.Popen[bytes]) -> None:
    launcher.send_signal(signal.SIGINT)
    try:
        assert launcher.wait(timeout=60) == 0
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)


def test_secrets_are_kept_privately_across_restarts_and_off_command_lines(
    tmp_path: Path,
) -> None:
    ensure_model(quiet=True)
    secrets_file = tmp_path / "secrets.env"
    env = {
        **{k: v for k, v in os.environ.items() if k not in GENERATED_SECRETS},
        **{name: str(free_port()) for name in ("RASA_PORT", "ACTION_SERVER_PORT", "STORE_PORT",
                                               "HELPDESK_PORT")},
        "STORE_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
        "HELPDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'handoff.db'}",
        "RASA_TRACKER_DB": str(tmp_path / "tracker.db"),
        "RASA_EVENTS_DB": str(tmp_path / "events.db"),
        "SHOPDESK_SECRETS_FILE": str(secrets_file),
        "SHOPDESK_LOG_DIR": str(tmp_path / "log"),
        "PYTHONUNBUFFERED": "1",
    }
    launcher, output = start(tmp_path, env)
    try:
        secrets = read_secrets_file(secrets_file)
        assert set(secrets) == set(GENERATED_SECRETS)
        # The agents' login is generated too, and the launcher says where to find it.
        said = output.read_text(errors="replace")
        assert f"password: HELPDESK_AGENT_PASSWORD in {secrets_file}" in said
        assert secrets["HELPDESK_AGENT_PASSWORD"] not in said
        assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
        children = _children_of(launcher.pid)
        assert len(children) >= 4
        for pid in children | {launcher.pid}:
            try:
                command_line = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue  # exited meanwhile
            for name, value in secrets.items():
                assert value not in command_line, f"{name} on the command line of {pid}"
        for database in ("store.db", "handoff.db", "tracker.db", "events.db"):
            assert stat.S_IMODE((tmp_path / database).stat().st_mode) == 0o600, database
    finally:
        stop(launcher)
    launcher, _ = start(tmp_path, env)  # a restart keeps every secret, so every verification
    try:
        assert read_secrets_file(secrets_file) == secrets
    finally:
        stop(launcher)
