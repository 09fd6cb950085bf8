"""Alembic migrations of the handoff tables (version table `handoff_alembic_version`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

VERSION_TABLE = "handoff_alembic_version"
_HERE = Path(__file__).parent


def _config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the handoff tables to `revision`."""
    command.upgrade(_config(engine), revision)


def is_current(engine: Engine) -> bool:
    heads = set(ScriptDirectory.from_config(_config(engine)).get_heads())
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return set(context.get_current_heads()) == heads
