"""Wires the real adapters for the actions, once.

The action server's entry point (`python -m actions`) calls `configure()` with settings read
from the environment before serving; tests call it with their own settings. Nothing here
runs at import time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from actions.settings import ActionSettings
from actions.turn_reads import TurnReads
from common.limits import FailureWindow
from integrations.store.client import StoreClient


@dataclass(frozen=True)
class Services:
    settings: ActionSettings
    store: StoreClient
    # Failed verifications per client (IP or conversation), across conversations.
    failures: FailureWindow
    # Store reads shared by the actions of one turn (actions/turn_reads.py).
    reads: TurnReads = field(default_factory=TurnReads)


_services: Services | None = None


def configure(settings: ActionSettings, *, store: StoreClient | None = None) -> Services:
    global _services
    _services = Services(
        settings=settings,
        store=store
        or StoreClient(
            base_url=settings.store_url,
            api_token=settings.store_api_token,
            timeout=settings.store_timeout,
            forwarding_secret=settings.forwarding_secret,
            policy_ttl=settings.store_policy_ttl,
        ),
        failures=FailureWindow(
            max_failures=settings.max_failed_verifications_per_client,
            window_seconds=settings.failed_verification_window_seconds,
        ),
    )
    return _services


def services() -> Services:
    """The configured services; configures from the environment on first use."""
    if _services is None:
        return configure(ActionSettings.from_env())
    return _services
