"""The balancer's configuration: HAProxy itself accepts what bot.lb renders, and the
settings that decide what a shopper sees when an instance fails are there."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot import lb
from tests.conftest import require_service


def _installed() -> bool:
    try:
        lb.haproxy_binary()
        return True
    except lb.BalancerMissing:
        return False


def _config() -> str:
    return lb.render(
        rasa_bind="127.0.0.1:15005",
        actions_bind="127.0.0.1:15055",
        rasa_servers=["127.0.0.1:15006", "127.0.0.1:15007"],
        action_servers=["127.0.0.1:15056"],
    )


def test_haproxy_accepts_the_rendered_configuration(tmp_path: Path) -> None:
    require_service(_installed(), "HAProxy (make lb)")
    path = tmp_path / "haproxy.cfg"
    path.write_text(_config())
    checked = subprocess.run(
        [str(lb.haproxy_binary()), "-c", "-f", str(path)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_only_requests_that_never_reached_a_server_are_retried() -> None:
    lines = [line.strip() for line in _config().splitlines()]
    assert "retry-on conn-failure" in lines
    assert not any(line.startswith("retry-on") and line != "retry-on conn-failure"
                   for line in lines)


def test_socketio_is_sticky_and_rest_is_balanced() -> None:
    config = "\n".join(
        line for line in _config().splitlines() if not line.lstrip().startswith("#")
    )
    socketio = config.split("\nbackend rasa_socketio", 1)[1].split("\nfrontend", 1)[0]
    rest = config.split("\nbackend rasa_rest", 1)[1].split("\nbackend", 1)[0]
    assert "cookie SHOPDESK_RASA insert" in socketio
    assert "server rasa-1 127.0.0.1:15006 check cookie rasa-1" in socketio
    assert "server rasa-2 127.0.0.1:15007 check cookie rasa-2" in socketio
    assert "balance roundrobin" in rest and "cookie" not in rest


@pytest.mark.parametrize("code", [502, 503, 504])
def test_balancer_errors_are_short_json_with_retry_after(code: int) -> None:
    raw = (lb.ERRORS_DIR / f"{code}.http").read_bytes()
    head, body = raw.split(b"\r\n\r\n", 1)
    assert head.startswith(f"HTTP/1.1 {code} ".encode())
    assert b"Content-Type: application/json" in head and b"Retry-After: 1" in head
    assert f"Content-Length: {len(body)}".encode() in head
    assert b'"retryable": true' in body


@pytest.mark.parametrize("config", ["deploy/haproxy/haproxy.cfg", "deploy/k8s/haproxy.cfg"])
def test_haproxy_accepts_the_deployment_configurations(tmp_path: Path, config: str) -> None:
    """deploy/'s configurations, public front end included (the image's errors folder is
    this repository's bot/lb/errors; the servers' names resolve only in their cluster)."""
    require_service(_installed(), "HAProxy (make lb)")
    text = (lb.HERE.parents[1] / config).read_text()
    path = tmp_path / "haproxy.cfg"
    path.write_text(text.replace("/usr/local/etc/haproxy/errors", str(lb.ERRORS_DIR)))
    checked = subprocess.run(
        [str(lb.haproxy_binary()), "-c", "-f", str(path)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_request_to_rasa_is_the_first_on_its_connection() -> None:
    config = _config()
    frontend = config.split("\nfrontend rasa", 1)[1].split("\nbackend", 1)[0]
    assert "\n    option httpclose" in frontend


def test_the_public_front_end_is_only_rendered_for_deployments() -> None:
    assert "frontend public" not in _config()
    with pytest.raises(ValueError, match="store"):
        lb.render(rasa_bind=":5005", actions_bind=":5055", rasa_servers=["a:1"],
                  action_servers=["b:2"], public_bind=":8080")
