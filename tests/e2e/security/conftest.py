"""A stack of its own for the security tests: brute force and fuzzing must not disturb the
shared stack (its per-client limits would lock the other end-to-end tests out), and the
store's failed-lookup limit is set low so that the store's 429 is what stops the guessing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.stack import ShopdeskStack, start_stack

STORE_LIMIT = 12

GUARDED_ENV = {
    "STORE_MAX_FAILED_LOOKUPS": str(STORE_LIMIT),
    # High on the action server, so the store's own limit is the one that engages.
    "SHOPDESK_MAX_FAILED_VERIFICATIONS_PER_CLIENT": "100000",
    "SHOPDESK_RATE_LIMIT_MESSAGES": "100000",
}


@pytest.fixture(scope="session")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShopdeskStack]:
    running = start_stack(tmp_path_factory.mktemp("guarded-stack"), extra_env=GUARDED_ENV)
    try:
        yield running
    finally:
        running.stack.stop()
