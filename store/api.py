"""The HTTP API (FastAPI). Handlers are thin: parse, call ``store.service``, shape errors."""

from __future__ import annotations

import hmac
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Engine, text
from starlette.exceptions import HTTPException as StarletteHTTPException

from store import rules, service
from store.db import make_engine
from store.service import Clock, Context, ServiceError, utc_now
from store.settings import StoreSettings

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
    422: {"model": ErrorBody, "description": "Invalid request; `field` names the bad field."},
}


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


class Verification(_Strict):
    """Proof the shopper owns the order: the order's email, or its postcode."""

    email: str | None = Field(default=None, examples=["jo@example.com"])
    postcode: str | None = Field(default=None, max_length=16, examples=["SW1A 1AA"])

    _email = field_validator("email")(_check_email)


class LookupRequest(Verification):
    order_number: str = Field(max_length=30, examples=["10023"])


class ReturnLineRequest(_Strict):
    line_id: int
    quantity: int = Field(ge=1, le=1000)


class ReturnRequest(Verification):
    lines: list[ReturnLineRequest] = Field(min_length=1, max_length=50)
    reason: str = Field(max_length=40, examples=["wrong_size"])
    comment: str | None = Field(default=None, max_length=500)


class AddressChangeRequest(Verification):
    address: dict[str, Any] = Field(
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


def create_app(
    settings: StoreSettings, *, engine: Engine | None = None, clock: Clock = utc_now
) -> FastAPI:
    """Build the app. The engine is created here (or passed in), never at import."""
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

    @app.exception_handler(ServiceError)
    async def _service_error(_request: Request, exc: ServiceError) -> JSONResponse:
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
    def label(rma_number: str) -> Any:
        body = service.label_text(engine, rma_number)
        if body is None:
            return error_response(404, "not_found", "no such label")
        return PlainTextResponse(body)

    api = APIRouter(prefix="/api/v1", dependencies=[Depends(require_token)], responses=ERRORS)

    @api.get("/policy", summary="Store policy (returns, shipping, refunds)")
    def policy() -> dict[str, Any]:
        return settings.policy.to_json()

    @api.post("/orders/lookup", summary="Find an order by number plus email or postcode")
    def lookup(body: LookupRequest) -> dict[str, Any]:
        return service.lookup_order(
            engine, ctx, order_number=body.order_number, email=body.email, postcode=body.postcode
        )

    @api.post("/orders/{order_number}/returns/eligibility", summary="Which lines may be returned")
    def eligibility(order_number: str, body: Verification) -> dict[str, Any]:
        return service.return_eligibility(
            engine, ctx, order_number=order_number, email=body.email, postcode=body.postcode
        )

    @api.post(
        "/orders/{order_number}/returns",
        status_code=201,
        summary="Create a return (RMA); retries with the same Idempotency-Key replay",
    )
    def create_return(
        order_number: str, body: ReturnRequest, idempotency_key: IdempotencyKey = None
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

    @api.post("/orders/{order_number}/cancel", summary="Cancel an order that has not shipped")
    def cancel(
        order_number: str, body: Verification, idempotency_key: IdempotencyKey = None
    ) -> dict[str, Any]:
        return service.cancel_order(
            engine,
            ctx,
            order_number=order_number,
            email=body.email,
            postcode=body.postcode,
            idempotency_key=idempotency_key,
        )

    @api.put(
        "/orders/{order_number}/shipping-address", summary="Change the address before shipment"
    )
    def change_address(
        order_number: str, body: AddressChangeRequest, idempotency_key: IdempotencyKey = None
    ) -> dict[str, Any]:
        return service.change_shipping_address(
            engine,
            ctx,
            order_number=order_number,
            email=body.email,
            postcode=body.postcode,
            address=body.address,
            idempotency_key=idempotency_key,
        )

    app.include_router(api)
    return app
