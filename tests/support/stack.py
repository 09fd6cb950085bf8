"""The whole Shopdesk stack for end-to-end tests: real store, action server and Rasa.

Started once per test session on free ports, with its own databases in a temporary folder,
through the launcher's own process specs (`bot.stack`), so the tests run exactly what
`make run` runs and never collide with it.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.profiles import PRODUCTION, Profile, rasa_events_url
from bot.stack import (
    APP_PYTHON,
    Ports,
    Running,
    Stack,
    actions_spec,
    handoff_spec,
    rasa_spec,
    shopify_demo_env,
    shopify_demo_spec,
    store_spec,
)
from bot.training import ensure_model
from tests.support.ports import free_port

IDENTITY_SECRET = "e2e-identity-secret-0123456789abcdef"
# The store API token of every `seeded_store()` (the store refuses to run without one).
SEEDED_STORE_TOKEN = "seeded-store-api-token-0123456789abcdef"


@dataclass
class ShopdeskStack:
    """A running stack and the ways tests talk to it."""

    ports: Ports
    workdir: Path
    store_env: dict[str, str]
    stack: Stack = field(default_factory=Stack)
    store: Running | None = None
    rasa_token: str | None = None
    # SHOPDESK_STORE_BACKEND, and with "shopify" the demo Shopify the action server asks.
    backend: str = "reference"
    shopify_demo: Running | None = None
    shopify_demo_port: int = 0
    shopify_token: str = ""

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.rasa}"

    @property
    def store_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.store}"

    @property
    def helpdesk_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.helpdesk}"

    @property
    def helpdesk_auth(self) -> tuple[str, str]:
        """The agents' login to the inbox and its API (generated, or the profile's)."""
        return (
            self.store_env.get("HELPDESK_AGENT_USER") or "agent",
            self.store_env["HELPDESK_AGENT_PASSWORD"],
        )

    @property
    def action_server_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.actions}"

    @property
    def action_server_headers(self) -> dict[str, str]:
        """What Rasa sends with every action call (the action server's token)."""
        return {"Authorization": f"Bearer {self.store_env['ACTION_SERVER_TOKEN']}"}

    @property
    def store_api_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.store_env['STORE_API_TOKEN']}"}

    def say(
        self, sender: str, text: str, *, metadata: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """One shopper message over the REST channel; the bot's replies."""
        body: dict[str, Any] = {"sender": sender, "message": text}
        if metadata is not None:
            body["metadata"] = metadata
        request = urllib.request.Request(
            f"{self.rasa_url}/webhooks/rest/webhook",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def tracker(self, sender: str) -> dict[str, Any]:
        url = f"{self.rasa_url}/conversations/{sender}/tracker"
        if self.rasa_token:
            url += f"?token={self.rasa_token}"
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read())

    def append_events(self, sender: str, events: list[dict[str, Any]]) -> None:
        """Append events to a conversation through Rasa's HTTP API."""
        url = f"{self.rasa_url}/conversations/{sender}/tracker/events"
        if self.rasa_token:
            url += f"?token={self.rasa_token}"
        request = urllib.request.Request(
            url, data=json.dumps(events).encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    def stop_store(self) -> None:
        """Takes the store's platform down (to test what shoppers see when it is): the
        reference store, or the demo Shopify with the Shopify backend."""
        if self.backend == "shopify":
            self.shopify_demo = self._stop(self.shopify_demo)
        else:
            self.store = self._stop(self.store)

    def _stop(self, running: Running | None) -> None:
        if running is None:
            return None
        self.stack.running.remove(running)
        running.process.terminate()
        running.process.wait(timeout=15)
        running.log_file.close()
        return None

    def start_store(self) -> None:
        if self.backend == "shopify":
            if self.shopify_demo is None:
                self.shopify_demo = self.stack.start(
                    shopify_demo_spec(self.shopify_demo_port, token=self.shopify_token)
                )
        elif self.store is None:
            self.store = self.stack.start(store_spec(self.ports, env=self.store_env))
        self.stack.wait_healthy(timeout=60)


def start_stack(
    workdir: Path, *, extra_env: dict[str, str] | None = None, backend: str = "reference"
) -> ShopdeskStack:
    """Prepares a fresh demo store, trains the model if needed, starts everything.

    `extra_env` selects the profile and its backing services (e.g. the production profile's
    PostgreSQL and Redis settings); by default everything lives in `workdir`. `backend`
    "shopify" puts the demo Shopify (its own demo orders) behind the action server instead
    of the reference store, as `SHOPDESK_STORE_BACKEND=shopify make run` does.
    """
    model = ensure_model(quiet=True)
    ports = Ports(rasa=free_port(), actions=free_port(), store=free_port(), helpdesk=free_port())
    overrides = {
        "STORE_DATABASE_URL": f"sqlite:///{workdir / 'store.db'}",
        "HELPDESK_DATABASE_URL": f"sqlite:///{workdir / 'handoff.db'}",
        "SHOPDESK_IDENTITY_SECRET": IDENTITY_SECRET,
        "HANDOFF_POLL_SECONDS": "0.2",
        "SHOPDESK_STORE_BACKEND": backend,
        **(extra_env or {}),
    }
    profile = Profile.from_env(
        {**_base_env(), "SHOPDESK_SECRETS_FILE": str(workdir / "secrets.env"), **overrides}
    )
    env = {**overrides, **profile.env}
    for module, command in (("store", "migrate"), ("store", "seed"), ("handoff", "migrate")):
        subprocess.run(
            [APP_PYTHON, "-m", module, command],
            env={**_base_env(), **env},
            check=True,
            capture_output=True,
        )
    running = ShopdeskStack(ports=ports, workdir=workdir, store_env=env, backend=backend)
    running.rasa_token = profile.rasa_auth_token
    running.stack = Stack(log_dir=workdir / "logs")
    events_db = workdir / "rasa-events.db"
    handoff_env = {**env, "RASA_TOKEN": profile.rasa_auth_token}
    if profile.name == PRODUCTION:
        handoff_env["HANDOFF_RASA_EVENTS_URL"] = rasa_events_url(env)
    actions_env = dict(env)
    try:
        running.store = running.stack.start(store_spec(ports, env=env))
        if backend == "shopify":
            running.shopify_demo_port = free_port()
            running.shopify_token = "shpat_e2e_" + uuid.uuid4().hex
            running.shopify_demo = running.stack.start(
                shopify_demo_spec(running.shopify_demo_port, token=running.shopify_token)
            )
            running.stack.wait_healthy(timeout=60)  # up before the action server checks it
            actions_env.update(
                shopify_demo_env(running.shopify_demo_port, token=running.shopify_token)
            )
        running.stack.start(actions_spec(ports, env=actions_env))
        running.stack.start(
            rasa_spec(
                ports,
                model=model,
                endpoints=profile.endpoints,
                tracker_db=workdir / "tracker.db",
                events_db=events_db,
                auth_token=profile.rasa_auth_token,
                env=env,
            )
        )
        running.stack.start(handoff_spec(ports, events_db=events_db, env=handoff_env))
        running.stack.wait_healthy()
    except BaseException:
        running.stack.stop()
        raise
    return running


def _base_env() -> dict[str, str]:
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}


def texts(replies: list[dict[str, Any]]) -> str:
    """All reply texts joined, for assertions on what the shopper reads."""
    return "\n".join(r.get("text", "") for r in replies if r.get("text"))


def buttons(replies: list[dict[str, Any]]) -> list[str]:
    return [b["payload"] for r in replies for b in r.get("buttons", [])]


@contextmanager
def seeded_store(workdir: Path, *, env: dict[str, str] | None = None) -> Iterator[str]:
    """A reference store of its own (fresh SQLite, migrated and seeded) on a free port.

    For tests that change orders and must not disturb anyone else's demo data. Its API
    token is SEEDED_STORE_TOKEN.
    """
    store_env = {
        "STORE_DATABASE_URL": f"sqlite:///{workdir / 'store.db'}",
        "STORE_API_TOKEN": SEEDED_STORE_TOKEN,
        **(env or {}),
    }
    for command in ("migrate", "seed"):
        subprocess.run(
            [APP_PYTHON, "-m", "store", command],
            env={**_base_env(), **store_env},
            check=True,
            capture_output=True,
        )
    ports = Ports(store=free_port())
    with Stack(log_dir=workdir / "logs") as stack:
        stack.start(store_spec(ports, env=store_env))
        stack.wait_healthy(timeout=60)
        yield f"http://127.0.0.1:{ports.store}"
