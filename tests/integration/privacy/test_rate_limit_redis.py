"""The channels' rate limit shared through Redis, as several Rasa instances behind a load
balancer use it (production profile). Runs in the Rasa engine's environment, which has the
redis package, against the machine's Redis."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import uuid

from bot import paths
from tests.conftest import require_service
from tests.support.cluster import redis_up

SCRIPT = r"""
import json, sys, time
from bot.guard import ChannelGuard, GuardSettings

env = json.loads(sys.argv[1])
settings = GuardSettings.from_env(env)
# Two Rasa instances: each has its own guard, the conversation's messages go to both.
first, second = ChannelGuard(settings), ChannelGuard(settings)
def send(guard, sender):
    return guard.check(sender_id=sender, text="hi", metadata=None, client_ip="ip").accepted
sender = env["SENDER"]
results = [send(first if i % 2 else second, sender) for i in range(8)]
other = send(first, sender + "-other")
# One window later (the limiter's clock moved on rather than the test waiting for it).
window = float(env["SHOPDESK_RATE_LIMIT_WINDOW_SECONDS"])
second.limiter.clock = lambda: time.time() + window + 0.2
later = send(second, sender)
print(json.dumps({"results": results, "other": other, "later": later,
                  "kind": type(first.limiter).__name__}))
"""


def run_in_rasa_env(env: dict[str, str]) -> dict[str, object]:
    result = subprocess.run(
        [str(paths.RASA_PYTHON), "-c", SCRIPT, json.dumps(env)],
        cwd=paths.ROOT,
        env={**os.environ, "PYTHONPATH": str(paths.ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_limit_holds_across_instances_sharing_redis() -> None:
    require_service(redis_up(), "Redis")
    out = run_in_rasa_env({
        "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379", "REDIS_DB": "0",
        "SHOPDESK_RATE_LIMIT_MESSAGES": "5", "SHOPDESK_RATE_LIMIT_WINDOW_SECONDS": "1",
        "SENDER": f"rl-{uuid.uuid4().hex}",
    })
    assert out["kind"] == "RedisRateLimiter"
    assert out["results"] == [True] * 5 + [False] * 3  # five in all, not five per instance
    assert out["other"] is True  # another conversation has its own quota
    assert out["later"] is True  # the window slid on


def test_unreachable_redis_lets_messages_through() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = run_in_rasa_env({
        "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(port),
        "SHOPDESK_RATE_LIMIT_MESSAGES": "1", "SHOPDESK_RATE_LIMIT_WINDOW_SECONDS": "1",
        "SENDER": "x",
    })
    assert out["results"] == [True] * 8  # no limit rather than no chat
