"""Alembic environment: runs against the engine handed over in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from store.models import metadata

config = context.config
engine = config.attributes.get("engine")
if engine is None:
    raise RuntimeError("run migrations through store.migrate (python -m store migrate)")

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite batch migrations rebuild tables (copy, drop, rename); with foreign keys
        # enforced, dropping a referenced table fails. The pragma only works outside a
        # transaction, and integrity is checked again before it is switched back on.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=sqlite,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    if sqlite:
        problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
        if problems:
            raise RuntimeError(f"foreign key violations after migration: {problems[:5]}")
