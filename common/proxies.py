"""Which proxies may tell a service the client's address (`SHOPDESK_TRUSTED_PROXIES`).

Every service reads the same setting: the chat channels (bot/guard.py) and the uvicorn
servers (store, handoff). uvicorn on its own trusts `X-Forwarded-For` from 127.0.0.1, so a
client on this machine could name any address it likes and slip past per-client limits;
`uvicorn_proxy_options()` trusts the header from the listed proxies only, and from nobody
when none are listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from common.env import IPNetwork, networks

SETTING = "SHOPDESK_TRUSTED_PROXIES"


class ProxySettingError(ValueError):
    """SHOPDESK_TRUSTED_PROXIES is malformed; the message names it."""


def trusted_proxies(env: Mapping[str, str]) -> tuple[IPNetwork, ...]:
    """The comma-separated addresses or networks in SHOPDESK_TRUSTED_PROXIES."""
    return networks(env, SETTING, error=ProxySettingError)


def uvicorn_proxy_options(env: Mapping[str, str]) -> dict[str, Any]:
    """`uvicorn.run()` keywords: forwarded headers from the trusted proxies only."""
    networks = trusted_proxies(env)
    if not networks:
        return {"proxy_headers": False, "forwarded_allow_ips": []}
    return {"proxy_headers": True, "forwarded_allow_ips": [str(n) for n in networks]}
