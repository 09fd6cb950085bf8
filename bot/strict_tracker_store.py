"""No in-memory fallback: when the tracker store fails, the turn fails (and says so).

Rasa 3.6 wraps every tracker store in `FailSafeTrackerStore`, which on any error logs it and
carries on with an `InMemoryTrackerStore`: with PostgreSQL down a conversation silently
started again from nothing ("10023" -> "what email?"), and none of it was stored. Here the
wrapper's two error hooks (its public methods `on_tracker_store_error` and
`on_tracker_store_retrieve_error`, which Rasa calls from inside its `except` blocks) raise
`TrackerStoreUnavailable` from the original error instead, so the error leaves the turn and
the channel answers 503 with `Retry-After` (bot/turns.py). Nothing else changes: a working
store is used exactly as before.

Installed explicitly at start-up by the chat channels (`install()`, bot/channels.py), only
on the Rasa version it was written for (another version is refused with an error naming
both), and switched off with `SHOPDESK_TRACKER_STORE_FALLBACK=memory` (Rasa's own
behaviour). Tested against the original in tests/integration/rasa_engine/.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

logger = logging.getLogger(__name__)

WRITTEN_FOR_RASA = "3.6.21"
SWITCH = "SHOPDESK_TRACKER_STORE_FALLBACK"

_originals: dict[str, Callable[..., Any]] = {}


class TrackerStoreUnavailable(RuntimeError):
    """The tracker store could not read or write a conversation; `__cause__` says why."""


def install(env: Mapping[str, str] | None = None) -> bool:
    """Makes tracker store errors fail the turn (once per process). False when switched off
    (`SHOPDESK_TRACKER_STORE_FALLBACK=memory`); RuntimeError on another Rasa version."""
    env = os.environ if env is None else env
    setting = env.get(SWITCH, "").strip().lower() or "none"
    if setting not in ("none", "memory"):
        raise ValueError(f"{SWITCH} must be none or memory, got {setting!r}")
    if setting == "memory":
        uninstall()
        return False
    import rasa
    from rasa.core.tracker_store import FailSafeTrackerStore

    if rasa.__version__ != WRITTEN_FOR_RASA:
        raise RuntimeError(
            f"bot.strict_tracker_store was written for Rasa {WRITTEN_FOR_RASA}, not "
            f"{rasa.__version__}: check FailSafeTrackerStore again, or set {SWITCH}=memory"
        )
    if _originals:
        return True
    for name in ("on_tracker_store_error", "on_tracker_store_retrieve_error"):
        _originals[name] = getattr(FailSafeTrackerStore, name)
        setattr(FailSafeTrackerStore, name, _raise_unavailable)
    return True


def uninstall() -> None:
    """Puts Rasa's own error hooks back."""
    if not _originals:
        return
    from rasa.core.tracker_store import FailSafeTrackerStore

    for name, original in _originals.items():
        setattr(FailSafeTrackerStore, name, original)
    _originals.clear()


def _raise_unavailable(self: Any, error: Exception) -> None:
    raise TrackerStoreUnavailable(f"the tracker store failed: {error}") from error
