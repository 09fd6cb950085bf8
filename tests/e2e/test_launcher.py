"""`python -m bot run` (what `make run` calls): starts everything, says where to talk to the
assistant once all processes are healthy, and Ctrl-C stops every process it started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot import paths
from bot.stack import is_healthy
from bot.training import ensure_model
from tests.support.launcher import alive as _alive
from tests.support.launcher import children_of as _children_of
from tests.support.launcher import embedded_env, start_launcher, wait_for, wait_until_ready
from tests.support.stack import free_port

pytestmark = pytest.mark.e2e


def test_run_prints_ready_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    ensure_model(quiet=True)
    ports = {name: free_port() for name in ("RASA_PORT", "ACTION_SERVER_PORT", "STORE_PORT",
                                            "HELPDESK_PORT")}
    log = tmp_path / "launcher.log"
    launcher = start_launcher(embedded_env(tmp_path, ports), log)
    try:
        wait_until_ready(launcher, log)
        children = _children_of(launcher.pid)
        assert len(children) >= 4
        for port in ports.values():
            assert is_healthy_port(port), f"port {port} does not answer"
        with urllib.request.urlopen(
            f"http://127.0.0.1:{ports['STORE_PORT']}/", timeout=10
        ) as page:
            assert b"shopdesk-widget.js" in page.read()

        launcher.send_signal(signal.SIGINT)  # what Ctrl-C sends
        assert launcher.wait(timeout=60) == 0
        wait_for(lambda: not any(_alive(pid) for pid in children), "every child has exited",
                 timeout=15)
        assert "all Shopdesk processes stopped" in log.read_text(errors="replace")
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)


def is_healthy_port(port: int) -> bool:
    return any(
        is_healthy(f"http://127.0.0.1:{port}{path}") for path in ("/health", "/status", "/")
    )


def test_shopify_backend_without_a_shop_runs_on_the_demo_shopify(tmp_path: Path) -> None:
    """`SHOPDESK_STORE_BACKEND=shopify make run` with no SHOPIFY_SHOP: the demo Shopify is
    started, checked, and answers the conversations."""
    ensure_model(quiet=True)
    ports = {name: free_port() for name in ("RASA_PORT", "ACTION_SERVER_PORT", "STORE_PORT",
                                            "HELPDESK_PORT", "SHOPIFY_DEMO_PORT")}
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SHOPIFY_")},
        **{name: str(port) for name, port in ports.items()},
        "SHOPDESK_STORE_BACKEND": "shopify",
        "STORE_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
        "HELPDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'handoff.db'}",
        "RASA_TRACKER_DB": str(tmp_path / "tracker.db"),
        "RASA_EVENTS_DB": str(tmp_path / "events.db"),
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "launcher.log"
    with open(log, "wb") as out:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=paths.ROOT, env=env,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 300
        while "Shopdesk is ready" not in log.read_text(errors="replace"):
            assert launcher.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "not ready after 300 s"
            time.sleep(1)
        printed = log.read_text(errors="replace")
        assert "starting the demo Shopify" in printed
        assert "store backend shopify: ok" in printed
        assert is_healthy(f"http://127.0.0.1:{ports['SHOPIFY_DEMO_PORT']}/health")
        request = urllib.request.Request(
            f"http://127.0.0.1:{ports['RASA_PORT']}/webhooks/rest/webhook",
            data=b'{"sender": "launcher-shopify", "message": '
                 b'"where is order #10023? it\'s jo@example.com"}',
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            replies = response.read().decode()
        assert "1Z999AA10123456784" in replies
        children = _children_of(launcher.pid)
        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(timeout=60) == 0
        gone_by = time.monotonic() + 15  # wait for the exits, bounded
        while any(_alive(pid) for pid in children) and time.monotonic() < gone_by:
            time.sleep(0.1)
        assert [pid for pid in children if _alive(pid)] == []
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)
