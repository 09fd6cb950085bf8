"""Whether this process runs in CI (`CI=true`, what .ci/run sets).

In CI a missing local service (PostgreSQL, Redis, Chromium, HAProxy) fails the tests that
need it; elsewhere they are skipped, so a laptop without them still runs the rest.
"""

from __future__ import annotations

import os
from collections.abc import Mapping


def in_ci(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return env.get("CI", "").strip().lower() == "true"
