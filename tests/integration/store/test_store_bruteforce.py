"""Brute force straight at the store API: thousands of guesses, zero leaks, 429 engages.

A second server on the live store's database (SQLite and PostgreSQL) with a small
failed-lookup limit and a forwarding secret, fresh for every test (its limiter is in memory).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import httpx
import pytest

from common.forwarded_client import client_signature
from integrations.store.client import StoreClient
from integrations.store.errors import OrderNotFound, StoreRateLimited

if TYPE_CHECKING:
    from conftest import LiveStore

LIMIT = 10  # FAILED_LOOKUP_LIMIT in conftest
SECRET = b"integration-forwarding-secret-0123456789"  # FORWARDING_SECRET in conftest
GUESSES = 2000
JO = "jo@example.com"


@pytest.fixture
def limited(limited_store: LiveStore) -> str:
    return limited_store.base_url


def signed(client: str, secret: bytes = SECRET) -> dict[str, str]:
    return {
        "Shopdesk-Client": client,
        "Shopdesk-Client-Signature": client_signature(secret, client),
    }


def test_thousands_of_guesses_leak_nothing_and_the_limit_engages(limited: str) -> None:
    statuses: dict[int, int] = {}
    leaked = []
    with httpx.Client(base_url=limited, timeout=10) as http:
        for i in range(GUESSES):
            number = str(10001 + i % 40)  # real and missing order numbers alike
            response = http.post(
                "/api/v1/orders/lookup",
                json={"order_number": number, "email": f"guess{i}@example.net"},
            )
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            body = response.json()
            text = json.dumps(body)
            if set(body) != {"error"} or "order_number" in text or "@" in text:
                leaked.append(body)
            if response.status_code == 429:
                assert body["error"]["code"] == "too_many_failed_lookups"
                assert int(response.headers["Retry-After"]) > 0
        # Blocked means blocked: even the right details get no order now.
        right = http.post("/api/v1/orders/lookup", json={"order_number": "10023", "email": JO})
    print(f"\n{GUESSES} guesses at the store API: {statuses}")
    assert leaked == []
    assert statuses == {404: LIMIT, 429: GUESSES - LIMIT}
    assert right.status_code == 429
    assert "jo@" not in right.text


def test_unsigned_or_forged_client_headers_do_not_buy_fresh_attempts(limited: str) -> None:
    with httpx.Client(base_url=limited, timeout=10) as http:
        codes = []
        for i in range(LIMIT + 5):
            headers = {"Shopdesk-Client": f"ip:198.51.100.{i}"}
            if i % 2:
                headers["Shopdesk-Client-Signature"] = client_signature(
                    b"x" * 40, headers["Shopdesk-Client"]
                )
            response = http.post(
                "/api/v1/orders/lookup",
                json={"order_number": "10023", "email": "nope@example.net"},
                headers=headers,
            )
            codes.append(response.status_code)
    assert codes == [404] * LIMIT + [429] * 5


def test_signed_shoppers_are_limited_one_by_one(limited: str) -> None:
    with httpx.Client(base_url=limited, timeout=10) as http:
        for _ in range(LIMIT):
            http.post(
                "/api/v1/orders/lookup",
                json={"order_number": "10023", "email": "nope@example.net"},
                headers=signed("ip:203.0.113.66"),
            )
        blocked = http.post(
            "/api/v1/orders/lookup",
            json={"order_number": "10023", "email": JO},
            headers=signed("ip:203.0.113.66"),
        )
        other = http.post(
            "/api/v1/orders/lookup",
            json={"order_number": "10023", "email": JO},
            headers=signed("ip:203.0.113.67"),
        )
        peer = http.post("/api/v1/orders/lookup", json={"order_number": "10023", "email": JO})
    assert blocked.status_code == 429
    assert other.status_code == 200 and other.json()["order_number"] == "10023"
    assert peer.status_code == 200  # the action server's own address is not blocked


def test_wrong_email_and_missing_order_are_indistinguishable(limited: str) -> None:
    with httpx.Client(base_url=limited, timeout=10) as http:
        pairs = [
            (
                "/api/v1/orders/lookup",
                {"order_number": "10023", "email": "x@example.net"},
                "/api/v1/orders/lookup",
                {"order_number": "99999", "email": JO},
            ),
            (
                "/api/v1/orders/10023/returns/eligibility",
                {"email": "x@example.net"},
                "/api/v1/orders/99999/returns/eligibility",
                {"email": JO},
            ),
        ]
        for path_a, body_a, path_b, body_b in pairs:
            wrong_email = http.post(path_a, json=body_a)
            missing = http.post(path_b, json=body_b)
            assert wrong_email.status_code == missing.status_code == 404
            assert wrong_email.content == missing.content
            assert wrong_email.headers["content-type"] == missing.headers["content-type"]
            assert wrong_email.headers["content-length"] == missing.headers["content-length"]


def test_oversized_body_gets_413_json(limited: str) -> None:
    with httpx.Client(base_url=limited, timeout=10) as http:
        response = http.post(
            "/api/v1/orders/lookup",
            content=b'{"order_number": "' + b"1" * 100_000 + b'"}',
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"


async def test_the_bot_client_raises_rate_limited_with_retry_after(limited: str) -> None:
    async with StoreClient(base_url=limited, forwarding_secret=SECRET) as client:
        for _ in range(LIMIT):
            with pytest.raises(OrderNotFound):
                await client.lookup_order(
                    order_number="10023", email="nope@example.net", client="ip:203.0.113.9"
                )
        with pytest.raises(StoreRateLimited) as limited_error:
            await client.lookup_order(order_number="10023", email=JO, client="ip:203.0.113.9")
        assert limited_error.value.retry_after is not None
        assert limited_error.value.retry_after > 0
        # Another shopper through the same client is still served.
        order = await client.lookup_order(order_number="10023", email=JO, client="ip:203.0.113.10")
        assert order.order_number == "10023"
