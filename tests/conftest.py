"""Shared test configuration.

Tiers: tests/unit (no I/O), tests/integration (real databases, real HTTP, local fakes of
third-party services), tests/actions (actions against tracker fixtures and a real store),
tests/e2e and tests/browser (the whole stack). In CI (`CI=true`) a missing service is a
failure, never a skip: use `require_service()`.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from common.ci import in_ci

if TYPE_CHECKING:  # the Rasa environment's tests load this file too, without the launcher
    from tests.support.stack import ShopdeskStack

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

# The NLU components run inside the Rasa engine's environment (spaCy, numpy <1.24): their
# tests, and those of our patches to Rasa, are run by that environment's pytest (`make test`
# runs both suites).
collect_ignore = (
    [] if importlib.util.find_spec("spacy") else ["unit/nlu", "nlu", "integration/rasa_engine"]
)


def require_service(available: bool, what: str) -> None:
    """Skip when a local service is missing, except in CI where that is a failure."""
    if available:
        return
    if in_ci():
        pytest.fail(f"{what} is required in CI but is not available")
    pytest.skip(f"{what} is not available")


@pytest.fixture(scope="session")
def shopdesk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShopdeskStack]:
    """The whole stack (store, action server, Rasa), shared by the end-to-end tests."""
    workdir: Path = tmp_path_factory.mktemp("stack")
    from tests.support.stack import start_stack

    running = start_stack(workdir)
    try:
        yield running
    finally:
        running.stack.stop()


@pytest.fixture(scope="session")
def shopdesk_shopify(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShopdeskStack]:
    """The whole stack on the Shopify backend, its store the demo Shopify."""
    from tests.support.stack import start_stack

    running = start_stack(tmp_path_factory.mktemp("stack-shopify"), backend="shopify")
    try:
        yield running
    finally:
        running.stack.stop()


@pytest.fixture(params=["reference", "shopify"])
def store_stack(request: pytest.FixtureRequest) -> ShopdeskStack:
    """The conversation suite's stack, once per store backend (each started once)."""
    name = "shopdesk" if request.param == "reference" else "shopdesk_shopify"
    return request.getfixturevalue(name)


_TIER_ORDER = ("unit", "actions", "integration", "e2e", "faults", "browser")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Fast tiers first, the whole stack last.

    Browser tests run last on purpose: Playwright's sync API keeps an event loop running in
    the main thread while its session fixture lives, which would break async tests after it.
    """

    def tier(item: pytest.Item) -> int:
        parts = item.path.relative_to(config.rootpath).parts
        name = parts[1] if len(parts) > 2 and parts[0] == "tests" else ""
        return _TIER_ORDER.index(name) if name in _TIER_ORDER else len(_TIER_ORDER)

    items.sort(key=tier)  # stable: keeps the order inside each tier
