"""The demo Shopify each test of this folder talks to over real HTTP: a fresh one per test,
accepting TOKEN and the app's client credentials."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from store.shopify_demo.server import DemoShopify
from tests.support.shopify_demo import CLIENT_ID, CLIENT_SECRET, TOKEN, serve_demo


@pytest.fixture()
def demo() -> DemoShopify:
    return DemoShopify(access_tokens=frozenset({TOKEN}), client_id=CLIENT_ID,
                       client_secret=CLIENT_SECRET)


@pytest.fixture()
def origin(demo: DemoShopify) -> Iterator[str]:
    with serve_demo(demo) as url:
        yield url
