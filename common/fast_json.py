"""JSON with ujson where it gives the same value, `json` for whatever ujson refuses.

Used on every message by both environments (ujson is in each: Rasa's pins and the app's):
the Rasa server writes action-server requests (`dumps`) and reads stored conversations
(`loads`); the action server reads the calls (`loads`). ujson reads and writes these
documents ~1.6-2.9x quicker than `json`, to the same value (tests/unit/nlu/
test_rasa_patches.py, test_tracker_store_json.py, tests/unit/security/
test_webhook_input.py).
"""

from __future__ import annotations

import json
from typing import Any

import ujson


def loads(text: str | bytes) -> Any:
    """`json.loads`'s value; what ujson refuses (a UTF-16 body, nesting beyond its limit,
    bad JSON) goes to `json.loads`, which reads it or raises as before."""
    try:
        return ujson.loads(text)
    except (ValueError, OverflowError, RecursionError):
        return json.loads(text)


def dumps(value: Any) -> str:
    """The same JSON value `json.dumps` writes; what ujson refuses goes to `json.dumps`,
    which writes it or fails as it does."""
    try:
        return ujson.dumps(value, escape_forward_slashes=False)
    except (OverflowError, TypeError, ValueError):
        return json.dumps(value)
