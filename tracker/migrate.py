"""Alembic, called in-process on the tracker's own engine."""

from __future__ import annotations

from collections.abc import Callable

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from . import paths
from .db import lock_for_writers
from .errors import DatabaseError


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
    with writer.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _set_sqlite_foreign_keys(connection, on=False)
        try:
            with connection.begin():
                lock_for_writers(connection, "schema")
                config.attributes["connection"] = connection
                action(config, revision)
                if sqlite:
                    _check_sqlite_foreign_keys(connection, revision)
        finally:
            if sqlite:
                _set_sqlite_foreign_keys(connection, on=True)


def _set_sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    # Alembic's batch mode rebuilds a SQLite table by copying it, dropping the
    # old one and renaming the copy. With foreign keys enforced, dropping a
    # table that other rows refer to fails, or deletes them where the key
    # cascades. SQLite ignores this pragma inside a transaction, so it is set
    # on the driver's connection before BEGIN.
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")


def _check_sqlite_foreign_keys(connection: Connection, revision: str) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        table, row, parent = broken[0][:3]
        raise DatabaseError(
            f"Migrating to revision {revision} would leave {len(broken)} rows "
            f"referring to missing rows (the first: row {row} of {table}, which "
            f"refers to {parent}), so nothing was changed. Report this as a bug."
        )


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` in one transaction."""
    _run_locked(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Downgrade the schema to ``revision`` in one transaction."""
    _run_locked(engine, command.downgrade, revision)
