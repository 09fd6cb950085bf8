"""Engine creation. The engine is built by the caller (CLI, app factory, tests), never at import."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from common import db


def make_engine(url: URL) -> Engine:
    """An engine for ``url`` with common.db's timeouts; SQLite gets foreign keys and WAL."""
    return db.make_engine(url, sqlite_pragmas=("foreign_keys=ON", "journal_mode=WAL"))
