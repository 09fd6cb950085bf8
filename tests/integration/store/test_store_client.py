"""StoreClient against the real service, and against local servers that misbehave."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import pytest

from integrations.store import (
    Address,
    InvalidRequest,
    OrderNotFound,
    ReturnLine,
    StoreClient,
    StoreRefusal,
    StoreUnauthorized,
    StoreUnavailable,
)

if TYPE_CHECKING:
    from conftest import LiveStore

pytestmark = pytest.mark.anyio
JO = "jo@example.com"


@pytest.fixture
async def client(store: LiveStore) -> StoreClient:
    return StoreClient(base_url=store.base_url, api_token=None)


async def test_health_and_policy(client: StoreClient, store: LiveStore) -> None:
    async with client:
        assert await client.health() is True
        policy = await client.get_policy()
    assert policy.return_window_days == store.settings.policy.return_window_days
    assert policy.free_shipping_threshold == store.settings.policy.free_shipping_threshold
    assert [m.code for m in policy.shipping_methods] == [
        m.code for m in store.settings.policy.shipping_methods
    ]


async def test_lookup_order(client: StoreClient) -> None:
    async with client:
        order = await client.lookup_order(order_number="#10023", email=JO)
        by_postcode = await client.lookup_order(order_number="10023", postcode="SW1A 1AA")
    assert order == by_postcode
    assert order.customer.name == "Jo Rivera"
    assert order.shipments[0].tracking_number == "1Z999AA10123456784"
    assert order.shipments[0].eta is not None


async def test_lookup_missing_and_mismatched_are_order_not_found(client: StoreClient) -> None:
    async with client:
        with pytest.raises(OrderNotFound):
            await client.lookup_order(order_number="99999", email=JO)
        with pytest.raises(OrderNotFound):
            await client.lookup_order(order_number="10023", email="ada@example.com")


async def test_lookup_with_eligibility_is_both_reads_in_one(client: StoreClient) -> None:
    async with client:
        order, verdict = await client.lookup_order_with_eligibility(
            order_number="10010", email=JO, client="203.0.113.7"
        )
        assert order == await client.lookup_order(order_number="10010", email=JO)
        assert verdict == await client.return_eligibility(order_number="10010", email=JO)
        with pytest.raises(OrderNotFound):
            await client.lookup_order_with_eligibility(
                order_number="10010", email="ada@example.com"
            )


async def test_eligibility_and_return(client: StoreClient) -> None:
    async with client:
        verdict = await client.return_eligibility(order_number="10010", email=JO)
        assert verdict.eligible
        by_line = {line.line_id: line for line in verdict.lines}
        assert by_line[100102].refusal_code == "final_sale"
        rma = await client.create_return(
            order_number="10010",
            email=JO,
            lines=[ReturnLine(100101, 1)],
            reason="wrong_size",
            comment="too small",
            idempotency_key="client-ret-1",
        )
        retry = await client.create_return(
            order_number="10010",
            email=JO,
            lines=[ReturnLine(100101, 1)],
            reason="wrong_size",
            comment="too small",
            idempotency_key="client-ret-1",
        )
    assert rma == retry
    assert rma.rma_number == "RMA-10010-1"
    assert rma.lines == (ReturnLine(100101, 1),)


async def test_refusal_is_typed(client: StoreClient) -> None:
    async with client:
        with pytest.raises(StoreRefusal) as caught:
            await client.create_return(
                order_number="10010",
                email=JO,
                lines=[ReturnLine(100102, 1)],
                reason="wrong_size",
                idempotency_key="client-ret-2",
            )
        assert caught.value.code == "final_sale"
        with pytest.raises(StoreRefusal) as shipped:
            await client.cancel_order(order_number="10023", email=JO, idempotency_key="client-c-1")
        assert shipped.value.code == "already_shipped"


async def test_cancel_order(client: StoreClient) -> None:
    async with client:
        order = await client.cancel_order(
            order_number="10001", email="ada@example.com", idempotency_key="cc-1"
        )
        again = await client.cancel_order(
            order_number="10001", email="ada@example.com", idempotency_key="cc-1"
        )
    assert order.status == "cancelled"
    assert order == again
    assert [r.status for r in order.refunds] == ["pending"]


async def test_change_shipping_address(client: StoreClient) -> None:
    address = Address(
        name="Jo Rivera", line1="5 New Road", city="London", postcode="sw1a 2aa", country="GB"
    )
    async with client:
        order = await client.change_shipping_address(
            order_number="10011", email=JO, address=address, idempotency_key="addr-1"
        )
        assert order.shipping_address.postcode == "SW1A 2AA"
        with pytest.raises(InvalidRequest) as bad:
            await client.change_shipping_address(
                order_number="10011",
                email=JO,
                idempotency_key="addr-2",
                address=Address(name="Jo", line1="x", city="London", postcode="nope", country="GB"),
            )
    assert bad.value.field == "address.postcode"


async def test_token_is_sent(token_store: LiveStore, api_token: str) -> None:
    async with StoreClient(base_url=token_store.base_url, api_token=api_token) as client:
        assert (await client.get_policy()).return_window_days == 30
    async with StoreClient(base_url=token_store.base_url, api_token="wrong") as client:
        with pytest.raises(StoreUnauthorized):
            await client.get_policy()


# --- failure kinds, with local servers ----------------------------------------------------------


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _handler(respond: Callable[[BaseHTTPRequestHandler], None]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            respond(self)

        def do_POST(self) -> None:
            respond(self)

        def log_message(self, *_args: object) -> None:
            pass

    return Handler


def _sleepy(h: BaseHTTPRequestHandler) -> None:
    time.sleep(2)
    h.send_response(200)
    h.end_headers()


def _trickle(h: BaseHTTPRequestHandler) -> None:
    # Headers at once, then one byte every 0.1 s: no single read times out, the call must.
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", "100")
    h.end_headers()
    for _ in range(20):
        h.wfile.write(b" ")
        h.wfile.flush()
        time.sleep(0.1)


def _error_500(h: BaseHTTPRequestHandler) -> None:
    body = b'{"error": {"code": "internal_error", "message": "Traceback: secret stuff"}}'
    h.send_response(500)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


@pytest.fixture
def sleepy_server() -> Iterator[str]:
    yield from _serve(_handler(_sleepy))


@pytest.fixture
def trickle_server() -> Iterator[str]:
    yield from _serve(_handler(_trickle))


@pytest.fixture
def error_server() -> Iterator[str]:
    yield from _serve(_handler(_error_500))


@pytest.mark.parametrize("server", ["sleepy_server", "trickle_server"])
async def test_slow_server_is_unavailable_within_the_timeout(
    server: str, request: pytest.FixtureRequest
) -> None:
    base_url = request.getfixturevalue(server)
    async with StoreClient(base_url=base_url, timeout=0.5) as client:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            await client.lookup_order(order_number="10023", email=JO)
        elapsed = time.monotonic() - started
    assert 0.4 < elapsed < 1.0


async def test_500_is_unavailable_and_hides_backend_text(error_server: str) -> None:
    async with StoreClient(base_url=error_server) as client:
        with pytest.raises(StoreUnavailable) as caught:
            await client.get_policy()
        assert await client.health() is False
    assert caught.value.status == 500
    assert "secret" not in str(caught.value)


async def test_connection_refused_is_unavailable() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens here now
    async with StoreClient(base_url=f"http://127.0.0.1:{port}") as client:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            await client.cancel_order(
                order_number="10001", email="ada@example.com", idempotency_key="k"
            )
        assert await client.health() is False
    assert time.monotonic() - started < 1.0


class _CountingPolicyServer:
    """Answers GET /api/v1/policy with the store's policy JSON (or 503 while `down`)."""

    def __init__(self) -> None:
        from integrations.store.configured_policy import StorePolicy

        self.body = json.dumps(StorePolicy().to_json()).encode()
        self.calls = 0
        self.down = False

    def respond(self, h: BaseHTTPRequestHandler) -> None:
        self.calls += 1
        status, body = (503, b"{}") if self.down else (200, self.body)
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)


async def test_the_policy_is_kept_for_its_ttl_and_a_failure_is_not() -> None:
    server = _CountingPolicyServer()
    now = [1000.0]
    for base_url in _serve(_handler(server.respond)):
        async with StoreClient(base_url=base_url, policy_ttl=60, clock=lambda: now[0]) as client:
            first = await client.get_policy()
            now[0] += 59
            assert await client.get_policy() == first
            assert server.calls == 1
            now[0] += 2  # older than the TTL: asked again
            assert await client.get_policy() == first
            assert server.calls == 2
            now[0] += 61
            server.down = True
            with pytest.raises(StoreUnavailable):
                await client.get_policy()
            server.down = False
            assert await client.get_policy() == first  # the failure was not kept
            assert server.calls == 4


async def test_without_a_ttl_every_policy_question_asks_the_store() -> None:
    server = _CountingPolicyServer()
    for base_url in _serve(_handler(server.respond)):
        async with StoreClient(base_url=base_url) as client:
            for _ in range(3):
                await client.get_policy()
    assert server.calls == 3
