"""The HTTP API of the real service, over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import IdempotencyRecord, Order, Refund, ReturnAuthorization

if TYPE_CHECKING:
    from conftest import LiveStore

JO = "jo@example.com"


@pytest.fixture
def http(store: LiveStore) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=store.base_url, timeout=10) as client:
        yield client


def lookup(http: httpx.Client, **body: Any) -> httpx.Response:
    return http.post("/api/v1/orders/lookup", json=body)


def error_code(response: httpx.Response) -> str:
    body = response.json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["message"], str)
    return str(body["error"]["code"])


def count(store: LiveStore, model: type, order_number: str) -> int:
    with Session(store.engine) as session:
        order_id = session.scalar(select(Order.id).where(Order.order_number == order_number))
        return (
            session.scalar(
                select(func.count()).select_from(model).where(model.order_id == order_id)
            )
            or 0
        )


# --- basics --------------------------------------------------------------------------------


def test_health(http: httpx.Client) -> None:
    response = http.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_openapi_documents_the_endpoints(http: httpx.Client) -> None:
    spec = http.get("/openapi.json").json()
    assert {
        "/health",
        "/api/v1/policy",
        "/api/v1/orders/lookup",
        "/api/v1/orders/{order_number}/returns/eligibility",
        "/api/v1/orders/{order_number}/returns",
        "/api/v1/orders/{order_number}/cancel",
        "/api/v1/orders/{order_number}/shipping-address",
    } <= set(spec["paths"])


def test_policy_is_the_one_the_rules_use(http: httpx.Client, store: LiveStore) -> None:
    policy = http.get("/api/v1/policy").json()
    assert policy == store.settings.policy.to_json()
    assert policy["return_window_days"] == 30
    assert {m["code"] for m in policy["shipping_methods"]} >= {"standard", "express"}


# --- lookup -------------------------------------------------------------------------------


def test_lookup_by_email(http: httpx.Client) -> None:
    response = lookup(http, order_number="10023", email=JO)
    assert response.status_code == 200
    order = response.json()
    assert order["status"] == "shipped"
    assert order["customer"] == {"name": "Jo Rivera", "email": JO}
    (shipment,) = order["shipments"]
    assert shipment["carrier"] == "UPS"
    assert shipment["tracking_number"] == "1Z999AA10123456784"
    assert shipment["status"] == "in_transit"
    assert shipment["tracking_url"].startswith("https://")
    assert shipment["eta"] is not None


def test_lookup_by_postcode_ignores_case_spaces_and_hash(http: httpx.Client) -> None:
    response = lookup(http, order_number="#10023", postcode="sw1a1aa")
    assert response.status_code == 200
    assert response.json()["order_number"] == "10023"


def test_lookup_email_is_trimmed_and_case_insensitive(http: httpx.Client) -> None:
    assert lookup(http, order_number="10023", email="  Jo@Example.COM ").status_code == 200


def test_lookup_shows_lines_returns_and_refunds(http: httpx.Client) -> None:
    order = lookup(http, order_number="10005", email="eve@example.com").json()
    assert [
        (line["returned_quantity"], line["returnable_quantity"]) for line in order["lines"]
    ] == [(1, 0), (0, 1)]
    assert order["returns"][0]["rma_number"] == "RMA-10005-1"
    assert order["refunds"][0]["status"] == "pending"
    assert order["refunds"][0]["expected_by"] is not None
    issued = lookup(http, order_number="10004", email="dev@example.com").json()["refunds"][0]
    assert (
        issued["status"] == "issued"
        and issued["issued_at"]
        and issued["method"].startswith("original card")
    )


def test_a_lookup_costs_the_same_few_queries_whatever_the_order_holds(
    http: httpx.Client, store: LiveStore
) -> None:
    """No query per line, shipment or return (an order's page once took 12 queries, some
    per line); the check and the page load take a fixed number."""
    from sqlalchemy import event

    with Session(store.engine) as session:
        orders = [(o.order_number, o.customer.email) for o in session.scalars(select(Order))]
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        per_order = {}
        for number, email in orders:
            statements.clear()
            assert lookup(http, order_number=number, email=email).status_code == 200
            selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
            per_order[number] = len(selects)
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    assert len(per_order) >= 10
    # the check (order + customer), then the page: the order with its shipments (and their
    # lines) and refunds, its lines with their products, its returns with their lines
    # (store.service._ORDER_PAGE; an empty collection has nothing to load beneath it)
    assert max(per_order.values()) <= 4, per_order


def test_a_big_order_page_lists_everything_once_and_in_order(
    http: httpx.Client, store: LiveStore
) -> None:
    """The page joins shipments (with their lines) and refunds into one query, so their rows
    multiply; the answer must still hold each shipment, line and refund once, in order."""
    from datetime import UTC, datetime

    from store.models import OrderLine, ReturnLine, Shipment, ShipmentLine

    now = datetime.now(UTC)
    with Session(store.engine) as session, session.begin():
        order = session.scalars(select(Order).where(Order.order_number == "10002")).one()
        line_ids = [line.id for line in order.lines]
        assert len(line_ids) == 3
        product_id = order.lines[0].product_id
        for extra in range(4, 7):
            session.add(
                OrderLine(
                    id=order.id * 10 + extra,
                    order_id=order.id,
                    product_id=product_id,
                    quantity=2,
                    unit_price_cents=1000,
                )
            )
        session.flush()
        line_ids = [order.id * 10 + n for n in range(1, 7)]
        carried = {1: line_ids[:2], 2: line_ids[2:5], 3: [line_ids[5], line_ids[0]]}
        for n, lines in carried.items():
            shipment = Shipment(
                id=order.id * 100 + n,
                order_id=order.id,
                carrier="DPD",
                tracking_number=f"T{n}",
                tracking_url=f"https://t/{n}",
                status="in_transit",
                eta=None,
                shipped_at=now,
            )
            session.add(shipment)
            session.flush()
            session.add_all(ShipmentLine(shipment_id=shipment.id, line_id=line) for line in lines)
        for n in (1, 2):
            session.add(
                ReturnAuthorization(
                    rma_number=f"RMA-BIG-{n}",
                    order_id=order.id,
                    reason="wrong_size",
                    comment=None,
                    status="authorized",
                    label_url="https://l",
                    instructions="-",
                    refund_cents=1000,
                    idempotency_key=f"big-{n}",
                    request_hash="-",
                    created_at=now,
                    lines=[
                        ReturnLine(line_id=line_ids[3 + n - 1], quantity=1),
                        ReturnLine(line_id=line_ids[5], quantity=n),
                    ],
                )
            )
        for n in (1, 2, 3):
            session.add(
                Refund(
                    order_id=order.id,
                    amount_cents=100 * n,
                    currency="GBP",
                    status="pending",
                    method="card",
                    created_at=now,
                )
            )

    page = lookup(http, order_number="10002", email="ben@example.com")
    assert page.status_code == 200, page.text
    body = page.json()
    assert [line["line_id"] for line in body["lines"]] == line_ids
    shipped = [s for s in body["shipments"] if s["carrier"] == "DPD"]
    assert [s["tracking_number"] for s in shipped] == ["T1", "T2", "T3"]
    assert [s["line_ids"] for s in shipped] == [sorted(v) for v in carried.values()]
    amounts = [refund["amount"] for refund in body["refunds"]]
    assert len(amounts) == 3 and len(set(amounts)) == 3, amounts
    big = [r for r in body["returns"] if r["rma_number"].startswith("RMA-BIG-")]
    assert [r["rma_number"] for r in big] == ["RMA-BIG-1", "RMA-BIG-2"]
    assert [[(x["line_id"], x["quantity"]) for x in r["lines"]] for r in big] == [
        [(line_ids[3], 1), (line_ids[5], 1)],
        [(line_ids[4], 1), (line_ids[5], 2)],
    ]


def test_demo_orders_show_their_states(http: httpx.Client) -> None:
    def get(number: str, email: str) -> dict[str, Any]:
        response = lookup(http, order_number=number, email=email)
        assert response.status_code == 200, response.text
        return dict(response.json())

    assert get("10001", "ada@example.com")["can_cancel"] is True
    assert len(get("10002", "ben@example.com")["lines"]) == 3
    assert get("10006", "finn@example.com")["status"] == "cancelled"
    assert sorted(s["status"] for s in get("10007", "gus@example.com")["shipments"]) == [
        "delivered",
        "in_transit",
    ]
    assert get("10008", "hana@example.com")["refunds"][0]["status"] == "failed"
    assert float(get("10009", "ivy@example.com")["total"]) >= 1000
    assert get("10011", JO)["status"] == "processing"
    assert get("10012", JO)["refunds"][0]["status"] == "issued"
    assert get("10012", JO)["status"] == "refunded"
    assert get("10008", "hana@example.com")["status"] == "delivered"


def test_wrong_email_looks_exactly_like_a_missing_order(http: httpx.Client) -> None:
    wrong = lookup(http, order_number="10023", email="someone@example.com")
    missing = lookup(http, order_number="99999", email="someone@example.com")
    wrong_postcode = lookup(http, order_number="10023", postcode="ZZ1 1ZZ")
    assert wrong.status_code == missing.status_code == wrong_postcode.status_code == 404
    assert wrong.content == missing.content == wrong_postcode.content
    assert error_code(wrong) == "order_not_found"
    assert dict(wrong.headers, date="") == dict(missing.headers, date="")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"order_number": "10023"}, "email"),
        ({"order_number": "abc", "email": JO}, "order_number"),
        ({"order_number": "10023", "email": "not-an-email"}, "email"),
        ({"order_number": 10023, "email": JO}, "order_number"),
        ({"order_number": "10023", "email": JO, "extra": 1}, "extra"),
        ({"email": JO}, "order_number"),
        ({"order_number": "1" * 100, "email": JO}, "order_number"),
        # The reference store's numbers have 5 digits (common/order_numbers.py).
        ({"order_number": "1002", "email": JO}, "order_number"),
        ({"order_number": "100234", "email": JO}, "order_number"),
    ],
)
def test_bad_lookup_input_is_422_json(http: httpx.Client, body: dict[str, Any], field: str) -> None:
    response = lookup(http, **body)
    assert response.status_code == 422, response.text
    assert error_code(response) == "invalid_request"
    assert response.json()["error"]["field"] == field


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[]", b"null", b"\xff\xfe", b'"x"'],
)
def test_malformed_bodies_are_4xx_json_never_500(http: httpx.Client, content: bytes) -> None:
    response = http.post(
        "/api/v1/orders/lookup", content=content, headers={"content-type": "application/json"}
    )
    assert 400 <= response.status_code < 500
    assert error_code(response) == "invalid_request"


def test_unknown_route_and_method_are_json(http: httpx.Client) -> None:
    assert error_code(http.get("/api/v1/nope")) == "not_found"
    response = http.get("/api/v1/orders/lookup")
    assert response.status_code == 405
    assert error_code(response) == "method_not_allowed"


# --- returns ------------------------------------------------------------------------------


def eligibility(http: httpx.Client, number: str, email: str) -> dict[int, dict[str, Any]]:
    response = http.post(f"/api/v1/orders/{number}/returns/eligibility", json={"email": email})
    assert response.status_code == 200, response.text
    return {line["line_id"]: line for line in response.json()["lines"]}


def create_return(
    http: httpx.Client,
    number: str,
    email: str,
    lines: list[tuple[int, int]],
    *,
    key: str | None = "key-1",
    reason: str = "wrong_size",
) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key is not None else {}
    body = {
        "email": email,
        "lines": [{"line_id": i, "quantity": q} for i, q in lines],
        "reason": reason,
    }
    return http.post(f"/api/v1/orders/{number}/returns", json=body, headers=headers)


def test_eligibility_per_line(http: httpx.Client) -> None:
    lines = eligibility(http, "10002", "ben@example.com")
    assert lines[100021]["eligible"] is True and lines[100021]["returnable_quantity"] == 2
    assert lines[100022]["eligible"] is True
    assert lines[100023] | {"return_by": None} == {
        "line_id": 100023,
        "eligible": False,
        "returnable_quantity": 0,
        "return_by": None,
        "refusal_code": "final_sale",
        "refusal_message": "final-sale items cannot be returned",
    }


def test_a_lookup_can_include_the_return_eligibility(http: httpx.Client) -> None:
    """`include: ["return_eligibility"]` adds exactly what the eligibility request answers;
    without it the order is as before."""
    plain = lookup(http, order_number="10002", email="ben@example.com").json()
    both = lookup(
        http, order_number="#10002", email="ben@example.com", include=["return_eligibility"]
    ).json()
    separate = http.post(
        "/api/v1/orders/10002/returns/eligibility", json={"email": "ben@example.com"}
    ).json()
    assert "return_eligibility" not in plain
    assert both.pop("return_eligibility") == separate
    assert both == plain
    # the same 404 for a wrong email: nothing about the order leaks through the expansion
    wrong = lookup(
        http, order_number="10002", email="ada@example.com", include=["return_eligibility"]
    )
    assert wrong.status_code == 404 and error_code(wrong) == "order_not_found"


@pytest.mark.parametrize("include", [["everything"], "return_eligibility", [1]])
def test_an_unknown_lookup_expansion_is_422(http: httpx.Client, include: Any) -> None:
    response = lookup(http, order_number="10002", email="ben@example.com", include=include)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"].startswith("include")


@pytest.mark.parametrize(
    ("number", "email", "line_id", "code"),
    [
        ("10023", JO, 100231, "not_delivered"),
        ("10003", "cara@example.com", 100031, "return_window_expired"),
        ("10010", JO, 100102, "final_sale"),
        ("10005", "eve@example.com", 100051, "already_returned"),
        ("10006", "finn@example.com", 100061, "order_cancelled"),
    ],
)
def test_every_line_refusal_code(
    http: httpx.Client, store: LiveStore, number: str, email: str, line_id: int, code: str
) -> None:
    assert eligibility(http, number, email)[line_id]["refusal_code"] == code
    response = create_return(http, number, email, [(line_id, 1)])
    assert response.status_code == 409
    assert error_code(response) == code
    assert count(store, ReturnAuthorization, number) == (1 if number == "10005" else 0)


def test_quantity_exceeded(http: httpx.Client) -> None:
    response = create_return(http, "10002", "ben@example.com", [(100021, 3)])
    assert response.status_code == 409
    assert error_code(response) == "quantity_exceeded"


def test_create_return_and_retry_gives_the_same_rma(http: httpx.Client, store: LiveStore) -> None:
    first = create_return(http, "10010", JO, [(100101, 1)], key="ret-abc")
    assert first.status_code == 201, first.text
    rma = first.json()
    assert rma["rma_number"] == "RMA-10010-1"
    assert rma["status"] == "authorized"
    assert rma["lines"] == [{"line_id": 100101, "quantity": 1}]
    assert rma["label_url"].endswith("/labels/RMA-10010-1")
    assert rma["instructions"] and rma["refund_amount"] == "89.00"
    again = create_return(http, "10010", JO, [(100101, 1)], key="ret-abc")
    assert again.status_code == 200
    assert again.json() == rma
    assert count(store, ReturnAuthorization, "10010") == 1
    # The item is now in a return: a new request for it is refused.
    other = create_return(http, "10010", JO, [(100101, 1)], key="ret-other")
    assert error_code(other) == "already_returned"
    assert http.get(rma["label_url"].removeprefix(store.base_url)).status_code == 200


def test_partial_then_rest_of_a_multi_quantity_line(http: httpx.Client) -> None:
    assert (
        create_return(http, "10002", "ben@example.com", [(100021, 1)], key="a").status_code == 201
    )
    assert eligibility(http, "10002", "ben@example.com")[100021]["returnable_quantity"] == 1
    second = create_return(http, "10002", "ben@example.com", [(100021, 1), (100022, 1)], key="b")
    assert second.status_code == 201
    assert second.json()["rma_number"] == "RMA-10002-2"


def test_idempotency_key_reused_for_another_request(http: httpx.Client) -> None:
    assert (
        create_return(http, "10002", "ben@example.com", [(100021, 1)], key="same").status_code
        == 201
    )
    response = create_return(http, "10002", "ben@example.com", [(100022, 1)], key="same")
    assert response.status_code == 409
    assert error_code(response) == "idempotency_key_reused"


@pytest.mark.parametrize(
    ("lines", "key", "reason", "field"),
    [
        ([(100101, 1)], None, "wrong_size", "Idempotency-Key"),
        ([(100101, 0)], "k", "wrong_size", "lines.0.quantity"),
        ([], "k", "wrong_size", "lines"),
        ([(999, 1)], "k", "wrong_size", "lines"),
        ([(100101, 1), (100101, 1)], "k", "wrong_size", "lines"),
        ([(100101, 1)], "k", "because", "reason"),
    ],
)
def test_bad_return_input(
    http: httpx.Client, lines: list[tuple[int, int]], key: str | None, reason: str, field: str
) -> None:
    response = create_return(http, "10010", JO, lines, key=key, reason=reason)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


def test_return_with_wrong_email_is_404(http: httpx.Client) -> None:
    response = create_return(http, "10010", "ben@example.com", [(100101, 1)])
    assert response.status_code == 404
    assert error_code(response) == "order_not_found"


# --- cancel -------------------------------------------------------------------------------


def cancel(http: httpx.Client, number: str, email: str, key: str | None = "c-1") -> httpx.Response:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return http.post(f"/api/v1/orders/{number}/cancel", json={"email": email}, headers=headers)


def test_cancel_then_retry_is_idempotent(http: httpx.Client, store: LiveStore) -> None:
    first = cancel(http, "10001", "ada@example.com")
    assert first.status_code == 200, first.text
    order = first.json()
    assert order["status"] == "cancelled" and order["cancelled_at"]
    assert order["can_cancel"] is False
    assert [(r["status"], r["amount"]) for r in order["refunds"]] == [("pending", order["total"])]
    assert cancel(http, "10001", "ada@example.com").json() == order
    # A new key on an already-cancelled order: nothing more happens either.
    assert cancel(http, "10001", "ada@example.com", key="c-2").status_code == 200
    assert count(store, Refund, "10001") == 1
    assert count(store, IdempotencyRecord, "10001") == 2


def test_cancel_after_shipment_is_refused(http: httpx.Client) -> None:
    response = cancel(http, "10023", JO)
    assert response.status_code == 409
    assert error_code(response) == "already_shipped"


def test_cancel_requires_idempotency_key(http: httpx.Client) -> None:
    response = cancel(http, "10001", "ada@example.com", key=None)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "Idempotency-Key"


# --- shipping address ---------------------------------------------------------------------

NEW_ADDRESS = {
    "name": "Ada Byron",
    "line1": "2 Analytical Way",
    "line2": "Flat 3",
    "city": "London",
    "postcode": "ec1a 1bb",
    "country": "GB",
}


def change_address(
    http: httpx.Client, number: str, email: str, address: dict[str, Any], key: str = "a-1"
) -> httpx.Response:
    return http.put(
        f"/api/v1/orders/{number}/shipping-address",
        json={"email": email, "address": address},
        headers={"Idempotency-Key": key},
    )


def test_change_address_and_retry(http: httpx.Client, store: LiveStore) -> None:
    response = change_address(http, "10001", "ada@example.com", NEW_ADDRESS)
    assert response.status_code == 200, response.text
    assert response.json()["shipping_address"] == {**NEW_ADDRESS, "postcode": "EC1A 1BB"}
    assert change_address(http, "10001", "ada@example.com", NEW_ADDRESS).json() == response.json()
    assert count(store, IdempotencyRecord, "10001") == 1
    reused = change_address(http, "10001", "ada@example.com", {**NEW_ADDRESS, "city": "Leeds"})
    assert error_code(reused) == "idempotency_key_reused"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"postcode": "not a postcode"}, "address.postcode"),
        ({"city": ""}, "address.city"),
        ({"country": "US"}, "address.country"),
        ({"name": None}, "address.name"),
    ],
)
def test_change_address_names_the_bad_field(
    http: httpx.Client, changes: dict[str, Any], field: str
) -> None:
    response = change_address(http, "10001", "ada@example.com", {**NEW_ADDRESS, **changes})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field


def test_change_address_after_shipment_is_refused(http: httpx.Client) -> None:
    response = change_address(http, "10023", JO, {**NEW_ADDRESS, "name": "Jo Rivera"})
    assert response.status_code == 409
    assert error_code(response) == "already_shipped"


def test_change_address_on_cancelled_order_is_refused(http: httpx.Client) -> None:
    response = change_address(http, "10006", "finn@example.com", NEW_ADDRESS)
    assert error_code(response) == "order_cancelled"


# --- auth ---------------------------------------------------------------------------------


def test_api_token_when_configured(token_store: LiveStore, api_token: str) -> None:
    with httpx.Client(base_url=token_store.base_url, timeout=10) as http:
        body = {"order_number": "10023", "email": JO}
        missing = http.post("/api/v1/orders/lookup", json=body)
        assert missing.status_code == 401
        assert error_code(missing) == "unauthorized"
        wrong = http.post(
            "/api/v1/orders/lookup", json=body, headers={"Authorization": "Bearer nope"}
        )
        assert wrong.status_code == 401
        ok = http.post(
            "/api/v1/orders/lookup", json=body, headers={"Authorization": f"Bearer {api_token}"}
        )
        assert ok.status_code == 200
        # Health and the API description stay public.
        assert http.get("/health").status_code == 200
        assert http.get("/openapi.json").status_code == 200


def test_wrong_email_and_missing_order_do_the_same_database_work(store: LiveStore) -> None:
    # Timing is too noisy to assert on; the work behind it is not: count SQL statements.
    from sqlalchemy import event

    from store.service import Context, ServiceError, lookup_order

    ctx = Context(policy=store.settings.policy, public_base_url=store.base_url)
    statements: list[str] = []

    def count_statement(*args: Any) -> None:
        statements.append(args[2])

    def run(number: str, **proof: str | None) -> list[str]:
        statements.clear()
        event.listen(store.engine, "before_cursor_execute", count_statement)
        try:
            with pytest.raises(ServiceError) as caught:
                lookup_order(
                    store.engine,
                    ctx,
                    order_number=number,
                    **{"email": None, "postcode": None, **proof},
                )
        finally:
            event.remove(store.engine, "before_cursor_execute", count_statement)
        assert caught.value.status == 404
        return list(statements)

    assert run("10023", email="nobody@example.com") == run("99999", email="nobody@example.com")
    assert run("10023", postcode="ZZ1 1ZZ") == run("99999", postcode="ZZ1 1ZZ")


def test_concurrent_retries_create_one_return(store: LiveStore) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def attempt(key: str) -> httpx.Response:
        with httpx.Client(base_url=store.base_url, timeout=20) as client:
            return create_return(client, "10010", JO, [(100101, 1)], key=key)

    with ThreadPoolExecutor(max_workers=6) as pool:
        same_key = list(pool.map(attempt, ["same-key"] * 6))
    assert sorted(r.status_code for r in same_key) == [200] * 5 + [201]
    assert {r.json()["rma_number"] for r in same_key} == {"RMA-10010-1"}
    assert count(store, ReturnAuthorization, "10010") == 1

    store.reseed()
    with ThreadPoolExecutor(max_workers=6) as pool:
        other_keys = list(pool.map(attempt, [f"key-{i}" for i in range(6)]))
    assert sorted(r.status_code for r in other_keys) == [201] + [409] * 5
    assert {error_code(r) for r in other_keys if r.status_code == 409} == {"already_returned"}
    assert count(store, ReturnAuthorization, "10010") == 1


def test_concurrent_cancels_create_one_refund(store: LiveStore) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def attempt(key: str) -> httpx.Response:
        with httpx.Client(base_url=store.base_url, timeout=20) as client:
            return cancel(client, "10001", "ada@example.com", key=key)

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(attempt, [f"c-{i}" for i in range(6)]))
    assert {r.status_code for r in responses} == {200}
    assert count(store, Refund, "10001") == 1
