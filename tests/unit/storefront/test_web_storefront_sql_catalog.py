"""SqlCatalog over the store's real models and demo seed, in an in-memory SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import StaticPool

from store.catalogue import load_catalogue
from store.models import metadata
from store.seed import seed
from store.storefront import SqlCatalog


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://", poolclass=StaticPool)
    metadata.create_all(engine)
    seed(engine, today=date(2025, 3, 1))
    yield engine
    engine.dispose()


def test_products_in_catalogue_order(engine: Engine) -> None:
    products = SqlCatalog(engine).products()
    assert len(products) == len(load_catalogue())  # the store sells the whole catalogue
    assert products[0].name == "Merino Crew Sweater" and products[0].price_cents == 8900


def test_demo_customer_orders_newest_first(engine: Engine) -> None:
    jo = SqlCatalog(engine).customer_orders("JO@example.com")
    assert jo is not None and jo.name == "Jo Rivera" and jo.customer_id == 1
    assert [o.order_number for o in jo.orders] == ["10011", "10023", "10010", "10012"]
    in_transit = next(o for o in jo.orders if o.order_number == "10023")
    assert in_transit.shipments[0].tracking_url.startswith("https://www.ups.com/")


def test_unknown_customer(engine: Engine) -> None:
    assert SqlCatalog(engine).customer_orders("nobody@example.com") is None
