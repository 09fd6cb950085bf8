"""Storefront pages rendered through the router, over an in-memory catalog (no database)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from store.storefront import (
    WIDGET_BUNDLE,
    CustomerOrders,
    OrderSummary,
    ProductSummary,
    StorefrontSettings,
    create_storefront_router,
)
from store.storefront.catalog import ShipmentSummary

SECRET = "unit-test-identity-secret-0123456789abcdef"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _order(number: str, **overrides: object) -> OrderSummary:
    base = OrderSummary(
        order_number=number,
        status="shipped",
        placed_on=date(2025, 2, 27),
        currency="GBP",
        total_cents=18900,
        items=("Waxed Field Jacket",),
        shipments=(),
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


@dataclass
class InMemoryCatalog:
    products_list: list[ProductSummary] = field(default_factory=list)
    customers: dict[str, CustomerOrders] = field(default_factory=dict)

    def products(self) -> list[ProductSummary]:
        return self.products_list

    def customer_orders(self, email: str) -> CustomerOrders | None:
        return self.customers.get(email)


JO = CustomerOrders(
    customer_id=1,
    name="Jo Rivera",
    email="jo@example.com",
    orders=(
        _order(
            "10023",
            shipments=(
                ShipmentSummary(
                    "UPS",
                    "1Z999",
                    "https://www.ups.com/track?tracknum=1Z999",
                    "in_transit",
                ),
            ),
        ),
        _order("10010", status="delivered", total_cents=10400),
    ),
)


def _client(catalog: InMemoryCatalog, **settings: object) -> TestClient:
    app = FastAPI()
    app.include_router(
        create_storefront_router(
            catalog=catalog,
            settings=StorefrontSettings(identity_secret=SECRET, **settings),  # type: ignore[arg-type]
            clock=lambda: NOW,
        )
    )
    return TestClient(app)


def _widget_config(html: str) -> dict:
    match = re.search(r"<script nonce=\"([^\"]+)\">window\.ShopdeskConfig = (.*?);</script>", html)
    assert match, "inline widget config missing"
    return json.loads(match.group(2))


def test_home_lists_products_and_embeds_the_widget() -> None:
    catalog = InMemoryCatalog(
        products_list=[
            ProductSummary("APP-003", "Waxed Field Jacket", "apparel", 18900, False),
            ProductSummary("ACC-002", "Clearance Linen Scarf", "accessories", 1500, True),
        ]
    )
    response = _client(catalog).get("/")
    assert response.status_code == 200
    html = response.text
    assert "Waxed Field Jacket" in html and "£189.00" in html and "Final sale" in html
    assert '<script src="/static/shopdesk-widget.js" async></script>' in html
    config = _widget_config(html)
    assert config["serverUrl"] == "http://127.0.0.1:5005"
    assert "identityToken" not in config  # anonymous page: no identity


def test_order_history_issues_a_token_for_the_demo_customer() -> None:
    response = _client(InMemoryCatalog(customers={"jo@example.com": JO})).get("/account/orders")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    html = response.text
    assert "Order #10023" in html and "Order #10010" in html
    assert 'href="https://www.ups.com/track?tracknum=1Z999"' in html
    token = _widget_config(html)["identityToken"]
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert (
        claims["sub"] == "1"
        and claims["email"] == "jo@example.com"
        and claims["iss"] == "shopdesk-store"
    )
    assert claims["exp"] - claims["iat"] == 15 * 60


def test_missing_demo_customer_means_no_token() -> None:
    html = _client(InMemoryCatalog()).get("/account/orders").text
    assert "python -m store seed" in html
    assert "identityToken" not in _widget_config(html)


def test_untrusted_text_is_escaped_everywhere() -> None:
    evil_customer = CustomerOrders(
        customer_id=2,
        name=EVIL,
        email="jo@example.com",
        orders=(
            _order(
                "10023",
                items=(EVIL,),
                shipments=(ShipmentSummary("UPS", "1Z", "javascript:alert(1)", "in_transit"),),
            ),
        ),
    )
    catalog = InMemoryCatalog(
        products_list=[ProductSummary("X", EVIL, "apparel", 100, False)],
        customers={"jo@example.com": evil_customer},
    )
    client = _client(catalog)
    for path in ("/", "/account/orders"):
        html = client.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html
        assert "javascript:" not in html


def test_config_json_cannot_break_out_of_its_script_tag() -> None:
    html = _client(InMemoryCatalog(), store_name="</script><script>alert(1)</script>").get("/").text
    config_script = re.search(r"window\.ShopdeskConfig = (.*?);</script>", html)
    assert config_script and "</script>" not in config_script.group(1)
    assert _widget_config(html)["title"].startswith("</script>")


def test_content_security_policy_allows_only_own_scripts_and_the_bot() -> None:
    response = _client(InMemoryCatalog(), widget_server_url="https://bot.example.com").get("/")
    csp = response.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp)
    assert nonce and f'<script nonce="{nonce.group(1)}">' in response.text
    assert "connect-src 'self' https://bot.example.com" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]


@pytest.mark.skipif(not WIDGET_BUNDLE.is_file(), reason="widget bundle not built")
def test_static_widget_bundle_is_served() -> None:
    response = _client(InMemoryCatalog()).get("/static/shopdesk-widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.content == WIDGET_BUNDLE.read_bytes()


def test_unknown_static_paths_are_not_found() -> None:
    client = _client(InMemoryCatalog())
    for path in ("/static/nope.js", "/static/..%2Fsettings.py", "/static/router.py"):
        assert client.get(path).status_code == 404
