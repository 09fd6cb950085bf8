"""Free loopback ports for services a test starts in another process.

A port is chosen now and bound later, when the service has started: seconds in which any
outgoing connection (a database client's, an HTTP client's) may be given the same port if
it lies in the kernel's ephemeral range, and the service then fails with "address already
in use". Ports here are chosen below that range, where the kernel never hands out client
ports, at random so that fixtures of one run do not pick the same ones.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

_PORT_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST = 10000
_random = random.Random()


def _ephemeral_low() -> int:
    try:
        return int(_PORT_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def free_block(size: int = 1) -> int:
    """The first of `size` consecutive ports nobody listens on, all below the ephemeral
    range."""
    high = _ephemeral_low() - size
    low = _LOWEST if high - _LOWEST > 1000 else 1024
    for _ in range(200):
        first = _random.randrange(low, high)
        try:
            for port in range(first, first + size):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first
    raise RuntimeError(f"no {size} free consecutive ports below {high + size}")


def free_port() -> int:
    return free_block(1)
