"""The per-network verification budget in Redis, as the production profile's several action
servers share it: failures recorded by one are seen by the other, and a Redis that does not
answer leaves each process counting on its own instead of stopping verification."""

from __future__ import annotations

import socket
import uuid

import redis

from actions.attempts import BudgetShape, RedisBudget
from tests.conftest import require_service
from tests.support.cluster import redis_up

SHAPE = BudgetShape(limit=3, window_seconds=900)


def test_two_action_servers_share_one_networks_budget() -> None:
    require_service(redis_up(), "Redis on 127.0.0.1:6379")
    first = RedisBudget.connect(SHAPE, host="127.0.0.1", port=6379, db=0, password=None)
    second = RedisBudget.connect(SHAPE, host="127.0.0.1", port=6379, db=0, password=None)
    network = f"net:test-{uuid.uuid4().hex}"
    assert first.record_failure(network) is None
    assert second.record_failure(network) is None
    assert first.record_failure(network) == 300  # 3 per 900 s: one drains in 300 s
    assert second.retry_after(network) == 300
    assert second.retry_after(f"{network}-other") is None
    key = f"shopdesk:verification-failures:{network}"
    client = redis.Redis(host="127.0.0.1", port=6379, db=0)
    assert 0 < client.ttl(key) <= 901  # forgotten once fully drained
    client.delete(key)


def test_an_unreachable_redis_falls_back_to_counting_locally() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    budget = RedisBudget.connect(SHAPE, host="127.0.0.1", port=closed_port, db=0, password=None)
    assert budget.record_failure("net:198.51.100.1") is None
    assert budget.record_failure("net:198.51.100.1") is None
    assert budget.record_failure("net:198.51.100.1") == 300  # the limit still holds
    assert budget.retry_after("net:198.51.100.1") == 300
