"""The Shopify client against the demo Shopify over real HTTP: answers, rate limits within the
deadline, failures as typed errors, and the client-credentials token's exchange and refresh."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import httpx
import pytest

from integrations.shopify.client import ShopifyClient, search_term
from integrations.shopify.errors import (
    ShopifyAccessDenied,
    ShopifyAuthError,
    ShopifyQueryError,
    ShopifyServerError,
    ShopifyThrottled,
    ShopifyTimeout,
    ShopifyUnsupportedVersion,
    ShopifyUserErrors,
)
from integrations.shopify.models import ReturnLineRequest
from store.shopify_demo.server import ALL_SCOPES, DemoShopify
from tests.support.shopify_demo import CLIENT_ID, CLIENT_SECRET, TOKEN, FakeClock, serve_demo


class RecordingSleep:
    """The client's sleep: records each wait, then really waits it."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        import asyncio

        self.waits.append(seconds)
        await asyncio.sleep(seconds)


def client(origin: str, **kwargs) -> ShopifyClient:
    options = {"admin_origin": origin, "api_version": "2026-07", "access_token": TOKEN}
    return ShopifyClient(**{**options, **kwargs})


def jo_10023() -> str:
    return f'{search_term("name", "#10023")} {search_term("email", "jo@example.com")}'


async def test_an_order_found_by_name_and_email_then_read_whole(origin: str) -> None:
    async with client(origin) as shopify:
        found = await shopify.order_summaries(jo_10023())
        assert [(o.id, o.name, o.email) for o in found] == [
            ("gid://shopify/Order/10023", "#10023", "jo@example.com")
        ]
        order = await shopify.order(found[0].id)
    assert order is not None
    assert order.name == "#10023"
    assert order.display_fulfillment_status == "FULFILLED"
    assert order.total_price_set.shop_money.amount == Decimal("189.00")
    assert [line.name for line in order.line_items.nodes] == ["Waxed Field Jacket"]
    (parcel,) = order.fulfillments
    assert parcel.display_status == "IN_TRANSIT"
    assert isinstance(parcel.estimated_delivery_at, datetime)
    assert [(t.company, t.number) for t in parcel.tracking_info] == [
        ("UPS", "1Z999AA10123456784")
    ]
    assert shopify.last_cost is not None
    assert shopify.last_cost.throttle_status.maximum_available == 2000


async def test_a_refund_keeps_its_transactions_state(origin: str) -> None:
    async with client(origin) as shopify:
        order = await shopify.order("gid://shopify/Order/10008")
    assert order is not None
    (refund,) = order.refunds
    assert [t.status for t in refund.transactions.nodes] == ["FAILURE"]
    assert refund.total_refunded_set.shop_money.amount == Decimal("22.00")


async def test_throttled_then_answered_within_the_deadline(
    origin: str, demo: DemoShopify
) -> None:
    demo.faults.throttled = 1
    demo.faults.throttle_wait = 0.1  # the search costs 12 points, restored at 100 a second
    sleep = RecordingSleep()
    async with client(origin, sleep=sleep) as shopify:
        found = await shopify.order_summaries(jo_10023())
    assert [o.name for o in found] == ["#10023"]
    # (requestedQueryCost - currentlyAvailable) / restoreRate of the THROTTLED answer
    assert sleep.waits == [pytest.approx(0.1, abs=0.01)]
    assert demo.graphql_requests == 2


async def test_a_throttle_wait_past_the_deadline_is_not_started(
    origin: str, demo: DemoShopify
) -> None:
    demo.faults.throttled = 1
    demo.faults.throttle_wait = 4.0  # the order's details cost some 400 points
    sleep = RecordingSleep()
    async with client(origin, sleep=sleep, timeout=2.5) as shopify:
        with pytest.raises(ShopifyThrottled) as raised:
            await shopify.order("gid://shopify/Order/10023")
    assert sleep.waits == []
    assert raised.value.retry_after == pytest.approx(4.0, abs=0.01)
    assert raised.value.status == 200
    assert raised.value.errors[0]["extensions"]["code"] == "THROTTLED"


async def test_429_waits_retry_after_then_answers(origin: str, demo: DemoShopify) -> None:
    demo.faults.rate_limited = 1
    demo.faults.retry_after = 0.3
    sleep = RecordingSleep()
    async with client(origin, sleep=sleep) as shopify:
        found = await shopify.order_summaries(jo_10023())
    assert [o.name for o in found] == ["#10023"]
    assert sleep.waits == [0.3]


async def test_429_with_a_retry_after_past_the_deadline(origin: str, demo: DemoShopify) -> None:
    demo.faults.rate_limited = 1
    demo.faults.retry_after = 30
    sleep = RecordingSleep()
    async with client(origin, sleep=sleep) as shopify:
        with pytest.raises(ShopifyThrottled) as raised:
            await shopify.order_summaries(jo_10023())
    assert sleep.waits == []
    assert raised.value.status == 429
    assert raised.value.retry_after == 30


async def test_500_is_a_server_error_carrying_the_response(
    origin: str, demo: DemoShopify
) -> None:
    demo.faults.server_errors = 1
    async with client(origin) as shopify:
        with pytest.raises(ShopifyServerError) as raised:
            await shopify.order_summaries(jo_10023())
    assert raised.value.retryable
    assert raised.value.response is not None
    assert raised.value.response.status_code == 500
    assert raised.value.response.json() == {"errors": "Internal Server Error"}


async def test_a_slow_answer_is_a_timeout(origin: str, demo: DemoShopify) -> None:
    demo.faults.delay_seconds = 3.0
    async with client(origin, timeout=0.3) as shopify:
        with pytest.raises(ShopifyTimeout):
            await shopify.order_summaries(jo_10023())


async def test_a_bad_token(origin: str) -> None:
    async with client(origin, access_token="shpat_wrong") as shopify:
        with pytest.raises(ShopifyAuthError) as raised:
            await shopify.health()
    assert raised.value.status == 401
    assert "Invalid API key or access token" in raised.value.message


async def test_a_missing_scope_is_named(demo: DemoShopify) -> None:
    demo.scopes = ALL_SCOPES - {"read_returns"}
    with serve_demo(demo) as origin:
        async with client(origin) as shopify:
            health = await shopify.health()
            with pytest.raises(ShopifyAccessDenied) as raised:
                await shopify.returnable_fulfillments("gid://shopify/Order/10010")
    assert "read_returns" not in health.scopes
    assert raised.value.required_access == "`read_returns` access scope."


async def test_a_version_shopify_no_longer_serves(origin: str) -> None:
    async with client(origin, api_version="2025-01") as shopify:
        with pytest.raises(ShopifyUnsupportedVersion) as raised:
            await shopify.health()
    assert "served 2026-07" in raised.value.message
    assert raised.value.response is not None
    assert raised.value.response.headers["X-Shopify-API-Version"] == "2026-07"


async def test_a_malformed_version_is_404(origin: str) -> None:
    async with client(origin, api_version="v1") as shopify:
        with pytest.raises(ShopifyUnsupportedVersion) as raised:
            await shopify.health()
    assert raised.value.status == 404


async def test_a_document_shopify_rejects_is_a_query_error(origin: str) -> None:
    async with httpx.AsyncClient(base_url=origin) as http:
        response = await http.post(
            "/admin/api/2026-07/graphql.json",
            json={"query": "{ orders(first: 1) { nodes { colour } } }"},
            headers={"X-Shopify-Access-Token": TOKEN},
        )
    async with client(origin) as shopify:
        with pytest.raises(ShopifyQueryError):
            shopify._answer("probe", response)  # the client's reading of that answer
    assert response.json()["errors"][0]["message"] == (
        "Cannot query field 'colour' on type 'Order'."
    )


async def test_mutation_user_errors_carry_shopify_codes(origin: str) -> None:
    async with client(origin) as shopify:
        with pytest.raises(ShopifyUserErrors) as raised:
            await shopify.cancel_order("gid://shopify/Order/10023")  # shipped already
    assert raised.value.codes == {"INVALID"}
    assert raised.value.user_errors[0].message == "Cannot cancel a fulfilled order."


async def test_a_return_request_then_the_units_left(origin: str) -> None:
    async with client(origin) as shopify:
        (returnable,) = await shopify.returnable_fulfillments("gid://shopify/Order/10010")
        first = returnable.returnable_fulfillment_line_items.nodes[0]
        created = await shopify.request_return(
            "gid://shopify/Order/10010",
            [ReturnLineRequest(fulfillment_line_item_id=first.fulfillment_line_item.id,
                               quantity=1, return_reason="SIZE_TOO_SMALL", note="too small")],
        )
        (after,) = await shopify.returnable_fulfillments("gid://shopify/Order/10010")
    assert (created.name, created.status) == ("#10010-R1", "REQUESTED")
    assert [i.fulfillment_line_item.id for i in after.returnable_fulfillment_line_items.nodes] \
        == [returnable.returnable_fulfillment_line_items.nodes[1].fulfillment_line_item.id]


async def test_client_credentials_exchanged_then_refreshed_before_expiry(
    demo: DemoShopify,
) -> None:
    clock = FakeClock()
    demo.clock = clock
    demo.token_lifetime = 600
    with serve_demo(demo) as origin:
        async with client(origin, access_token=None, client_id=CLIENT_ID,
                          client_secret=CLIENT_SECRET, clock=clock) as shopify:
            await shopify.health()
            await shopify.health()
            assert (shopify.token_exchanges, demo.token_exchanges) == (1, 1)
            clock.advance(301)  # within the last 300 s of the token's 600
            await shopify.health()
            assert (shopify.token_exchanges, demo.token_exchanges) == (2, 2)


async def test_a_revoked_token_is_exchanged_again_once(demo: DemoShopify) -> None:
    with serve_demo(demo) as origin:
        async with client(origin, access_token=None, client_id=CLIENT_ID,
                          client_secret=CLIENT_SECRET) as shopify:
            await shopify.health()
            demo._issued.clear()  # the shop revoked the app's token
            health = await shopify.health()
    assert health.shop.myshopify_domain == "shopdesk-demo.myshopify.com"
    assert demo.token_exchanges == 2


async def test_wrong_client_credentials(origin: str) -> None:
    async with client(origin, access_token=None, client_id=CLIENT_ID,
                      client_secret="wrong") as shopify:
        with pytest.raises(ShopifyAuthError) as raised:
            await shopify.health()
    assert raised.value.status == 401
    assert "exchange refused" in raised.value.message


async def test_throttled_again_and_again_gives_up_after_a_few_tries(
    origin: str, demo: DemoShopify
) -> None:
    demo.faults.throttled = 10
    demo.faults.throttle_wait = 0.0  # Shopify says "now": the client still waits a little
    sleep = RecordingSleep()
    async with client(origin, sleep=sleep) as shopify:
        with pytest.raises(ShopifyThrottled):
            await shopify.order_summaries(jo_10023())
    assert demo.graphql_requests == 4
    assert sleep.waits == [0.05, 0.05, 0.05]
