"""Secrets every service checks the same way."""

from __future__ import annotations

# A published demo value: anyone can mint identity tokens with it. Fine for `make run` on a
# laptop, never for a real store (set SHOPDESK_IDENTITY_SECRET to a long random string).
DEMO_IDENTITY_SECRET = "demo-identity-secret-change-me-please"
