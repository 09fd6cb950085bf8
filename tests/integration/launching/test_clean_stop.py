"""Logs an operator can use: the launcher's app processes (store, action server, handoff)
start and stop on SIGTERM without a single ERROR line or traceback (the action server used to
log a missing endpoints.yml at start and die with BrokenPipe tracebacks when its whole
process group was signalled at once)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bot.stack import APP_PYTHON, Ports, Stack, actions_spec, handoff_spec, store_spec
from tests.support.stack import IDENTITY_SECRET, _base_env, free_port


def test_start_and_sigterm_leave_no_error_in_the_logs(tmp_path: Path) -> None:
    env = {
        "STORE_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
        "HELPDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'handoff.db'}",
        "SHOPDESK_IDENTITY_SECRET": IDENTITY_SECRET,
    }
    for module in ("store", "handoff"):
        subprocess.run([APP_PYTHON, "-m", module, "migrate"], env={**_base_env(), **env},
                       check=True, capture_output=True)
    ports = Ports(rasa=free_port(), actions=free_port(), store=free_port(),
                  helpdesk=free_port())
    stack = Stack(log_dir=tmp_path / "logs")
    try:
        stack.start(store_spec(ports, env=env))
        stack.start(actions_spec(ports, env=env))
        stack.start(handoff_spec(ports, events_db=tmp_path / "events.db", env=env))
        stack.wait_healthy(timeout=120)
    finally:
        stack.stop()
    for log in sorted((tmp_path / "logs").glob("*.log")):
        text = log.read_text()
        assert "Traceback" not in text, f"{log.name}:\n{text}"
        assert not [line for line in text.splitlines() if "ERROR" in line], f"{log.name}:\n{text}"
