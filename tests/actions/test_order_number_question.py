"""Asking for the order number (actions/order_number_question.py): the store's format as
the hint, or a signed-in shopper's recent orders as buttons — from the reference store and
from Shopify alike."""

from __future__ import annotations

import time
from collections.abc import Iterator

import jwt
import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import bootstrap
from actions.order_number_question import ActionAskOrderNumber
from integrations.shopify.client import ShopifyClient
from integrations.store.configured_policy import StorePolicy as ConfiguredPolicy
from integrations.store.models import StorePolicy
from integrations.store.shopify import ShopifyStore
from store.shopify_demo.server import DemoShopify
from tests.actions.conftest import IDENTITY_SECRET, configure, load_tracker
from tests.support.shopify_demo import serve_demo

DOMAIN: dict = {}
JO_NEWEST_FIRST = ["10011", "10023", "10010", "10012"]


def signed_in(email: str = "jo@example.com") -> str:
    now = int(time.time())
    return jwt.encode(
        {"iss": "shopdesk-store", "sub": "1", "email": email, "iat": now, "exp": now + 600},
        IDENTITY_SECRET, algorithm="HS256",
    )


def asking(*, token: str | None):
    tracker = load_tracker("logged_in_names_order", order_number=None,
                           requested_slot="order_number")
    tracker.latest_message["metadata"] = {"identity_token": token} if token else {}
    return tracker


def offered(dispatcher: CollectingDispatcher) -> list[str]:
    return [b["payload"] for m in dispatcher.messages for b in m.get("buttons") or []]


@pytest.fixture()
def shopify_backend(store_url: str) -> Iterator[None]:
    demo = DemoShopify(access_tokens=frozenset({"shpat_actions"}))
    with serve_demo(demo) as origin:
        client = ShopifyClient(admin_origin=origin, api_version="2026-07",
                               access_token="shpat_actions")
        store = ShopifyStore(client, policy=StorePolicy.from_json(ConfiguredPolicy().to_json()),
                             final_sale_tag="final-sale")
        bootstrap.configure(configure(store_url), store=store)
        yield


async def test_a_signed_in_shopper_gets_their_recent_orders(services) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionAskOrderNumber().run(dispatcher, asking(token=signed_in()), DOMAIN)
    assert events == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_order_number_recent"]
    assert offered(dispatcher) == [
        f'/inform{{"order_number": "{n}"}}' for n in JO_NEWEST_FIRST
    ]
    assert dispatcher.messages[0]["buttons"][0]["title"].startswith("10011 · ")


async def test_anyone_else_gets_the_question_with_the_format(services) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskOrderNumber().run(dispatcher, asking(token=None), DOMAIN)
    assert dispatcher.messages == [{
        "text": None, "buttons": [], "elements": [], "custom": {},
        "template": "utter_ask_order_number_hint",
        "response": "utter_ask_order_number_hint", "image": None, "attachment": None,
        "hint": "5 digits, like 10023",
    }]


async def test_a_forged_token_lists_nothing(services) -> None:
    forged = jwt.encode({"iss": "shopdesk-store", "sub": "1", "email": "jo@example.com",
                         "iat": int(time.time()), "exp": int(time.time()) + 600},
                        "not-the-secret-0123456789abcdef0123", algorithm="HS256")
    dispatcher = CollectingDispatcher()
    await ActionAskOrderNumber().run(dispatcher, asking(token=forged), DOMAIN)
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_order_number_hint"]
    assert offered(dispatcher) == []


async def test_the_same_buttons_from_shopify(shopify_backend) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskOrderNumber().run(dispatcher, asking(token=signed_in()), DOMAIN)
    assert offered(dispatcher) == [
        f'/inform{{"order_number": "{n}"}}' for n in JO_NEWEST_FIRST
    ]


async def test_shopifys_format_in_the_question(shopify_backend) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskOrderNumber().run(dispatcher, asking(token=None), DOMAIN)
    assert dispatcher.messages[0]["hint"] == "4 or more digits, like #10023"
