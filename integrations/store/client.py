"""The store port on the reference store (store/): its HTTP API, one adapter of
`integrations/store/port.py`.

Every call has one total deadline (``timeout``, default ``DEFAULT_TIMEOUT``) so the bot can
still apologise within about three seconds. Success is strict: a 2xx status *and* the
documented JSON shape; anything else raises a typed ``StoreError``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote

import httpx

from common.forwarded_client import signed_client_headers
from common.order_numbers import REFERENCE_FORMAT, OrderNumberFormat
from integrations.store.errors import (
    InvalidRequest,
    OrderNotFound,
    StoreError,
    StoreRateLimited,
    StoreRefusal,
    StoreUnauthorized,
    StoreUnavailable,
)
from integrations.store.models import (
    Address,
    MalformedResponse,
    Order,
    OrderSummary,
    ReturnAuthorization,
    ReturnEligibility,
    ReturnLine,
    StorePolicy,
)
from integrations.store.port import DEFAULT_TIMEOUT

log = logging.getLogger(__name__)
T = TypeVar("T")


def _order_path(order_number: str, suffix: str) -> str:
    number = order_number.strip().removeprefix("#").strip()
    return f"/api/v1/orders/{quote(number, safe='')}/{suffix}"


class StoreClient:
    """Talks to the store over HTTP. Create once, reuse, and ``await aclose()`` at shutdown."""

    def __init__(
        self,
        *,
        base_url: str,
        api_token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        forwarding_secret: bytes | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        policy_ttl: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if policy_ttl < 0:
            raise ValueError("policy_ttl must not be negative")
        self._timeout = timeout
        # The store's policy (return window, shipping methods) changes a few times a year
        # but was a quarter of the store calls: kept for `policy_ttl` seconds (0: not kept).
        self._policy_ttl = policy_ttl
        self._clock = clock
        self._policy: tuple[float, StorePolicy] | None = None
        self._forwarding_secret = forwarding_secret
        headers = {"Accept": "application/json", "User-Agent": "shopdesk-bot"}
        if api_token:
            headers["Authorization"] = f"Bearer {api_token}"
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers=headers,
            timeout=httpx.Timeout(timeout),
            transport=transport,
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # --- public API ------------------------------------------------------------------

    @property
    def order_numbers(self) -> OrderNumberFormat:
        return REFERENCE_FORMAT

    async def check(self) -> list[str]:
        """What stops the reference store from working (it does not answer), or []."""
        if await self.health():
            return []
        return [f"the reference store at {self._http.base_url} does not answer /health"]

    async def recent_orders(
        self, *, email: str, identity_token: str | None = None, limit: int = 5
    ) -> list[OrderSummary]:
        """The signed-in customer's newest orders. The store lists them only for the
        storefront's own identity token (so the API cannot be asked for anyone's orders by
        email); without one there is nothing to list."""
        if not identity_token:
            return []
        data = await self._call(
            "POST", "/api/v1/customers/orders",
            json={"identity_token": identity_token, "limit": limit},
        )
        summaries = self._parse(_summaries, data)
        wanted = email.strip().lower()
        return [s for s in summaries[0] if summaries[1] == wanted]

    async def health(self) -> bool:
        """True when the store answers ``/health`` with ``{"status": "ok"}``; never raises
        for store failures."""
        try:
            data = await self._call("GET", "/health")
        except StoreError:
            return False
        return data.get("status") == "ok"

    async def lookup_order(
        self,
        *,
        order_number: str,
        email: str | None = None,
        postcode: str | None = None,
        client: str | None = None,
    ) -> Order:
        """The order when ``email`` or ``postcode`` matches it; else ``OrderNotFound``.

        ``client`` names the shopper the lookup is made for (their IP or session); the
        store counts failed lookups per client and answers 429 (``StoreRateLimited``)
        beyond its limit. It is forwarded only when the client has a forwarding secret.
        """
        body = _lookup_body(order_number, email=email, postcode=postcode)
        data = await self._call("POST", "/api/v1/orders/lookup", json=body, client=client)
        return self._parse(Order.from_json, data)

    async def lookup_order_with_eligibility(
        self, *, order_number: str, email: str, client: str | None = None
    ) -> tuple[Order, ReturnEligibility]:
        """`lookup_order` and `return_eligibility` in one request: the order and its return
        eligibility, read together by the store. Fails as `lookup_order` does (and counts as
        one lookup towards the client's failed-lookup limit)."""
        body = {
            **_lookup_body(order_number, email=email, postcode=None),
            "include": ["return_eligibility"],
        }
        data = await self._call("POST", "/api/v1/orders/lookup", json=body, client=client)
        return self._parse(_order_with_eligibility, data)

    async def get_policy(self) -> StorePolicy:
        """Return window, shipping methods and costs, refund timing: the store's own policy,
        as the store answered at most `policy_ttl` seconds ago (a failed call is not kept:
        the next one asks the store again)."""
        now = self._clock()
        if self._policy is not None and now - self._policy[0] < self._policy_ttl:
            return self._policy[1]
        policy = self._parse(StorePolicy.from_json, await self._call("GET", "/api/v1/policy"))
        if self._policy_ttl > 0:
            self._policy = (now, policy)
        return policy

    async def return_eligibility(self, *, order_number: str, email: str) -> ReturnEligibility:
        """Per line: may it be returned, how many units, and if not, the rule code."""
        data = await self._call(
            "POST", _order_path(order_number, "returns/eligibility"), json={"email": email}
        )
        return self._parse(ReturnEligibility.from_json, data)

    async def create_return(
        self,
        *,
        order_number: str,
        email: str,
        lines: Sequence[ReturnLine],
        reason: str,
        comment: str | None = None,
        idempotency_key: str,
    ) -> ReturnAuthorization:
        """Create an RMA. Retrying with the same ``idempotency_key`` returns the same RMA.

        Raises ``StoreRefusal`` (code e.g. ``final_sale``) when a rule forbids it.
        """
        body = {
            "email": email,
            "lines": [line.to_json() for line in lines],
            "reason": reason,
            "comment": comment,
        }
        data = await self._call(
            "POST",
            _order_path(order_number, "returns"),
            json=body,
            idempotency_key=idempotency_key,
        )
        return self._parse(ReturnAuthorization.from_json, data)

    async def cancel_order(self, *, order_number: str, email: str, idempotency_key: str) -> Order:
        """Cancel before shipment (``StoreRefusal("already_shipped")`` after). Idempotent."""
        data = await self._call(
            "POST",
            _order_path(order_number, "cancel"),
            json={"email": email},
            idempotency_key=idempotency_key,
        )
        return self._parse(Order.from_json, data)

    async def change_shipping_address(
        self, *, order_number: str, email: str, address: Address, idempotency_key: str
    ) -> Order:
        """Change the address before shipment; ``InvalidRequest.field`` names a bad field."""
        data = await self._call(
            "PUT",
            _order_path(order_number, "shipping-address"),
            json={"email": email, "address": address.to_json()},
            idempotency_key=idempotency_key,
        )
        return self._parse(Order.from_json, data)

    # --- plumbing ----------------------------------------------------------------------

    def _parse(self, parse: Callable[[Any], T], data: Any) -> T:
        try:
            return parse(data)
        except MalformedResponse as exc:
            log.warning("store returned an unexpected shape: %s", exc)
            raise StoreUnavailable(f"malformed response: {exc}") from exc

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        idempotency_key: str | None = None,
        client: str | None = None,
    ) -> dict[str, Any]:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key is not None else {}
        if client and self._forwarding_secret:
            # The shopper the call is for: the store limits failed lookups per shopper.
            headers.update(signed_client_headers(self._forwarding_secret, client))
        try:
            # httpx timeouts are per phase; this bounds the whole call, body included.
            async with asyncio.timeout(self._timeout):
                response = await self._http.request(method, path, json=json, headers=headers)
        except TimeoutError as exc:
            log.warning("store %s %s timed out after %.1fs", method, path, self._timeout)
            raise StoreUnavailable(f"timed out after {self._timeout}s") from exc
        except httpx.TimeoutException as exc:
            log.warning("store %s %s timed out: %r", method, path, exc)
            raise StoreUnavailable(f"timed out: {exc!r}") from exc
        except httpx.HTTPError as exc:
            log.warning("store %s %s failed: %r", method, path, exc)
            raise StoreUnavailable(f"transport error: {exc!r}") from exc
        return self._handle(method, path, response)

    def _handle(self, method: str, path: str, response: httpx.Response) -> dict[str, Any]:
        status = response.status_code
        try:
            data = response.json()
        except ValueError:
            data = None
        if 200 <= status < 300:
            if not isinstance(data, dict):
                log.warning("store %s %s: %s with a non-object body", method, path, status)
                raise StoreUnavailable(f"HTTP {status} with a non-JSON-object body", status=status)
            return data
        code, message, field = _error_fields(data)
        log.info("store %s %s -> %s %s: %s", method, path, status, code, message)
        if status == 404 and code == "order_not_found":
            raise OrderNotFound(message or "order not found", status=status)
        if status == 429:
            raise StoreRateLimited(
                f"HTTP 429: {code or 'rate limited'}",
                retry_after=_retry_after(response.headers.get("Retry-After")),
            )
        if status in (401, 403):
            raise StoreUnauthorized(f"HTTP {status}: {message}", status=status)
        if status == 409 and code:
            raise StoreRefusal(code, message or code, status=status)
        if status in (400, 422) and code:
            raise InvalidRequest(field or "body", message or code, status=status)
        raise StoreUnavailable(f"HTTP {status}: {code or 'no error code'}", status=status)


def _retry_after(raw: str | None) -> float | None:
    try:
        value = float(raw) if raw is not None else None
    except ValueError:
        return None
    return value if value is not None and 0 <= value < 86_400 else None


def _error_fields(data: Any) -> tuple[str | None, str, str | None]:
    """(code, message, field) from ``{"error": {...}}``; None code when the shape is off."""
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("code"), str):
        return None, "", None
    message = error.get("message")
    field = error.get("field")
    return (
        error["code"],
        message if isinstance(message, str) else "",
        field if isinstance(field, str) else None,
    )


def _lookup_body(order_number: str, *, email: str | None, postcode: str | None) -> dict[str, Any]:
    if (email is None) == (postcode is None):
        raise ValueError("pass exactly one of email or postcode")
    body: dict[str, Any] = {"order_number": order_number.strip().removeprefix("#")}
    if email is not None:
        body["email"] = email
    else:
        body["postcode"] = postcode
    return body


def _order_with_eligibility(data: Any) -> tuple[Order, ReturnEligibility]:
    eligibility = data.get("return_eligibility") if isinstance(data, dict) else None
    if eligibility is None:
        raise MalformedResponse("the lookup answered without return_eligibility")
    return Order.from_json(data), ReturnEligibility.from_json(eligibility)


def _summaries(data: Any) -> tuple[list[OrderSummary], str]:
    orders = data.get("orders") if isinstance(data, dict) else None
    email = data.get("email") if isinstance(data, dict) else None
    if not isinstance(orders, list) or not isinstance(email, str):
        raise MalformedResponse("expected {\"email\": ..., \"orders\": [...]}")
    return [OrderSummary.from_json(o) for o in orders], email.strip().lower()
