"""The storefront's routes: ``/``, ``/account/orders`` and the widget bundle under ``/static``."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine

from common import paths
from store.storefront.catalog import SqlCatalog, StorefrontCatalog
from store.storefront.identity import issue_identity_token
from store.storefront.settings import StorefrontSettings

PACKAGE_DIR = Path(__file__).resolve().parent
WIDGET_BUNDLE = paths.ROOT / "web" / "widget" / "dist" / "shopdesk-widget.js"
# Only these files are served: no user-controlled paths ever reach the filesystem.
STATIC_FILES = {
    "shopdesk-widget.js": (WIDGET_BUNDLE, "text/javascript"),
    "storefront.css": (PACKAGE_DIR / "static" / "storefront.css", "text/css"),
}
CURRENCY_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}
STATUS_LABELS = {
    "processing": "Processing",
    "shipped": "Shipped",
    "delivered": "Delivered",
    "cancelled": "Cancelled",
    "returned": "Returned",
    "label_created": "Label created",
    "in_transit": "In transit",
    "out_for_delivery": "Out for delivery",
    "exception": "Delivery problem",
}


def _money(cents: int, currency: str = "GBP") -> str:
    symbol = CURRENCY_SYMBOLS.get(currency)
    amount = f"{cents / 100:,.2f}"
    return f"{symbol}{amount}" if symbol else f"{amount} {currency}"


def _http_url(url: str) -> str | None:
    """Only http(s) links make it into an href (tracking URLs come from the database)."""
    return url if urlsplit(url).scheme in ("http", "https") else None


def _templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(PACKAGE_DIR / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = _money
    env.filters["http_url"] = _http_url
    env.filters["status_label"] = lambda s: STATUS_LABELS.get(s, s.replace("_", " ").capitalize())
    return env


def _security_headers(response: Response, *, nonce: str, widget_origin: str) -> None:
    # Defence in depth against XSS: only our own scripts (and the nonce'd config) may run;
    # the widget may talk to the store and to Rasa.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        f"connect-src 'self' {widget_origin}; "
        "img-src 'self' https: data:; "
        "style-src 'self' 'unsafe-inline'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"


def create_storefront_router(
    *,
    settings: StorefrontSettings,
    engine: Engine | None = None,
    catalog: StorefrontCatalog | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> APIRouter:
    """Routes for the demo storefront. Pass the store's ``engine`` (or any ``catalog``)."""
    if (engine is None) == (catalog is None):
        raise ValueError("pass exactly one of engine or catalog")
    source: StorefrontCatalog = catalog if catalog is not None else SqlCatalog(cast(Engine, engine))
    templates = _templates()
    router = APIRouter(include_in_schema=False)

    def page(
        request: Request,
        template: str,
        *,
        identity_token: str | None = None,
        **context: Any,
    ) -> HTMLResponse:
        nonce = secrets.token_urlsafe(16)
        widget_config: dict[str, Any] = {
            "serverUrl": settings.widget_server_url,
            "title": f"{settings.store_name} help",
            "subtitle": "Order status, returns, refunds",
            "greeting": (
                "Hi! I can check an order's status, start a return or look up a refund. "
                "What can I help you with?"
            ),
            # no "locale": the widget takes the page's <html lang> and sends it to the bot
            "colors": {"primary": "#1d4ed8"},
        }
        if identity_token:
            widget_config["identityToken"] = identity_token
        html = templates.get_template(template).render(
            request_path=request.url.path,
            store_name=settings.store_name,
            widget_config=widget_config,
            csp_nonce=nonce,
            **context,
        )
        response = HTMLResponse(html)
        _security_headers(response, nonce=nonce, widget_origin=settings.widget_origin)
        return response

    @router.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        return page(request, "home.html", products=source.products())

    @router.get("/account/orders", response_class=HTMLResponse)
    def order_history(request: Request) -> HTMLResponse:
        # Demo "session": the page is always signed in as the configured demo customer.
        customer = source.customer_orders(settings.demo_customer_email)
        token = None
        if customer is not None:
            token = issue_identity_token(
                customer_id=customer.customer_id,
                email=customer.email,
                secret=settings.identity_secret,
                now=clock(),
                ttl=timedelta(seconds=settings.token_ttl_seconds),
            )
        response = page(request, "orders.html", identity_token=token, customer=customer)
        # The page embeds a bearer credential: keep it out of shared caches.
        response.headers["Cache-Control"] = "no-store"
        return response

    @router.get("/static/{name}")
    def static(name: str) -> Response:
        entry = STATIC_FILES.get(name)
        if entry is None or not entry[0].is_file():
            return Response("not found", status_code=404, media_type="text/plain")
        path, media_type = entry
        return FileResponse(path, media_type=media_type, headers={"Cache-Control": "no-cache"})

    return router
