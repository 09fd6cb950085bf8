"""The HTTP API (FastAPI). Handlers are thin: parse, call ``store.service``, shape errors."""

from __future__ import annotations

import hmac
import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Engine, text
from starlette.exceptions import HTTPException as StarletteHTTPException

from common.limits import FailureWindow
from common.order_numbers import REFERENCE_FORMAT
from integrations.store import rules
from store import service
from store.db import make_engine
from store.ratelimit import forwarded_or_peer_key
from store.service import Clock, Context, ServiceError, utc_now
from store.settings import StoreSettings
from store.storefront.identity import verify_identity_token

log = logging.getLogger("store.api")


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. `final_sale`.")
    message: str = Field(description="For logs and engineers; not meant for shoppers.")
    field: str | None = Field(default=None, description="The offending request field, if any.")


class ErrorBody(BaseModel):
    error: ErrorDetail


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    detail: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        detail["field"] = field
    return JSONResponse({"error": detail}, status_code=status, headers=headers)


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or wrong bearer token (when configured)."},
    404: {"model": ErrorBody, "description": "No order matches these details."},
    409: {"model": ErrorBody, "description": "Refused by a store rule; `code` names the rule."},
    413: {"model": ErrorBody, "description": "The request body is too large."},
    422: {"model": ErrorBody, "description": "Invalid request; `field` names the bad field."},
    429: {
        "model": ErrorBody,
        "description": "Too many failed lookups from this client; see `Retry-After`.",
    },
}

# No legitimate request comes near this; bigger bodies are refused before parsing.
MAX_BODY_BYTES = 64 * 1024


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


class BodyTooLarge(Exception):
    pass


class _BodyLimit:
    """ASGI middleware: 413 for bodies over `MAX_BODY_BYTES` (declared or streamed)."""

    def __init__(self, app: Any, *, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _too_large()(scope, receive, send)
            return
        seen = 0

        async def limited_receive() -> Any:
            nonlocal seen
            message = await receive()
            if message.get("type") == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge()
            return message

        try:
            await self.app(scope, limited_receive, send)
        except BodyTooLarge:
            await _too_large()(scope, receive, send)


def _too_large() -> JSONResponse:
    return error_response(
        413, "body_too_large", f"the request body must be at most {MAX_BODY_BYTES} bytes"
    )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=500)


def _check_email(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    local, at, domain = value.rpartition("@")
    if (
        not at
        or not local
        or "." not in domain
        or len(value) > 254
        or any(c.isspace() for c in value)
    ):
        raise ValueError("not a valid email address")
    return value


# What the service accepts as an order number: the reference store's, optionally "#"-prefixed.
ORDER_NUMBER_PATTERN = REFERENCE_FORMAT.field_pattern
OrderNumberPath = Annotated[
    str, Path(max_length=30, pattern=ORDER_NUMBER_PATTERN, examples=["10023"])
]


class Verification(_Strict):
    """Proof the shopper owns the order: the order's email, or its postcode."""

    email: str | None = Field(default=None, max_length=254, examples=["jo@example.com"])
    postcode: str | None = Field(
        default=None, max_length=16, pattern=r"^[A-Za-z0-9 \-]*$", examples=["SW1A 1AA"]
    )

    _email = field_validator("email")(_check_email)


class LookupRequest(Verification):
    order_number: str = Field(max_length=30, pattern=ORDER_NUMBER_PATTERN, examples=["10023"])
    # Expansions answered with the order, read in the same request: "return_eligibility"
    # adds the order's per-line return eligibility (what .../returns/eligibility answers).
    include: list[Literal["return_eligibility"]] = Field(default=[], max_length=1)


class RecentOrdersRequest(_Strict):
    """The storefront's identity token for its signed-in customer (the one proof accepted)."""

    identity_token: str = Field(max_length=4096)
    limit: int = Field(default=5, ge=1, le=20)


class ReturnLineRequest(_Strict):
    line_id: int = Field(ge=1, le=2**31 - 1)
    quantity: int = Field(ge=1, le=1000)


class ReturnRequest(Verification):
    lines: list[ReturnLineRequest] = Field(min_length=1, max_length=50)
    reason: str = Field(max_length=40, examples=["wrong_size"])
    comment: str | None = Field(default=None, max_length=500)


class AddressIn(_Strict):
    """The new address; the store's rules check each field (required, length, postcode)."""

    name: str | None = Field(default=None, max_length=200)
    line1: str | None = Field(default=None, max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=200)
    postcode: str | None = Field(default=None, max_length=32)
    country: str | None = Field(default=None, max_length=8)


class AddressChangeRequest(Verification):
    address: AddressIn = Field(
        examples=[
            {
                "name": "Jo Rivera",
                "line1": "1 New Street",
                "line2": None,
                "city": "London",
                "postcode": "SW1A 2AA",
                "country": "GB",
            }
        ]
    )


IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


def _email_required(body: Verification, what: str) -> str:
    """The order's email: a postcode is printed on every parcel, so it may look an order up
    but never cancel it or send it elsewhere."""
    if body.email is None:
        raise service.invalid("email", f"the order's email is required to {what}")
    return body.email


def create_app(
    settings: StoreSettings,
    *,
    engine: Engine | None = None,
    clock: Clock = utc_now,
    identity_secret: str | None = None,
) -> FastAPI:
    """Build the app. The engine is created here (or passed in), never at import.
    `identity_secret` (the storefront's) lets the bot list a signed-in customer's orders."""
    engine = engine if engine is not None else make_engine(settings.database_url)
    public_base_url = settings.public_base_url or f"http://{settings.host}:{settings.port}"
    ctx = Context(policy=settings.policy, public_base_url=public_base_url, clock=clock)
    app = FastAPI(
        title="Shopdesk reference store",
        version="1.0.0",
        description=(
            "A stand-in for an online store's backend (orders, shipments, returns, refunds). "
            'Errors are `{"error": {"code", "message", "field"?}}`; codes are stable, '
            "messages are for engineers."
        ),
    )
    app.state.engine = engine
    limiter = FailureWindow(
        max_failures=settings.max_failed_lookups,
        window_seconds=settings.failed_lookup_window_seconds,
    )
    app.state.lookup_limiter = limiter
    app.add_middleware(_BodyLimit)

    @app.exception_handler(RateLimited)
    async def _rate_limited(_request: Request, exc: RateLimited) -> JSONResponse:
        return error_response(
            429,
            "too_many_failed_lookups",
            "too many failed lookups from this client; try again later",
            headers={"Retry-After": str(exc.retry_after)},
        )

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> JSONResponse:
        key = getattr(request.state, "lookup_client", None)
        if exc.code == "order_not_found" and key is not None:
            limiter.record_failure(key)
        return error_response(exc.status, exc.code, exc.message, field=exc.field)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        if first.get("type") == "json_invalid":
            return error_response(
                422, "invalid_request", "the body is not valid JSON", field="body"
            )
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "header", "path", "query")]
        field = ".".join(loc) or "body"
        message = f"{field}: {first.get('msg', 'invalid request')}"
        return error_response(422, "invalid_request", message, field=field)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {401: "unauthorized", 404: "not_found", 405: "method_not_allowed"}
        return error_response(
            exc.status_code,
            codes.get(exc.status_code, "http_error"),
            str(exc.detail),
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return error_response(500, "internal_error", "internal error")

    def require_token(authorization: Annotated[str | None, Header()] = None) -> None:
        if settings.api_token is None:
            return
        expected = f"Bearer {settings.api_token}".encode()
        if not hmac.compare_digest((authorization or "").encode(), expected):
            raise StarletteHTTPException(
                401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"}
            )

    def limit_failed_lookups(request: Request) -> None:
        """Refuses (429) a client over its failed-lookup limit; remembers who is asking."""
        key = forwarded_or_peer_key(
            peer=request.client.host if request.client else None,
            headers=request.headers,
            forwarding_secret=settings.forwarding_secret,
        )
        retry_after = limiter.retry_after(key)
        if retry_after is not None:
            log.warning("failed-lookup limit reached for %s", key)
            raise RateLimited(retry_after)
        request.state.lookup_client = key

    limited = [Depends(limit_failed_lookups)]

    @app.get("/health", summary="Liveness and database check")
    def health() -> Any:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:  # any database failure means "not ready"
            log.exception("health check failed")
            return error_response(503, "database_unavailable", "database unavailable")
        return {"status": "ok"}

    @app.get(
        "/labels/{rma_number}", summary="Placeholder return label", response_class=PlainTextResponse
    )
    def label(rma_number: Annotated[str, Path(max_length=40)]) -> Any:
        body = service.label_text(engine, rma_number)
        if body is None:
            return error_response(404, "not_found", "no such label")
        return PlainTextResponse(body)

    api = APIRouter(prefix="/api/v1", dependencies=[Depends(require_token)], responses=ERRORS)

    @api.get("/policy", summary="Store policy (returns, shipping, refunds)")
    def policy() -> dict[str, Any]:
        return settings.policy.to_json()

    @api.post(
        "/orders/lookup",
        summary="Find an order by number plus email or postcode",
        dependencies=limited,
    )
    def lookup(body: LookupRequest) -> dict[str, Any]:
        return service.lookup_order(
            engine,
            ctx,
            order_number=body.order_number,
            email=body.email,
            postcode=body.postcode,
            with_return_eligibility="return_eligibility" in body.include,
        )

    @api.post(
        "/customers/orders",
        summary="The newest orders of the customer an identity token vouches for",
        dependencies=limited,
    )
    def customer_orders(body: RecentOrdersRequest) -> dict[str, Any]:
        email = (
            verify_identity_token(body.identity_token, secret=identity_secret)
            if identity_secret
            else None
        )
        if email is None:
            # Counted like a failed lookup: a token is the only way to ask.
            raise service.not_found()
        return {"email": email,
                "orders": service.recent_orders(engine, email=email, limit=body.limit)}

    @api.post(
        "/orders/{order_number}/returns/eligibility",
        summary="Which lines may be returned",
        dependencies=limited,
    )
    def eligibility(order_number: OrderNumberPath, body: Verification) -> dict[str, Any]:
        return service.return_eligibility(
            engine, ctx, order_number=order_number, email=body.email, postcode=body.postcode
        )

    @api.post(
        "/orders/{order_number}/returns",
        status_code=201,
        summary="Create a return (RMA); retries with the same Idempotency-Key replay",
        dependencies=limited,
    )
    def create_return(
        order_number: OrderNumberPath, body: ReturnRequest, idempotency_key: IdempotencyKey = None
    ) -> Any:
        if body.reason not in settings.policy.return_reasons:
            raise service.invalid(
                "reason", f"reason must be one of {', '.join(settings.policy.return_reasons)}"
            )
        created, rma = service.create_return(
            engine,
            ctx,
            order_number=order_number,
            email=body.email,
            postcode=body.postcode,
            lines=[rules.RequestedLine(line.line_id, line.quantity) for line in body.lines],
            reason=body.reason,
            comment=body.comment,
            idempotency_key=idempotency_key,
        )
        return JSONResponse(rma, status_code=201 if created else 200)

    @api.post(
        "/orders/{order_number}/cancel",
        summary="Cancel an order that has not shipped",
        dependencies=limited,
    )
    def cancel(
        order_number: OrderNumberPath, body: Verification, idempotency_key: IdempotencyKey = None
    ) -> dict[str, Any]:
        return service.cancel_order(
            engine,
            ctx,
            order_number=order_number,
            email=_email_required(body, "cancel an order"),
            postcode=None,
            idempotency_key=idempotency_key,
        )

    @api.put(
        "/orders/{order_number}/shipping-address",
        summary="Change the address before shipment",
        dependencies=limited,
    )
    def change_address(
        order_number: OrderNumberPath,
        body: AddressChangeRequest,
        idempotency_key: IdempotencyKey = None,
    ) -> dict[str, Any]:
        return service.change_shipping_address(
            engine,
            ctx,
            order_number=order_number,
            email=_email_required(body, "change the shipping address"),
            postcode=None,
            address=body.address.model_dump(),
            idempotency_key=idempotency_key,
        )

    app.include_router(api)
    return app
