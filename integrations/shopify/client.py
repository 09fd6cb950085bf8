"""A thin async client for Shopify's Admin GraphQL API (httpx).

Every call is bounded by a deadline (by default `timeout` seconds from the call; a caller
running several calls for one chat turn passes the turn's deadline). Within it the client
waits out Shopify's rate limit — `THROTTLED` for `(requestedQueryCost - currentlyAvailable)
/ restoreRate` seconds, HTTP 429 for `Retry-After` — and tries again; a wait that would end
past the deadline is not started (`ShopifyThrottled` at once, so the shopper still gets an
answer). Success is strict: HTTP 200 from the API version asked for, no GraphQL `errors`,
and the documented shape; anything else is a typed `ShopifyError`.

Authentication: a fixed access token (`X-Shopify-Access-Token`), or the app's client ID and
secret exchanged for a token (client-credentials grant at `/admin/oauth/access_token`),
exchanged again before it expires and once more if Shopify answers 401.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from integrations.shopify.documents import document
from integrations.shopify.errors import (
    ShopifyAccessDenied,
    ShopifyAuthError,
    ShopifyError,
    ShopifyQueryError,
    ShopifyServerError,
    ShopifyThrottled,
    ShopifyTimeout,
    ShopifyUnavailable,
    ShopifyUnsupportedVersion,
    ShopifyUserErrors,
    UserError,
)
from integrations.shopify.models import (
    AccessToken,
    CreatedReturn,
    Health,
    Job,
    MailingAddress,
    Order,
    OrderSummary,
    QueryCost,
    ReturnableFulfillment,
    ReturnLineRequest,
)
from integrations.shopify.settings import ShopifySettings
from integrations.store.port import DEFAULT_TIMEOUT  # the store's one default, waits included

# A client-credentials token is exchanged again this long before Shopify says it expires.
TOKEN_REFRESH_MARGIN = 300.0
# No attempt is started with less time than this left before the deadline.
MIN_ATTEMPT_SECONDS = 0.05
# What a 429 without a usable Retry-After waits.
DEFAULT_RETRY_AFTER = 1.0
# Requests one call may make while rate limited (each after its wait), and the least wait.
MAX_ATTEMPTS = 4
MIN_WAIT_SECONDS = 0.05

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


def search_term(key: str, value: str) -> str:
    """One term of Shopify's search syntax, `key:"value"`, with the value's quotes,
    backslashes and control characters removed (they have no place in a name or email)."""
    cleaned = "".join(ch for ch in value if ch not in '"\\' and ch.isprintable()).strip()
    return f'{key}:"{cleaned}"'


class ShopifyClient:
    """One shop's Admin API. Create once, reuse, and `await aclose()` at shutdown."""

    def __init__(
        self,
        *,
        admin_origin: str,
        api_version: str,
        access_token: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if not access_token and not (client_id and client_secret):
            raise ValueError("an access token, or a client ID and secret, is required")
        self.api_version = api_version
        self.graphql_path = f"/admin/api/{api_version}/graphql.json"
        self._timeout = timeout
        self._clock = clock
        self._sleep = sleep
        self._static_token = access_token
        self._client_id = client_id
        self._client_secret = client_secret
        self._token: str | None = access_token
        self._token_expires_at: float | None = None
        self._token_lock = asyncio.Lock()
        self.token_exchanges = 0  # for diagnostics and tests
        # `extensions.cost` of the latest answer that had one.
        self.last_cost: QueryCost | None = None
        self._http = httpx.AsyncClient(
            base_url=admin_origin.rstrip("/"),
            headers={"Accept": "application/json", "User-Agent": "shopdesk"},
            timeout=httpx.Timeout(timeout),
            transport=transport,
            follow_redirects=False,
        )

    @classmethod
    def from_settings(
        cls,
        settings: ShopifySettings,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> ShopifyClient:
        return cls(
            admin_origin=settings.admin_origin,
            api_version=settings.api_version,
            access_token=settings.access_token,
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            timeout=timeout,
            transport=transport,
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

    def deadline(self) -> float:
        """A deadline `timeout` seconds from now, on the client's clock."""
        return self._clock() + self._timeout

    # --- operations ---------------------------------------------------------------------

    async def health(self, *, deadline: float | None = None) -> Health:
        """The shop and the scopes granted to the app (raises for a bad token, a missing
        `read_orders`-like scope on these fields, or an API version not served)."""
        data = await self.execute("health", {}, deadline=deadline)
        return _parse(Health, data, "health")

    async def order_summaries(
        self, query: str, *, first: int = 5, deadline: float | None = None
    ) -> list[OrderSummary]:
        """Orders matching a search query (see `search_term`), newest first."""
        data = await self.execute(
            "order_summaries", {"query": query, "first": first}, deadline=deadline
        )
        return list(_parse(list[OrderSummary], _path(data, "orders", "nodes"), "orders"))

    async def order(self, order_id: str, *, deadline: float | None = None) -> Order | None:
        data = await self.execute("order_details", {"id": order_id}, deadline=deadline)
        found = _path(data, "order")
        return None if found is None else _parse(Order, found, "order")

    async def returnable_fulfillments(
        self, order_id: str, *, deadline: float | None = None
    ) -> list[ReturnableFulfillment]:
        data = await self.execute(
            "returnable_fulfillments", {"orderId": order_id}, deadline=deadline
        )
        nodes = _path(data, "returnableFulfillments", "nodes")
        return list(_parse(list[ReturnableFulfillment], nodes, "returnableFulfillments"))

    async def request_return(
        self,
        order_id: str,
        lines: Sequence[ReturnLineRequest],
        *,
        create: bool = False,
        deadline: float | None = None,
    ) -> CreatedReturn:
        """`returnRequest` (the merchant approves it), or `returnCreate` with `create`."""
        # The two mutations differ in their input's name and in where a line's note goes.
        name, field, input_name, note_name = (
            ("return_create", "returnCreate", "returnInput", "returnReasonNote") if create
            else ("return_request", "returnRequest", "input", "customerNote")
        )
        items = [
            _drop_none({
                "fulfillmentLineItemId": line.fulfillment_line_item_id,
                "quantity": line.quantity,
                "returnReason": line.return_reason,
                note_name: line.note,
            })
            for line in lines
        ]
        variables = {input_name: {"orderId": order_id, "returnLineItems": items}}
        payload = await self._mutate(name, field, variables, deadline=deadline)
        created = payload.get("return")
        if created is None:
            raise ShopifyServerError(f"{field} answered without a return or user errors")
        return _parse(CreatedReturn, created, field)

    async def cancel_order(
        self,
        order_id: str,
        *,
        reason: str = "CUSTOMER",
        restock: bool = True,
        notify_customer: bool = True,
        staff_note: str | None = None,
        deadline: float | None = None,
    ) -> Job:
        """Starts `orderCancel` (refund to the original payment methods); poll `job()`."""
        variables = _drop_none({
            "orderId": order_id,
            "reason": reason,
            "restock": restock,
            "notifyCustomer": notify_customer,
            "staffNote": staff_note,
        })
        payload = await self._mutate(
            "order_cancel", "orderCancel", variables, errors_key="orderCancelUserErrors",
            deadline=deadline,
        )
        job = payload.get("job")
        if job is None:
            raise ShopifyServerError("orderCancel answered without a job or user errors")
        return _parse(Job, job, "orderCancel")

    async def job(self, job_id: str, *, deadline: float | None = None) -> Job | None:
        data = await self.execute("job", {"id": job_id}, deadline=deadline)
        found = _path(data, "job")
        return None if found is None else _parse(Job, found, "job")

    async def update_shipping_address(
        self, order_id: str, address: Mapping[str, Any], *, deadline: float | None = None
    ) -> MailingAddress | None:
        """`orderUpdate` with a `MailingAddressInput`; the address in Shopify's answer (the
        caller reads the order back as well: the update can be dropped silently)."""
        variables = {"input": {"id": order_id, "shippingAddress": dict(address)}}
        payload = await self._mutate(
            "order_update_shipping_address", "orderUpdate", variables, deadline=deadline
        )
        order = payload.get("order")
        if not isinstance(order, dict):
            raise ShopifyServerError("orderUpdate answered without an order or user errors")
        found = order.get("shippingAddress")
        return None if found is None else _parse(MailingAddress, found, "orderUpdate")

    # --- plumbing -----------------------------------------------------------------------

    async def _mutate(
        self,
        name: str,
        field: str,
        variables: dict[str, Any],
        *,
        errors_key: str = "userErrors",
        deadline: float | None,
    ) -> dict[str, Any]:
        data = await self.execute(name, variables, deadline=deadline)
        payload = data.get(field)
        if not isinstance(payload, dict):
            raise ShopifyServerError(f"{field}: no payload in the answer")
        errors = _user_errors(payload.get(errors_key), field)
        if errors:
            detail = "; ".join(f"{e.code or '-'}: {e.message}" for e in errors)
            raise ShopifyUserErrors(f"{field} refused: {detail}", user_errors=errors)
        return payload

    async def execute(
        self, name: str, variables: Mapping[str, Any], *, deadline: float | None = None
    ) -> dict[str, Any]:
        """Runs the document `documents/<name>.graphql`; its `data`, or a `ShopifyError`."""
        doc = document(name)
        body = {
            "query": doc.text,
            "variables": dict(variables),
            "operationName": doc.operation_name,
        }
        deadline = self.deadline() if deadline is None else deadline
        refreshed = False
        attempts = 0
        while True:
            attempts += 1
            token = await self._access_token(deadline)
            response = await self._post(
                self.graphql_path, json=body, headers={"X-Shopify-Access-Token": token},
                deadline=deadline, what=doc.operation_name,
            )
            try:
                return self._answer(doc.operation_name, response)
            except ShopifyAuthError:
                if self._static_token is not None or refreshed:
                    raise
                # A client-credentials token can be revoked before it expires: once more
                # with a fresh one.
                refreshed = True
                self._token = None
            except ShopifyThrottled as throttled:
                wait = max(throttled.retry_after or 0.0, MIN_WAIT_SECONDS)
                fits = self._clock() + wait + MIN_ATTEMPT_SECONDS <= deadline
                if attempts >= MAX_ATTEMPTS or not fits:
                    log.warning(
                        "shopify %s throttled (attempt %d); a %.2fs wait does not fit",
                        doc.operation_name, attempts, wait,
                    )
                    raise
                log.info("shopify %s throttled; waiting %.2fs", doc.operation_name, wait)
                await self._sleep(wait)

    async def _post(
        self,
        path: str,
        *,
        deadline: float,
        what: str,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        remaining = deadline - self._clock()
        if remaining < MIN_ATTEMPT_SECONDS:
            raise ShopifyTimeout(f"shopify {what}: no time left before the deadline")
        try:
            # httpx timeouts are per phase; this bounds the whole request, body included.
            async with asyncio.timeout(remaining):
                return await self._http.post(path, json=json, data=data, headers=headers)
        except (TimeoutError, httpx.TimeoutException) as exc:
            log.warning("shopify %s timed out after %.2fs", what, remaining)
            raise ShopifyTimeout(f"shopify {what}: timed out after {remaining:.2f}s") from exc
        except httpx.HTTPError as exc:
            log.warning("shopify %s failed: %r", what, exc)
            raise ShopifyUnavailable(f"shopify {what}: transport error: {exc!r}") from exc

    def _answer(self, what: str, response: httpx.Response) -> dict[str, Any]:
        status = response.status_code
        body = _json(response)
        if status == 401:
            raise ShopifyAuthError(
                f"shopify {what}: HTTP 401, the access token was refused: {_brief(body)}",
                response=response,
            )
        if status == 403:
            raise ShopifyAccessDenied(
                f"shopify {what}: HTTP 403, access denied: {_brief(body)}", response=response
            )
        if status == 404:
            raise ShopifyUnsupportedVersion(
                f"shopify {what}: HTTP 404 for {self.graphql_path}: API version "
                f"{self.api_version} is not served (or the shop does not exist)",
                response=response,
            )
        if status == 429:
            raise ShopifyThrottled(
                f"shopify {what}: HTTP 429", response=response,
                retry_after=_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 500 or status in (402, 423):
            # 402: the shop's plan is frozen; 423: the shop is locked.
            raise ShopifyServerError(f"shopify {what}: HTTP {status}", response=response)
        if status != 200:
            raise ShopifyQueryError(
                f"shopify {what}: HTTP {status}: {_brief(body)}", response=response
            )
        served = response.headers.get("X-Shopify-API-Version")
        if served and served != self.api_version:
            raise ShopifyUnsupportedVersion(
                f"shopify {what}: asked for API version {self.api_version}, Shopify served "
                f"{served} (the version asked for is no longer supported)",
                response=response,
            )
        if not isinstance(body, dict):
            raise ShopifyServerError(f"shopify {what}: the answer is not a JSON object",
                                     response=response)
        self._note_cost(body)
        errors = body.get("errors")
        if errors:
            raise self._graphql_error(what, errors, response)
        data = body.get("data")
        if not isinstance(data, dict):
            raise ShopifyServerError(f"shopify {what}: no data in the answer", response=response)
        return data

    def _note_cost(self, body: dict[str, Any]) -> None:
        cost = _path_or_none(body, "extensions", "cost")
        if cost is None:
            return
        try:
            self.last_cost = QueryCost.model_validate(cost)
        except ValidationError:
            log.info("shopify answered an unreadable extensions.cost: %r", cost)

    def _graphql_error(
        self, what: str, errors: Any, response: httpx.Response
    ) -> ShopifyError:
        listed = errors if isinstance(errors, list) else [errors]
        codes = [_path_or_none(e, "extensions", "code") for e in listed]
        messages = "; ".join(
            str(e.get("message")) if isinstance(e, dict) else str(e) for e in listed
        )[:500]
        detail = f"shopify {what}: {messages}"
        if "THROTTLED" in codes:
            return ShopifyThrottled(
                detail, response=response, errors=listed, retry_after=self._throttle_wait()
            )
        if "ACCESS_DENIED" in codes:
            denied = listed[codes.index("ACCESS_DENIED")]
            required = _path_or_none(denied, "extensions", "requiredAccess")
            return ShopifyAccessDenied(
                detail, response=response, errors=listed,
                required_access=str(required) if required else None,
            )
        if "INTERNAL_SERVER_ERROR" in codes:
            return ShopifyServerError(detail, response=response, errors=listed)
        return ShopifyQueryError(detail, response=response, errors=listed)

    def _throttle_wait(self) -> float:
        """Seconds until the bucket holds the requested cost again, from the last answer."""
        cost = self.last_cost
        if cost is None or cost.throttle_status.restore_rate <= 0:
            return DEFAULT_RETRY_AFTER
        status = cost.throttle_status
        requested = cost.requested_query_cost or 0.0
        return max(requested - status.currently_available, 0.0) / status.restore_rate

    async def _access_token(self, deadline: float) -> str:
        if self._static_token is not None:
            return self._static_token
        async with self._token_lock:
            now = self._clock()
            fresh = self._token_expires_at is None or now < self._token_expires_at
            if self._token is not None and fresh:
                return self._token
            assert self._client_id and self._client_secret
            response = await self._post(
                "/admin/oauth/access_token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": self._client_id,
                    "client_secret": self._client_secret,
                },
                deadline=deadline,
                what="access token exchange",
            )
            self.token_exchanges += 1
            if response.status_code >= 500:
                raise ShopifyServerError(
                    f"shopify access token exchange: HTTP {response.status_code}",
                    response=response,
                )
            if response.status_code != 200:
                raise ShopifyAuthError(
                    f"shopify access token exchange refused: HTTP {response.status_code}: "
                    f"{_brief(_json(response))}",
                    response=response,
                )
            granted = _parse(AccessToken, _json(response), "access token exchange")
            self._token = granted.access_token
            self._token_expires_at = (
                None
                if granted.expires_in is None
                else now + max(granted.expires_in - TOKEN_REFRESH_MARGIN, granted.expires_in / 2)
            )
            log.info("shopify access token exchanged (scopes: %s)", granted.scope or "-")
            return self._token


def _parse(model: Any, data: Any, what: str) -> Any:
    try:
        if isinstance(model, type) and issubclass(model, BaseModel):
            return model.model_validate(data)
        return TypeAdapter(model).validate_python(data)
    except ValidationError as exc:
        log.warning("shopify %s: unexpected shape: %s", what, exc)
        raise ShopifyServerError(f"shopify {what}: unexpected shape: {exc}") from exc


def _user_errors(raw: Any, field: str) -> list[UserError]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ShopifyServerError(f"{field}: user errors are not a list")
    errors = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("message"), str):
            raise ShopifyServerError(f"{field}: unreadable user error {item!r}")
        field_path = item.get("field") or []
        code = item.get("code")
        errors.append(
            UserError(
                field=tuple(str(f) for f in field_path) if isinstance(field_path, list) else (),
                message=item["message"],
                code=str(code) if code is not None else None,
            )
        )
    return errors


def _path(data: Any, *keys: str) -> Any:
    value = data
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            raise ShopifyServerError(f"the answer has no {'.'.join(keys)}")
        value = value[key]
    return value


def _path_or_none(data: Any, *keys: str) -> Any:
    try:
        return _path(data, *keys)
    except ShopifyServerError:
        return None


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _brief(body: Any) -> str:
    text = body.get("errors", body) if isinstance(body, dict) else body
    return str(text)[:300]


def _retry_after(raw: str | None) -> float:
    try:
        value = float(raw) if raw is not None else DEFAULT_RETRY_AFTER
    except ValueError:
        return DEFAULT_RETRY_AFTER
    return value if 0 <= value < 86_400 else DEFAULT_RETRY_AFTER


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}
