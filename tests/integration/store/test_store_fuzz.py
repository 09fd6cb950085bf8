"""Schemathesis against the store's own OpenAPI schema, in process (ASGI), on SQLite.

Every operation gets schema-valid and schema-violating requests (wrong types, missing and
extra fields, huge and unicode-heavy strings, odd headers) generated from the schema the
store publishes: none may answer 5xx, and every error is the documented JSON error body.

(The strategies are driven by Hypothesis directly rather than through schemathesis's pytest
plugin, which does not run under the pytest version pinned here.)
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from sqlalchemy.engine import make_url

from store.api import create_app
from store.db import make_engine
from store.migrate import upgrade
from store.seed import seed
from store.settings import StoreSettings

EXAMPLES_PER_MODE = 40
# Nothing to violate in these (no parameters, no body): positive mode only.
NO_INPUT = ("GET /health", "GET /api/v1/policy")
OPERATIONS = (
    "GET /health",
    "GET /labels/{rma_number}",
    "GET /api/v1/policy",
    "POST /api/v1/orders/lookup",
    "POST /api/v1/orders/{order_number}/returns/eligibility",
    "POST /api/v1/orders/{order_number}/returns",
    "POST /api/v1/orders/{order_number}/cancel",
    "PUT /api/v1/orders/{order_number}/shipping-address",
)


@pytest.fixture(scope="module")
def store_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    path: Path = tmp_path_factory.mktemp("fuzz-store") / "store.db"
    url = make_url(f"sqlite:///{path}")
    engine = make_engine(url)
    upgrade(engine)
    seed(engine, today=datetime.now(UTC).date(), public_base_url="http://store.test")
    # A limit no fuzz run reaches: this test is about input handling, not rate limits.
    return create_app(StoreSettings(database_url=url, max_failed_lookups=1_000_000), engine=engine)


@pytest.fixture(scope="module")
def operations(store_app: FastAPI) -> dict[str, schemathesis.APIOperation]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", store_app)
    found = {result.ok().label: result.ok() for result in schema.get_all_operations()}
    return found


def test_the_schema_lists_every_operation(operations: dict[str, object]) -> None:
    assert set(OPERATIONS) <= set(operations), sorted(operations)


# Every operation with valid input; those with parameters or a body with invalid input too.
CASES = [
    pytest.param(label, mode, id=f"{label}-{mode.value}")
    for label in OPERATIONS
    for mode in schemathesis.GenerationMode
    if not (mode is schemathesis.GenerationMode.NEGATIVE and label in NO_INPUT)
]


@pytest.mark.parametrize(("label", "mode"), CASES)
def test_no_request_makes_the_store_fail(
    operations: dict[str, schemathesis.APIOperation],
    label: str,
    mode: schemathesis.GenerationMode,
) -> None:
    operation = operations[label]
    statuses: set[int] = set()

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_MODE,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: schemathesis.Case) -> None:
        response = case.call()
        statuses.add(response.status_code)
        assert response.status_code < 500, (case.as_curl_command(), response.text[:300])
        if response.status_code >= 400:
            body = response.json()
            assert set(body) == {"error"}, body
            assert isinstance(body["error"]["code"], str)
            assert "Traceback" not in response.text

    run()
    if mode is schemathesis.GenerationMode.NEGATIVE:
        # Invalid input must actually have been refused somewhere along the way.
        assert any(400 <= status < 500 for status in statuses), statuses
