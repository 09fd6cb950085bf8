"""The demo Shopify (store/shopify_demo) served over real HTTP from a thread of the test
process, so a test can flip its fault switches and share its clock."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from store.shopify_demo.server import DemoShopify, create_app

# What the tests' demo Shopify accepts: an access token, and the app's client credentials.
TOKEN = "shpat_test_token"
CLIENT_ID = "app-id"
CLIENT_SECRET = "app-secret"


@dataclass
class FakeClock:
    """A monotonic clock that moves only when told to."""

    now: float = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@contextmanager
def serve_demo(demo: DemoShopify) -> Iterator[str]:
    """The demo's origin (http://127.0.0.1:<free port>) while the block runs."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(demo), log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    started = time.monotonic()
    while not server.started:  # wait for the event, bounded
        if not thread.is_alive() or time.monotonic() - started > 10:
            raise RuntimeError("the demo Shopify did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
