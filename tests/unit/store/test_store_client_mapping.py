"""StoreClient response handling through an in-process transport (no sockets).

The real service is exercised in tests/integration/store; here we pin down how odd
responses map to typed errors: strict success, no backend text leaking into codes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from actions.settings import ActionSettings
from integrations.store import (
    DEFAULT_TIMEOUT,
    InvalidRequest,
    OrderNotFound,
    StoreClient,
    StoreRefusal,
    StoreUnauthorized,
    StoreUnavailable,
)

pytestmark = pytest.mark.anyio

POLICY = {
    "currency": "GBP",
    "return_window_days": 30,
    "max_units_per_return": 10,
    "final_sale_returnable": False,
    "refund_processing_days": 5,
    "free_shipping_threshold": "75.00",
    "shipping_countries": ["GB"],
    "return_reasons": ["wrong_size"],
    "shipping_methods": [
        {"code": "std", "name": "Standard", "cost": "3.95", "min_days": 3, "max_days": 5}
    ],
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def client_for(handler: Callable[[httpx.Request], httpx.Response]) -> StoreClient:
    return StoreClient(
        base_url="http://store.test", api_token="tok", transport=httpx.MockTransport(handler)
    )


def respond(
    status: int, body: Any = None, *, raw: bytes | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    def handler(_request: httpx.Request) -> httpx.Response:
        if raw is not None:
            return httpx.Response(status, content=raw)
        return httpx.Response(status, json=body)

    return handler


async def test_policy_parses_money_as_decimal() -> None:
    async with client_for(respond(200, POLICY)) as client:
        policy = await client.get_policy()
    assert str(policy.free_shipping_threshold) == "75.00"
    assert policy.shipping_methods[0].cost.as_tuple().exponent == -2


async def test_sends_token_and_idempotency_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(409, json={"error": {"code": "already_shipped", "message": "m"}})

    async with client_for(handler) as client:
        with pytest.raises(StoreRefusal):
            await client.cancel_order(
                order_number="#10023", email="jo@example.com", idempotency_key="k-1"
            )
    assert seen[0].headers["authorization"] == "Bearer tok"
    assert seen[0].headers["idempotency-key"] == "k-1"
    assert seen[0].url.path == "/api/v1/orders/10023/cancel"
    assert json.loads(seen[0].content) == {"email": "jo@example.com"}


@pytest.mark.parametrize(
    ("handler", "error"),
    [
        (respond(200, {**POLICY, "return_window_days": "30"}), StoreUnavailable),
        (respond(200, {**POLICY, "free_shipping_threshold": 75.0}), StoreUnavailable),
        (respond(200, [POLICY]), StoreUnavailable),
        (respond(200, raw=b"<html>ok</html>"), StoreUnavailable),
        (respond(500, {"error": {"code": "internal_error", "message": "boom"}}), StoreUnavailable),
        (respond(502, raw=b"Bad Gateway"), StoreUnavailable),
        (
            respond(429, {"error": {"code": "rate_limited", "message": "slow down"}}),
            StoreUnavailable,
        ),
        (respond(404, {"detail": "Not Found"}), StoreUnavailable),
        (respond(401, {"error": {"code": "unauthorized", "message": "token"}}), StoreUnauthorized),
        (respond(302, raw=b""), StoreUnavailable),
    ],
)
async def test_anything_but_strict_success_raises(
    handler: Callable[[httpx.Request], httpx.Response], error: type[Exception]
) -> None:
    async with client_for(handler) as client:
        with pytest.raises(error):
            await client.get_policy()


async def test_error_kinds() -> None:
    async with client_for(
        respond(404, {"error": {"code": "order_not_found", "message": "m"}})
    ) as client:
        with pytest.raises(OrderNotFound):
            await client.lookup_order(order_number="1", email="a@b.co")
    body = {
        "error": {"code": "invalid_request", "message": "postcode bad", "field": "address.postcode"}
    }
    async with client_for(respond(422, body)) as client:
        with pytest.raises(InvalidRequest) as caught:
            await client.return_eligibility(order_number="1", email="a@b.co")
    assert caught.value.field == "address.postcode"
    async with client_for(
        respond(409, {"error": {"code": "final_sale", "message": "engineer text"}})
    ) as client:
        with pytest.raises(StoreRefusal) as refusal:
            await client.return_eligibility(order_number="1", email="a@b.co")
    assert refusal.value.code == "final_sale"


async def test_transport_error_is_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with client_for(handler) as client:
        with pytest.raises(StoreUnavailable):
            await client.get_policy()
        assert await client.health() is False


async def test_lookup_needs_exactly_one_proof() -> None:
    async with client_for(respond(200, {})) as client:
        with pytest.raises(ValueError, match="exactly one"):
            await client.lookup_order(order_number="1")
        with pytest.raises(ValueError, match="exactly one"):
            await client.lookup_order(order_number="1", email="a@b.co", postcode="M1 1AE")


def test_the_action_servers_store_settings() -> None:
    settings = ActionSettings.from_env(
        {"STORE_URL": "http://store:8100/", "STORE_API_TOKEN": "t", "STORE_TIMEOUT_SECONDS": "1.5"}
    )
    assert (settings.store_url, settings.store_api_token, settings.store_timeout) == (
        "http://store:8100",
        "t",
        1.5,
    )
    assert ActionSettings.from_env({}).store_timeout == DEFAULT_TIMEOUT == 2.5
