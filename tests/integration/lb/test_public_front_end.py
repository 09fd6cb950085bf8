"""deploy/'s public front end, run: HAProxy with the configuration bot.lb renders for a
deployment, in front of a stand-in Rasa instance and store (local HTTP servers that answer
every path). Shoppers' paths get through; Rasa's HTTP API, the readiness check and anything
else are answered 404 by the balancer and never reach an instance."""

from __future__ import annotations

import http.server
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import lb
from tests.conftest import require_service
from tests.integration.lb.test_haproxy_config import _installed
from tests.support.stack import free_port

EVENT_TIMEOUT = 30.0


class _Answering(http.server.ThreadingHTTPServer):
    """Answers any request with 200 and its own name; records the paths it saw."""

    def __init__(self, name: str) -> None:
        self.name, self.seen = name, []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                owner.seen.append(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                body = owner.name.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.fixture
def balancer(tmp_path: Path) -> Iterator[tuple[int, _Answering, _Answering]]:
    require_service(_installed(), "HAProxy (make lb)")
    rasa, store = _Answering("rasa"), _Answering("store")
    public = free_port()
    config = tmp_path / "haproxy.cfg"
    config.write_text(lb.render(
        rasa_bind=f"127.0.0.1:{free_port()}",
        actions_bind=f"127.0.0.1:{free_port()}",
        rasa_servers=[f"127.0.0.1:{rasa.server_port}"],
        action_servers=[f"127.0.0.1:{rasa.server_port}"],
        public_bind=f"127.0.0.1:{public}",
        store_server=f"127.0.0.1:{store.server_port}",
    ))
    process = subprocess.Popen([str(lb.haproxy_binary()), "-db", "-f", str(config)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + EVENT_TIMEOUT
        while _get(public, "/webhooks/rest/webhook", post=True) != (200, "rasa"):
            assert time.monotonic() < deadline, "the balancer never took the stand-in Rasa"
            time.sleep(0.1)
        yield public, rasa, store
    finally:
        process.terminate()
        process.wait(timeout=EVENT_TIMEOUT)
        rasa.shutdown()
        store.shutdown()


def _get(port: int, path: str, *, post: bool = False) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                     data=b"{}" if post else None)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except (urllib.error.URLError, OSError):
        return 0, ""


def test_shoppers_paths_get_through(balancer: tuple[int, _Answering, _Answering]) -> None:
    public, _rasa, _store = balancer
    assert _get(public, "/webhooks/rest/webhook", post=True) == (200, "rasa")
    assert _get(public, "/socket.io/?EIO=4&transport=polling") == (200, "rasa")
    assert _get(public, "/static/shopdesk-widget.js") == (200, "store")
    assert _get(public, "/lb-live")[0] == 200


def test_everything_else_is_a_404_from_the_balancer(
    balancer: tuple[int, _Answering, _Answering],
) -> None:
    public, rasa, store = balancer
    internal = ("/", "/status", "/conversations/x/tracker", "/model/parse", "/webhook",
                "/api/orders/10023")
    for path in (*internal, "/webhooks/rest/ready", "/health"):
        assert _get(public, path)[0] == 404, path
        assert _get(public, path, post=True)[0] == 404, path
    # none reached a server (the balancer's own checks ask /webhooks/rest/ready and /health)
    assert set(rasa.seen + store.seen) & set(internal) == set()
