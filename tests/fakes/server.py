"""A small threaded HTTP server with a request log and scripted faults, for fakes."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    # The client's (host, port): requests over one kept-alive connection share it.
    peer: tuple[str, int] = ("", 0)


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Fault:
    """Answer matching requests with `status` (before handling them), or handle them and then
    stall for `stall_after_handling` seconds (to kill a client mid-request)."""

    method: str | None = None
    path_contains: str | None = None
    status: int | None = None
    retry_after: float | None = None
    body: Any = None
    delay: float = 0.0
    stall_after_handling: float = 0.0
    times: int | None = None  # None: until `until`
    until: float | None = None  # time.monotonic() deadline

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method != method:
            return False
        if self.path_contains and self.path_contains not in path:
            return False
        if self.times is not None:
            return self.times > 0
        return self.until is None or time.monotonic() < self.until


class FakeServer:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self.lock = threading.RLock()
        self._httpd: ThreadingHTTPServer | None = None

    # -- to be implemented by fakes -----------------------------------------------------

    def handle(self, request: Recorded) -> Reply:
        raise NotImplementedError

    # -- lifecycle ----------------------------------------------------------------------

    def start(self, port: int = 0) -> FakeServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                fake._dispatch(self)

            do_GET = do_POST = do_PUT = do_DELETE = _any

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()

    @property
    def port(self) -> int:
        assert self._httpd is not None
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add_fault(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def fail_for(self, seconds: float, **kwargs: Any) -> None:
        self.add_fault(Fault(until=time.monotonic() + seconds, **kwargs))

    def calls(self, method: str, path_contains: str) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.method == method and path_contains in r.path]

    # -- plumbing -----------------------------------------------------------------------

    def _dispatch(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        content_type = handler.headers.get("Content-Type") or ""
        body: Any
        if "json" in content_type and raw:
            body = json.loads(raw)
        elif "form" in content_type:
            body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        else:
            body = raw.decode() or None
        request = Recorded(
            method=handler.command,
            path=parts.path,
            query=parse_qs(parts.query),
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=body,
            peer=tuple(handler.client_address[:2]),
        )
        with self.lock:
            self.requests.append(request)
            fault = next(
                (f for f in self.faults if f.matches(request.method, request.path)),
                None,
            )
            if fault is not None and fault.times is not None:
                fault.times -= 1
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.status is not None:
            headers = (
                {"Retry-After": str(int(fault.retry_after))}
                if fault.retry_after is not None
                else {}
            )
            reply = Reply(
                fault.status,
                fault.body if fault.body is not None else {"error": "injected"},
                headers,
            )
        else:
            with self.lock:
                reply = self.handle(request)
            if fault is not None and fault.stall_after_handling:
                time.sleep(fault.stall_after_handling)
        self._send(handler, reply)

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        if isinstance(reply.body, (dict, list)):
            payload = json.dumps(reply.body).encode()
            content_type = "application/json; charset=utf-8"
        else:
            payload = str(reply.body or "").encode()
            content_type = "text/plain; charset=utf-8"
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(payload)))
            for key, value in reply.headers.items():
                handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test or a killed worker)
