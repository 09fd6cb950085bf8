"""Log output of the real processes is masked: the action server (including the Sanic
worker process that serves requests) and the store (uvicorn's access log)."""

from __future__ import annotations

from pathlib import Path

import httpx

from bot.stack import Ports, Stack, actions_spec
from tests.support.launcher import wait_for
from tests.support.stack import free_port, seeded_store

EMAIL = "log-test@example.com"
CARD = "4111 1111 1111 1111"
TOKEN = "process-logs-action-server-token-0123456789"


def test_action_server_worker_masks_what_it_logs(tmp_path: Path) -> None:
    ports = Ports(actions=free_port(), store=free_port())
    with Stack(log_dir=tmp_path) as stack:
        stack.start(actions_spec(ports, env={"LOG_LEVEL": "DEBUG", "ACTION_SERVER_TOKEN": TOKEN}))
        stack.wait_healthy(timeout=60)
        # An unknown action is logged with its name by rasa-sdk, in the worker process.
        response = httpx.post(
            f"http://127.0.0.1:{ports.actions}/webhook",
            json={
                "next_action": f"action_unknown {EMAIL} {CARD}",
                "sender_id": "s",
                "tracker": {"sender_id": "s", "slots": {}, "events": [],
                            "latest_message": {"text": EMAIL}, "paused": False,
                            "followup_action": None, "active_loop": {},
                            "latest_action_name": None},
                "domain": {},
            },
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=10,
        )
        assert response.status_code == 404
        log_file = tmp_path / "actions.log"
        wait_for(
            lambda: "action_unknown [email] [card number ending 1111]"
            in log_file.read_text(errors="replace"),
            "the unknown action logged, masked",
            timeout=30,
        )
    log = log_file.read_text(errors="replace")
    assert EMAIL not in log and CARD not in log


def test_store_access_log_masks_emails_in_urls(tmp_path: Path) -> None:
    with seeded_store(tmp_path) as url:
        httpx.get(f"{url}/api/orders/10023", params={"email": EMAIL}, timeout=10)
        httpx.get(f"{url}/health?contact={EMAIL}", timeout=10)
        log_file = tmp_path / "logs" / "store.log"
        # The access log's line for the last request: the one before it is written by then.
        wait_for(
            lambda: "contact=[email]" in log_file.read_text(errors="replace"),
            "the health request in the access log, masked",
            timeout=30,
        )
    log = log_file.read_text(errors="replace")
    assert "/api/orders/10023?email=[email]" in log
    assert EMAIL not in log and "log-test%40example.com" not in log

