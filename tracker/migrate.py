"""Alembic, called in-process on the tracker's own engine."""

from __future__ import annotations

from collections.abc import Callable

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from . import paths
from .db import lock_for_writers


def alembic_config() -> Config:
    """Return an Alembic configuration for the installed migrations folder."""
    config = Config()
    config.set_main_option("script_location", str(paths.migrations_dir()))
    config.set_main_option("path_separator", "os")
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def revisions() -> list[str]:
    """Return every revision in migrations/versions, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _run_locked(
    engine: Engine, action: Callable[[Config, str], None], revision: str
) -> None:
    # The write lock is taken before Alembic reads the current revision, so
    # processes that open a new database at the same moment create its schema
    # once: the others wait, then find nothing left to do.
    writer = engine.execution_options(sqlite_begin="IMMEDIATE")
    config = alembic_config()
    with writer.begin() as connection:
        lock_for_writers(connection, "schema")
        config.attributes["connection"] = connection
        action(config, revision)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` in one transaction."""
    _run_locked(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Downgrade the schema to ``revision`` in one transaction."""
    _run_locked(engine, command.downgrade, revision)
