"""A few settings read from the environment with the standard library only.

For the code that runs inside the Rasa engine (the channels' input guard): Rasa 3.6 pins
pydantic 1, so `common.settings` (pydantic-settings, pydantic 2) cannot be imported there.
Each reader names the variable in its error; an empty variable counts as unset.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class RedisLocation:
    """Where a shared Redis is (`REDIS_HOST`, `REDIS_PORT`, `REDIS_DB`, `REDIS_PASSWORD`)."""

    host: str
    port: int = 6379
    db: int = 0
    password: str | None = None


class EnvError(ValueError):
    """A variable is malformed; the message names it."""


def text(env: Mapping[str, str], name: str, default: str | None = None) -> str | None:
    return (env.get(name) or "").strip() or default


def whole_number(
    env: Mapping[str, str], name: str, default: int, *, error: type[ValueError] = EnvError
) -> int:
    """A whole number >= 0."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise error(f"{name} must be a whole number, got {raw!r}")
    return int(raw)


def positive_int(
    env: Mapping[str, str], name: str, default: int, *, error: type[ValueError] = EnvError
) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise error(f"{name} must be a whole number, got {raw!r}") from None
    if value <= 0:
        raise error(f"{name} must be positive, got {raw!r}")
    return value


def networks(
    env: Mapping[str, str], name: str, *, error: type[ValueError] = EnvError
) -> tuple[IPNetwork, ...]:
    """A comma-separated list of IP addresses or networks."""
    found = []
    for part in (p.strip() for p in (env.get(name) or "").split(",")):
        if not part:
            continue
        try:
            found.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise error(
                f"{name} must be a comma-separated list of IP addresses or networks, "
                f"got {part!r}"
            ) from None
    return tuple(found)

