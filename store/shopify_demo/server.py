"""A local stand-in for one shop's Shopify Admin API, over HTTP.

- `POST /admin/api/<version>/graphql.json`: the Admin GraphQL API (graphql_api.py) with the
  `X-Shopify-Access-Token` check (401 as Shopify words it), the access scopes the token was
  granted (`ACCESS_DENIED`), the cost bucket (`extensions.cost.throttleStatus`, `THROTTLED`),
  and API versions: a version not served falls forward to the oldest one served (the
  `X-Shopify-API-Version` header says which), a malformed one is 404.
- `POST /admin/oauth/access_token`: the client-credentials grant, tokens that expire.
- `GET /health`: liveness only, no data.
- `GET|POST /_demo/faults`, `POST /_demo/reset` (same token): fault switches — the next n
  answers `THROTTLED`, 429 with `Retry-After`, 500; every answer slow; address updates
  dropped silently — and the demo orders back to their first state.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from store.shopify_demo import graphql_api
from store.shopify_demo.fixtures import demo_orders
from store.shopify_demo.shop import DemoShop

SERVED_VERSIONS = ("2026-07",)
ALL_SCOPES = frozenset(
    {"read_orders", "write_orders", "read_returns", "write_returns", "read_products",
     "read_all_orders"}
)
_VERSION = re.compile(r"^(\d{4}-\d{2}|unstable)$")
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"


@dataclass
class Faults:
    """What the next answers of the GraphQL endpoint do instead of their work."""

    throttled: int = 0  # answered THROTTLED
    # The wait those answers' cost figures imply, in seconds (at most cost / restore rate).
    throttle_wait: float = 0.2
    rate_limited: int = 0  # answered 429
    retry_after: float = 1.0  # their Retry-After
    server_errors: int = 0  # answered 500
    delay_seconds: float = 0.0  # every answer waits this long first
    ignore_address_updates: bool = False  # orderUpdate answers but changes nothing


@dataclass
class CostBucket:
    """The app's leaky bucket of query cost points."""

    maximum: float = 2000.0
    restore_rate: float = 100.0
    clock: Callable[[], float] = time.monotonic
    available: float = -1.0
    _updated: float = 0.0

    def __post_init__(self) -> None:
        self.available = self.maximum if self.available < 0 else self.available
        self._updated = self.clock()

    def refill(self) -> None:
        now = self.clock()
        self.available = min(self.maximum,
                             self.available + (now - self._updated) * self.restore_rate)
        self._updated = now

    def spend(self, cost: float) -> bool:
        self.refill()
        if cost > self.available:
            return False
        self.available -= cost
        return True

    def refund(self, points: float) -> None:
        self.available = min(self.maximum, self.available + max(points, 0.0))

    def status(self) -> dict[str, float]:
        return {
            "maximumAvailable": self.maximum,
            "currentlyAvailable": round(self.available, 1),
            "restoreRate": self.restore_rate,
        }


@dataclass
class DemoShopify:
    """One demo shop and how its API behaves."""

    access_tokens: frozenset[str]
    client_id: str | None = None
    client_secret: str | None = None
    token_lifetime: float = 86_399.0
    scopes: frozenset[str] = ALL_SCOPES
    served_versions: tuple[str, ...] = SERVED_VERSIONS
    final_sale_tag: str = "final-sale"
    shop_domain: str = "shopdesk-demo.myshopify.com"
    clock: Callable[[], float] = time.monotonic
    today: Callable[[], date] = lambda: datetime.now(UTC).date()
    faults: Faults = field(default_factory=Faults)
    bucket: CostBucket = field(default_factory=CostBucket)
    token_exchanges: int = 0
    graphql_requests: int = 0
    _issued: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    shop: DemoShop = field(init=False)

    def __post_init__(self) -> None:
        self.bucket.clock = self.clock
        self.bucket.refill()
        self.reset()

    def reset(self) -> None:
        """The demo orders as seeded (dates relative to today)."""
        orders = demo_orders(today=self.today(), final_sale_tag=self.final_sale_tag)
        self.shop = DemoShop(
            name="Shopdesk Demo",
            domain=self.shop_domain,
            orders={o["id"]: o for o in orders},
        )

    def token_valid(self, token: str | None) -> bool:
        if not token:
            return False
        if any(hmac.compare_digest(token, known) for known in self.access_tokens):
            return True
        expires = self._issued.get(token)
        return expires is not None and self.clock() < expires

    def issue_token(self) -> dict[str, Any]:
        token = "shpat_" + secrets.token_hex(16)
        with self._lock:
            self._issued[token] = self.clock() + self.token_lifetime
            self.token_exchanges += 1
        return {
            "access_token": token,
            "scope": ",".join(sorted(self.scopes)),
            "expires_in": int(self.token_lifetime),
        }

    def take_fault(self, name: str) -> bool:
        with self._lock:
            left = getattr(self.faults, name)
            if left > 0:
                setattr(self.faults, name, left - 1)
                return True
            return False


def _errors(status: int, errors: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"errors": errors}, status_code=status, headers=headers)


def create_app(demo: DemoShopify) -> Starlette:
    schema = graphql_api.demo_schema(demo.served_versions[0])

    async def graphql(request: Request) -> Response:
        version = request.path_params["version"]
        if not _VERSION.fullmatch(version):
            return _errors(404, "Not Found")
        if not demo.token_valid(request.headers.get("X-Shopify-Access-Token")):
            return _errors(401, INVALID_TOKEN)
        served = version if version in demo.served_versions else demo.served_versions[0]
        headers = {"X-Shopify-API-Version": served}
        demo.graphql_requests += 1
        if demo.faults.delay_seconds > 0:
            await asyncio.sleep(demo.faults.delay_seconds)
        if demo.take_fault("server_errors"):
            return _errors(500, "Internal Server Error", headers)
        if demo.take_fault("rate_limited"):
            return _errors(429, "Exceeded 2 calls per second for api client. Reduce request "
                           "rates to resume uninterrupted service.",
                           {**headers, "Retry-After": f"{demo.faults.retry_after:g}"})
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _errors(400, {"query": "Required parameter missing or invalid"}, headers)
        variables = body.get("variables") if isinstance(body.get("variables"), dict) else {}
        operation_name = body.get("operationName")
        prepared = graphql_api.prepare(schema, body.get("query"), variables, operation_name)
        if prepared.errors:
            return JSONResponse({"errors": prepared.errors}, headers=headers)

        denied = sorted(
            (pair, scope)
            for pair, scope in graphql_api.REQUIRED_SCOPES.items()
            if pair in prepared.scopes_used and scope not in demo.scopes
        )
        if denied:
            (type_name, field_name), scope = denied[0]
            return JSONResponse({"data": None, "errors": [{
                "message": f"Access denied for {field_name} field. Required access: "
                           f"`{scope}` access scope.",
                "extensions": {
                    "code": "ACCESS_DENIED",
                    "documentation": "https://shopify.dev/api/usage/access-scopes",
                    "requiredAccess": f"`{scope}` access scope.",
                },
                "path": [field_name],
            }]}, headers=headers)

        with demo._lock:
            if demo.faults.throttled > 0:
                demo.faults.throttled -= 1
                available = max(prepared.cost - demo.faults.throttle_wait
                                * demo.bucket.restore_rate, 0.0)
                throttled = {**demo.bucket.status(), "currentlyAvailable": available}
                spent = False
            else:
                spent = demo.bucket.spend(prepared.cost)
                throttled = demo.bucket.status()
        if not spent:
            return JSONResponse({
                "errors": [{"message": "Throttled", "extensions": {
                    "code": "THROTTLED",
                    "documentation": "https://shopify.dev/api/usage/rate-limits",
                }}],
                "extensions": {"cost": {
                    "requestedQueryCost": prepared.cost,
                    "actualQueryCost": None,
                    "throttleStatus": throttled,
                }},
            }, headers=headers)

        demo.shop.ignore_address_updates = demo.faults.ignore_address_updates
        result = graphql_api.run(
            schema, prepared, variables=variables, operation_name=operation_name,
            context={"shop": demo.shop, "scopes": demo.scopes},
        )
        answer: dict[str, Any] = {"data": result.data}
        if result.errors:
            answer["errors"] = [e.formatted for e in result.errors]
        actual = min(graphql_api.actual_cost(result.data) - 1, prepared.cost)
        with demo._lock:
            demo.bucket.refund(prepared.cost - max(actual, 0))
            status = demo.bucket.status()
        answer["extensions"] = {"cost": {
            "requestedQueryCost": prepared.cost,
            "actualQueryCost": max(actual, 0),
            "throttleStatus": status,
        }}
        return JSONResponse(answer, headers=headers)

    async def access_token(request: Request) -> Response:
        content_type = request.headers.get("content-type", "")
        body = await request.body()
        form: dict[str, Any] = {}
        if "json" in content_type:
            try:
                raw = json.loads(body)
            except ValueError:
                raw = {}
            form = raw if isinstance(raw, dict) else {}
        elif "x-www-form-urlencoded" in content_type:
            form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        ok = (
            demo.client_id is not None
            and demo.client_secret is not None
            and hmac.compare_digest(str(form.get("client_id", "")), demo.client_id)
            and hmac.compare_digest(str(form.get("client_secret", "")), demo.client_secret)
        )
        if not ok:
            return JSONResponse(
                {"error": "invalid_client",
                 "error_description": "Client authentication failed"}, status_code=401
            )
        return JSONResponse(demo.issue_token())

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    def _control_allowed(request: Request) -> bool:
        token = request.headers.get("X-Shopify-Access-Token")
        return token is not None and any(
            hmac.compare_digest(token, known) for known in demo.access_tokens
        )

    async def faults(request: Request) -> Response:
        if not _control_allowed(request):
            return _errors(401, INVALID_TOKEN)
        if request.method == "POST":
            try:
                changes = json.loads(await request.body())
            except ValueError:
                changes = None
            known = sorted(f.name for f in fields(Faults))
            if not isinstance(changes, dict) or not set(changes) <= set(known):
                return _errors(422, {"faults": f"expected an object with keys from {known}"})
            with demo._lock:
                for key, value in changes.items():
                    current = getattr(demo.faults, key)
                    if isinstance(current, bool) != isinstance(value, bool) or not isinstance(
                        value, (int, float)
                    ):
                        return _errors(422, {key: "wrong type"})
                    setattr(demo.faults, key, type(current)(value))
        return JSONResponse(asdict(demo.faults))

    async def reset(request: Request) -> Response:
        if not _control_allowed(request):
            return _errors(401, INVALID_TOKEN)
        with demo._lock:
            demo.reset()
            demo.faults = Faults()
        return JSONResponse({"status": "reset"})

    return Starlette(routes=[
        Route("/admin/api/{version}/graphql.json", graphql, methods=["POST"]),
        Route("/admin/oauth/access_token", access_token, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
        Route("/_demo/faults", faults, methods=["GET", "POST"]),
        Route("/_demo/reset", reset, methods=["POST"]),
    ])
