"""Logs an operator can use: the launcher's processes start and stop on SIGTERM without a
single ERROR line or traceback (the action server used to log a missing endpoints.yml at
start and die with BrokenPipe tracebacks when its whole process group was signalled at
once; Rasa logged a destroyed socket.io task)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bot.stack import (
    APP_PYTHON,
    Ports,
    Stack,
    actions_spec,
    handoff_spec,
    rasa_spec,
    store_spec,
)
from bot.training import ensure_model
from tests.support.polling_client import PollingClient
from tests.support.stack import IDENTITY_SECRET, _base_env, free_port


def test_start_and_sigterm_leave_no_error_in_the_logs(tmp_path: Path) -> None:
    env = {
        "STORE_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
        "HELPDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'handoff.db'}",
        "SHOPDESK_IDENTITY_SECRET": IDENTITY_SECRET,
        # The store and the action server refuse to start without their tokens.
        "STORE_API_TOKEN": "clean-stop-store-token-0123456789abcdef",
        "ACTION_SERVER_TOKEN": "clean-stop-action-token-0123456789abcdef",
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


def test_rasa_stops_on_sigterm_without_an_error_after_a_widget_connected(
    tmp_path: Path,
) -> None:
    """A widget's socket.io session starts python-engineio's ping tasks; Rasa used to log
    "Task was destroyed but it is pending!" as an ERROR at every SIGTERM after that."""
    ports = Ports(rasa=free_port(), actions=free_port(), store=free_port(),
                  helpdesk=free_port())
    stack = Stack(log_dir=tmp_path / "logs")
    try:
        stack.start(rasa_spec(ports, model=ensure_model(quiet=True),
                              tracker_db=tmp_path / "tracker.db",
                              events_db=tmp_path / "events.db",
                              auth_token="clean-stop-rasa-token-0123456789abcdef",
                              env={"ACTION_SERVER_TOKEN": "clean-stop-action-token-01234567"}))
        stack.wait_healthy(timeout=300)
        widget = PollingClient(port=ports.rasa)
        widget.connect(source="127.0.0.1")
        widget.emit("session_request", {"session_id": "clean-stop"}, source="127.0.0.1")
        widget.wait_for("session_confirm", source="127.0.0.1")
    finally:
        stack.stop()
    text = (tmp_path / "logs" / "rasa.log").read_text()
    assert "Traceback" not in text, text
    assert not [line for line in text.splitlines() if " ERROR " in line], text
