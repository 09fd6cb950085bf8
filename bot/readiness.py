"""Is this Rasa server ready to take a turn? Its tracker store's database and its lock
store's Redis must both answer (HAProxy and Kubernetes ask `/webhooks/rest/ready`).

Liveness is separate: Rasa's `GET /` answers while the process runs, whatever the stores do,
so an outage takes instances out of the balancer (the balancer then answers 503 itself)
without getting them restarted.
"""

from __future__ import annotations

import asyncio
from typing import Any

READINESS_TIMEOUT_SECONDS = 2.0
# A conversation id no shopper has (a read of it touches no real conversation).
PROBE_SENDER = "__shopdesk_readiness_probe__"


async def check(agent: Any) -> dict[str, str]:
    """`{"tracker_store": "ok" | reason, "lock_store": "ok" | reason}`."""
    return {
        "tracker_store": await _probe(_read_tracker_store(agent)),
        "lock_store": await _probe(_ping_lock_store(agent)),
    }


def is_ready(checks: dict[str, str]) -> bool:
    return all(result == "ok" for result in checks.values())


async def _probe(probe: Any) -> str:
    try:
        await asyncio.wait_for(probe, timeout=READINESS_TIMEOUT_SECONDS)
    except TimeoutError:
        return f"no answer within {READINESS_TIMEOUT_SECONDS:g} s"
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; say which
        return f"{type(exc).__name__}"
    return "ok"


async def _read_tracker_store(agent: Any) -> None:
    # Fails when the database does not answer (rasa_patches' strict_tracker_store; with it
    # switched off Rasa's fallback answers instead, and the instance counts as ready).
    await agent.tracker_store.retrieve(PROBE_SENDER)


async def _ping_lock_store(agent: Any) -> None:
    redis_client = getattr(agent.lock_store, "red", None)  # RedisLockStore's client
    if redis_client is not None:
        await asyncio.to_thread(redis_client.ping)
