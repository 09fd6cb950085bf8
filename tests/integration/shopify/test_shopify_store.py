"""The store port on Shopify (integrations/store/shopify.py) against the demo Shopify over
real HTTP: the demo orders read as the reference store answers them, Shopdesk's rules on
Shopify's data, and no second return, cancellation or address change for a retried turn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal

import pytest

from actions.bootstrap import build_store
from actions.settings import ActionSettings
from integrations.shopify.client import ShopifyClient
from integrations.store.configured_policy import StorePolicy as ConfiguredPolicy
from integrations.store.errors import (
    OrderNotFound,
    StoreRefusal,
    StoreUnauthorized,
    StoreUnavailable,
)
from integrations.store.models import Address, ReturnLine, StorePolicy
from integrations.store.shopify import ShopifyStore
from store.shopify_demo.server import ALL_SCOPES, DemoShopify
from tests.support.shopify_demo import TOKEN, serve_demo

POLICY = StorePolicy.from_json(ConfiguredPolicy().to_json())
# Deadlines are tested on an injected clock (test_shopify_client.py); here a call of several
# requests on a loaded machine must not miss the 2.5 s default and fail for that reason.
TIMEOUT = 30.0


def make_store(origin: str, *, token: str = TOKEN, version: str = "2026-07") -> ShopifyStore:
    client = ShopifyClient(admin_origin=origin, api_version=version, access_token=token,
                           timeout=TIMEOUT)
    return ShopifyStore(client, policy=POLICY, final_sale_tag="final-sale")


@pytest.fixture()
async def store(origin: str) -> AsyncIterator[ShopifyStore]:
    adapter = make_store(origin)
    yield adapter
    await adapter.aclose()


def mutations(demo: DemoShopify) -> dict[str, int]:
    orders = demo.shop.orders.values()
    return {
        "returns": sum(len(o["returns"]["nodes"]) for o in orders),
        "cancel_jobs": len(demo.shop.jobs),
    }


async def test_an_order_as_the_port_describes_it(store: ShopifyStore) -> None:
    order = await store.lookup_order(order_number="#10007", email="GUS@example.com")
    assert order.order_number == "10007"
    assert order.status == "shipped"
    assert [(s.carrier, s.status) for s in order.shipments] == [
        ("DHL", "delivered"), ("FedEx", "in_transit")
    ]
    assert [line.name for line in order.lines] == ["Merino Crew Sweater", "Linen Duvet Cover"]
    assert order.shipments[0].line_ids == (order.lines[0].line_id,)
    assert (order.can_cancel, order.can_change_address) == (False, False)


async def test_a_wrong_email_and_a_missing_order_are_the_same(store: ShopifyStore) -> None:
    with pytest.raises(OrderNotFound) as wrong:
        await store.lookup_order(order_number="10023", email="someone@example.com")
    with pytest.raises(OrderNotFound) as missing:
        await store.lookup_order(order_number="99999", email="jo@example.com")
    assert str(wrong.value) == str(missing.value)


async def test_a_postcode_verifies_too(store: ShopifyStore) -> None:
    order = await store.lookup_order(order_number="10023", postcode="sw1a1aa")
    assert order.customer.email == "jo@example.com"


async def test_refunds_by_their_transactions(store: ShopifyStore) -> None:
    pending = await store.lookup_order(order_number="10005", email="eve@example.com")
    failed = await store.lookup_order(order_number="10008", email="hana@example.com")
    credit = await store.lookup_order(order_number="10012", email="jo@example.com")
    assert [(r.status, r.amount) for r in pending.refunds] == [("pending", Decimal("25.00"))]
    assert pending.refunds[0].expected_by is not None
    assert [r.status for r in failed.refunds] == ["failed"]
    assert [(r.status, r.method) for r in credit.refunds] == [("issued", "store credit")]
    assert credit.status == "refunded"


async def test_return_rules_on_shopify_data(store: ShopifyStore) -> None:
    order, eligibility = await store.lookup_order_with_eligibility(
        order_number="10010", email="jo@example.com"
    )
    verdicts = {line.name: e for line in order.lines for e in eligibility.lines
                if e.line_id == line.line_id}
    assert verdicts["Merino Crew Sweater"].eligible
    assert verdicts["Clearance Linen Scarf"].refusal_code == "final_sale"
    expired = await store.return_eligibility(order_number="10003", email="cara@example.com")
    assert [e.refusal_code for e in expired.lines] == ["return_window_expired"]
    waiting = await store.return_eligibility(order_number="10011", email="jo@example.com")
    assert {e.refusal_code for e in waiting.lines} == {"not_delivered"}
    partly = await store.return_eligibility(order_number="10005", email="eve@example.com")
    assert [e.refusal_code for e in partly.lines] == ["already_returned", None]


async def test_a_return_is_requested_once_for_a_retried_turn(
    store: ShopifyStore, origin: str, demo: DemoShopify
) -> None:
    order = await store.lookup_order(order_number="10010", email="jo@example.com")
    sweater = next(line for line in order.lines if line.name == "Merino Crew Sweater")
    request = {
        "order_number": "10010", "email": "jo@example.com",
        "lines": [ReturnLine(sweater.line_id, 1)], "reason": "wrong_size",
        "comment": None, "idempotency_key": "return-key-1",
    }
    before = mutations(demo)["returns"]
    made = await store.create_return(**request)
    again = await store.create_return(**request)
    # another action server (or a restart): nothing in memory, the order's state tells
    other = make_store(origin)
    from_state = await other.create_return(**request)
    await other.aclose()
    assert made.rma_number == again.rma_number == from_state.rma_number == "#10010-R1"
    assert made.refund_amount == sweater.unit_price
    assert mutations(demo)["returns"] == before + 1
    (created,) = demo.shop.orders["gid://shopify/Order/10010"]["returns"]["nodes"]
    assert created["status"] == "REQUESTED"
    assert created["returnLineItems"]["nodes"][0]["returnReason"] == "SIZE_TOO_SMALL"


async def test_a_final_sale_line_is_refused_before_shopify_is_asked(
    store: ShopifyStore, demo: DemoShopify
) -> None:
    order = await store.lookup_order(order_number="10010", email="jo@example.com")
    scarf = next(line for line in order.lines if line.final_sale)
    before = mutations(demo)["returns"]
    with pytest.raises(StoreRefusal) as refused:
        await store.create_return(
            order_number="10010", email="jo@example.com", lines=[ReturnLine(scarf.line_id, 1)],
            reason="changed_mind", idempotency_key="return-key-2",
        )
    assert refused.value.code == "final_sale"
    assert mutations(demo)["returns"] == before


async def test_cancel_once_then_the_cancelled_order(store: ShopifyStore, demo: DemoShopify) -> None:
    cancelled = await store.cancel_order(order_number="10011", email="jo@example.com",
                                         idempotency_key="cancel-1")
    again = await store.cancel_order(order_number="10011", email="jo@example.com",
                                     idempotency_key="cancel-1")
    assert cancelled.status == again.status == "cancelled"
    assert [r.status for r in again.refunds] == ["pending"]
    assert mutations(demo)["cancel_jobs"] == 1


async def test_a_shipped_order_is_not_cancelled(store: ShopifyStore, demo: DemoShopify) -> None:
    with pytest.raises(StoreRefusal) as refused:
        await store.cancel_order(order_number="10023", email="jo@example.com",
                                 idempotency_key="cancel-2")
    assert refused.value.code == "already_shipped"
    assert mutations(demo)["cancel_jobs"] == 0


async def test_the_address_changes_and_is_read_back(store: ShopifyStore) -> None:
    order = await store.lookup_order(order_number="10001", email="ada@example.com")
    new = replace(order.shipping_address, line1="2 Market Street", city="Leeds",
                  postcode="ls1 4ap")
    changed = await store.change_shipping_address(
        order_number="10001", email="ada@example.com", address=new, idempotency_key="addr-1"
    )
    assert (changed.shipping_address.line1, changed.shipping_address.postcode) == (
        "2 Market Street", "LS1 4AP"
    )


async def test_an_address_change_shopify_drops_silently_is_not_confirmed(
    store: ShopifyStore, demo: DemoShopify
) -> None:
    demo.faults.ignore_address_updates = True
    order = await store.lookup_order(order_number="10001", email="ada@example.com")
    new = Address(name=order.shipping_address.name, line1="9 Other Road", city="York",
                  postcode="YO1 7HH", country="GB")
    with pytest.raises(StoreUnavailable, match="did not apply"):
        await store.change_shipping_address(
            order_number="10001", email="ada@example.com", address=new, idempotency_key="a-2"
        )


async def test_a_customers_recent_orders_newest_first(store: ShopifyStore) -> None:
    recent = await store.recent_orders(email="jo@example.com")
    assert [o.order_number for o in recent] == ["10011", "10023", "10010", "10012"]
    assert recent[0].status == "processing"


async def test_shopify_down_is_store_unavailable(store: ShopifyStore, demo: DemoShopify) -> None:
    demo.faults.server_errors = 5
    with pytest.raises(StoreUnavailable):
        await store.lookup_order(order_number="10023", email="jo@example.com")


async def test_a_bad_token_is_reported_by_the_check(origin: str) -> None:
    bad = make_store(origin, token="shpat_revoked")
    problems = await bad.check()
    with pytest.raises(StoreUnauthorized):
        await bad.lookup_order(order_number="10023", email="jo@example.com")
    await bad.aclose()
    assert len(problems) == 1 and "bad or revoked token" in problems[0]


async def test_the_check_names_a_missing_scope_and_a_version(demo: DemoShopify) -> None:
    demo.scopes = ALL_SCOPES - {"write_returns"}
    with serve_demo(demo) as origin:
        scoped = make_store(origin)
        old = make_store(origin, version="2025-01")
        assert await scoped.check() == [
            "the app is not granted the write_returns access scope (add it to the custom "
            "app and reinstall it)"
        ]
        (problem,) = await old.check()
        await scoped.aclose()
        await old.aclose()
    assert "SHOPIFY_API_VERSION" in problem and "2026-07" in problem


async def test_the_same_line_again_with_a_new_request_is_a_second_return(
    store: ShopifyStore, origin: str, demo: DemoShopify
) -> None:
    order = await store.lookup_order(order_number="10002", email="ben@example.com")
    tee = next(line for line in order.lines if line.quantity == 2)

    async def one_tee(adapter: ShopifyStore, key: str):
        return await adapter.create_return(
            order_number="10002", email="ben@example.com", lines=[ReturnLine(tee.line_id, 1)],
            reason="wrong_size", comment="too tight", idempotency_key=key,
        )

    first = await one_tee(store, "tee-first")
    second = await one_tee(store, "tee-second")
    other = make_store(origin)  # a retry of the first, on another action server
    first_again = await one_tee(other, "tee-first")
    await other.aclose()
    assert (first.rma_number, second.rma_number) == ("#10002-R1", "#10002-R2")
    assert first_again.rma_number == "#10002-R1"
    notes = [item["customerNote"] for ret in
             demo.shop.orders["gid://shopify/Order/10002"]["returns"]["nodes"]
             for item in ret["returnLineItems"]["nodes"]]
    assert notes[0].startswith("too tight (shopdesk:") and notes[0] != notes[1]


async def test_shopify_return_mode_create_opens_the_return_at_once(
    origin: str, demo: DemoShopify
) -> None:
    settings = ActionSettings.from_env({
        "SHOPDESK_STORE_BACKEND": "shopify",
        "SHOPIFY_SHOP": "shopdesk-demo.myshopify.com",
        "SHOPIFY_ADMIN_URL": origin,
        "SHOPIFY_ACCESS_TOKEN": TOKEN,
        "SHOPIFY_RETURN_MODE": "create",
        "STORE_TIMEOUT_SECONDS": str(TIMEOUT),
    })
    made = []
    for _ in range(2):  # the second: a retried turn on another action server
        store = build_store(settings)
        try:
            order = await store.lookup_order(order_number="10010", email="jo@example.com")
            sweater = next(line for line in order.lines if line.name == "Merino Crew Sweater")
            made.append(await store.create_return(
                order_number="10010", email="jo@example.com",
                lines=[ReturnLine(sweater.line_id, 1)], reason="damaged",
                idempotency_key="return-open-1",
            ))
        finally:
            await store.aclose()
    (created,) = demo.shop.orders["gid://shopify/Order/10010"]["returns"]["nodes"]
    assert [m.rma_number for m in made] == ["#10010-R1", "#10010-R1"]
    assert created["status"] == "OPEN"
    assert created["returnLineItems"]["nodes"][0]["returnReason"] == "DEFECTIVE"
