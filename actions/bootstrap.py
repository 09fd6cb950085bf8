"""Wires the adapters for the actions, once.

The action server's entry point (`python -m actions`) calls `configure()` with settings read
from the environment before serving; tests call it with their own settings. Nothing here
runs at import time. The store is the port (`integrations/store/port.py`); which backend
answers for it is `SHOPDESK_STORE_BACKEND` (`reference` or `shopify`), picked here only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from actions.attempts import BudgetShape, DecayingBudget, FailureBudget, RedisBudget
from actions.settings import ActionSettings
from actions.turn_reads import TurnReads
from integrations.store.port import StorePort


@dataclass(frozen=True)
class Services:
    settings: ActionSettings
    store: StorePort
    # Failed verifications per client network, across conversations (actions/attempts.py).
    failures: FailureBudget
    # Store reads shared by the actions of one turn (actions/turn_reads.py).
    reads: TurnReads = field(default_factory=TurnReads)


_services: Services | None = None


def build_store(settings: ActionSettings) -> StorePort:
    """The configured backend's adapter."""
    if settings.store_backend == "shopify":
        from integrations.shopify.client import ShopifyClient
        from integrations.store.models import StorePolicy
        from integrations.store.shopify import ShopifyStore

        assert settings.shopify is not None and settings.shopify_policy is not None
        client = ShopifyClient.from_settings(settings.shopify, timeout=settings.store_timeout)
        return ShopifyStore(
            client,
            policy=StorePolicy.from_json(settings.shopify_policy.to_json()),
            final_sale_tag=settings.shopify.final_sale_tag,
            create_returns_open=settings.shopify.return_mode == "create",
        )
    from integrations.store.client import StoreClient

    return StoreClient(
        base_url=settings.store_url,
        api_token=settings.store_api_token,
        timeout=settings.store_timeout,
        forwarding_secret=settings.forwarding_secret,
        policy_ttl=settings.store_policy_ttl,
    )


def configure(settings: ActionSettings, *, store: StorePort | None = None) -> Services:
    global _services
    _services = Services(
        settings=settings,
        store=store or build_store(settings),
        failures=failure_budget(settings),
    )
    return _services


def failure_budget(settings: ActionSettings) -> FailureBudget:
    """The per-network verification budget: in Redis when configured, else in memory."""
    shape = BudgetShape(
        limit=settings.max_failed_verifications_per_client,
        window_seconds=settings.failed_verification_window_seconds,
    )
    if settings.redis is None:
        return DecayingBudget(shape)
    where = settings.redis
    return RedisBudget.connect(
        shape, host=where.host, port=where.port, db=where.db, password=where.password
    )


def services() -> Services:
    """The configured services; configures from the environment on first use."""
    if _services is None:
        return configure(ActionSettings.from_env())
    return _services
