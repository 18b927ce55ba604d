"""Engine and session creation, SQLite settings, and schema upgrade on open.

Learner commands stay cheap: opening an up-to-date database reads the schema
version with one query and imports neither Alembic nor the sync code. Alembic
is imported only when the schema is missing or behind.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, inspect, select, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from . import paths
from .errors import DatabaseBusyError, DatabaseError, InputError
from .schema import modules, settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

# The newest Alembic revision in migrations/versions. A test checks that it
# equals Alembic's head, so that opening a current database needs no Alembic.
SCHEMA_HEAD = "0002"
DEFAULT_BUSY_TIMEOUT = 30.0
_SQLITE_HEADER = b"SQLite format 3\x00"


def resolve_url(url: str | None) -> str:
    """Return the database URL: the argument, ``TT_PROGRESS_DB`` or the default.

    A value without ``://`` is a path to a SQLite file.
    """
    url = url or os.environ.get("TT_PROGRESS_DB")
    if not url:
        return f"sqlite:///{paths.app_dir() / 'progress.db'}"
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser()}"
    return url


def busy_timeout() -> float:
    """Return the seconds a writer waits for a lock (``TT_PROGRESS_BUSY_TIMEOUT``)."""
    value = os.environ.get("TT_PROGRESS_BUSY_TIMEOUT")
    if not value:
        return DEFAULT_BUSY_TIMEOUT
    try:
        return max(float(value), 0.0)
    except ValueError:
        raise InputError(
            f"TT_PROGRESS_BUSY_TIMEOUT={value!r} is not a number of seconds."
        ) from None


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def display_url(url: str) -> str:
    """Return the URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _check_sqlite_file(path: Path) -> None:
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder, not a database file. Give a file.")
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        header = handle.read(len(_SQLITE_HEADER))
    if header != _SQLITE_HEADER:
        raise DatabaseError(
            f"{path} is not a SQLite database (its first bytes are not the SQLite "
            "header). Check the --db value or TT_PROGRESS_DB."
        )


def _configure_sqlite(engine: Engine, timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself, so that
        # write transactions can take the write lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def create_tracker_engine(url: str) -> Engine:
    """Create an engine with the project's SQLite settings applied."""
    timeout = busy_timeout()
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(
            f"Invalid database URL {url!r}. Give a SQLAlchemy URL such as "
            "sqlite:///progress.db or postgresql+psycopg://user@host/db."
        ) from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise InputError(
            f"Unsupported database {display_url(url)}: tt-progress runs on SQLite "
            "and PostgreSQL. Give a sqlite:/// or postgresql+psycopg:// URL."
        )
    kwargs: dict[str, Any] = {}
    if backend == "sqlite":
        kwargs["connect_args"] = {"timeout": timeout}
    elif backend == "postgresql":
        kwargs["connect_args"] = {"connect_timeout": 10}
    try:
        engine = create_engine(parsed, **kwargs)
    except (ArgumentError, ImportError) as err:
        raise DatabaseError(
            f"Cannot use database URL {display_url(url)}: {err}. For PostgreSQL, "
            "install the driver with: pip install 'tt-progress[postgres]'."
        ) from None
    if backend == "sqlite":
        _configure_sqlite(engine, timeout)
    return engine


def translate_error(err: SQLAlchemyError, url: str) -> DatabaseError:
    """Turn a driver error into one readable `DatabaseError`."""
    message = str(getattr(err, "orig", err)).strip().splitlines()[0]
    if isinstance(err, OperationalError) and (
        "database is locked" in message or "lock timeout" in message
    ):
        return DatabaseBusyError(
            f"The database is busy ({display_url(url)}): another process holds its "
            "lock. Try again in a moment."
        )
    return DatabaseError(f"Database error on {display_url(url)}: {message}")


class Database:
    """An open tracker database: an engine plus the session scopes to use it."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self.dialect = engine.dialect.name
        self._writer = (
            engine.execution_options(sqlite_begin="IMMEDIATE")
            if self.dialect == "sqlite"
            else engine
        )

    @contextmanager
    def session(self, write: bool = False) -> Iterator[Session]:
        """Yield an ORM session that commits on success and rolls back on error.

        A write session on SQLite starts with BEGIN IMMEDIATE, so it waits for
        the write lock at the start instead of failing halfway through.
        """
        from sqlalchemy.orm import Session

        session = Session(self._writer if write else self.engine, expire_on_commit=False)
        try:
            yield session
            session.commit()
        except SQLAlchemyError as err:
            session.rollback()
            raise translate_error(err, self.url) from err
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def connect(self, write: bool = False) -> Iterator[Connection]:
        """Yield a Core connection in one transaction, like `session`.

        Learner commands use this one: it needs no ORM import.
        """
        engine = self._writer if write else self.engine
        try:
            with engine.begin() as connection:
                yield connection
        except SQLAlchemyError as err:
            raise translate_error(err, self.url) from err

    def dispose(self) -> None:
        self.engine.dispose()

    def setting(self, key: str) -> str | None:
        """Return one value of the settings table, or None."""
        with self.connect() as connection:
            return connection.execute(
                select(settings.c.value).where(settings.c.key == key)
            ).scalar()


def schema_version(engine: Engine) -> tuple[str | None, bool]:
    """Return (Alembic revision or None, whether the database has any table)."""
    with engine.connect() as connection:
        try:
            row = connection.execute(text("SELECT version_num FROM alembic_version"))
            versions = [r[0] for r in row]
            return (versions[0] if versions else None), True
        except SQLAlchemyError:
            connection.rollback()
        tables = inspect(connection).get_table_names()
        return None, bool(tables)


def backup_sqlite(path: Path) -> Path:
    """Copy a SQLite file beside itself with a UTC date, using the backup API."""
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.{stamp}.bak")
    source = sqlite3.connect(str(path))
    try:
        destination = sqlite3.connect(str(target))
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()
    return target


def upgrade_schema(database: Database, revision: str = "head") -> None:
    """Run the Alembic migrations up to ``revision`` in this process."""
    from . import migrate

    migrate.upgrade(database.engine, revision)


def open_database(
    url: str | None = None,
    *,
    create: bool = True,
    sync_catalog: bool = True,
) -> Database:
    """Open a tracker database, creating or upgrading its schema when needed.

    With ``sync_catalog``, the bundled catalog is synced when the database has
    no catalog or the bundled files changed since they were last synced.
    ``create=False`` opens without writing anything: a database with no schema
    raises `DatabaseError` instead of being created.
    """
    url = resolve_url(url)
    sqlite_path = _sqlite_file(url)
    if sqlite_path is not None:
        _check_sqlite_file(sqlite_path)
        if not create and not sqlite_path.exists():
            raise DatabaseError(
                f"No database at {sqlite_path}. Check --db, or run a command that "
                "records progress to create it."
            )
        if create:
            try:
                sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise DatabaseError(
                    f"Cannot create the folder {sqlite_path.parent}: {err.strerror}."
                ) from None
    engine = create_tracker_engine(url)
    database = Database(url, engine)
    try:
        _prepare(database, sqlite_path, create, sync_catalog)
    except SQLAlchemyError as err:
        engine.dispose()
        raise translate_error(err, url) from err
    except BaseException:
        engine.dispose()
        raise
    return database


def _prepare(
    database: Database, sqlite_path: Path | None, create: bool, sync_catalog: bool
) -> None:
    version, has_tables = schema_version(database.engine)
    if version is None and has_tables:
        raise DatabaseError(
            f"{display_url(database.url)} has tables but no tt-progress schema "
            "version, so it was not created by tt-progress. Point --db at a new "
            "database, or at one that tt-progress created."
        )
    if version != SCHEMA_HEAD:
        if not create:
            raise DatabaseError(
                f"{display_url(database.url)} has no current tt-progress schema "
                f"(found {version or 'none'}). Run: tt-progress db upgrade"
            )
        if version is not None and sqlite_path is not None:
            copy = backup_sqlite(sqlite_path)
            log.info("Copied %s to %s before upgrading it", sqlite_path, copy)
        upgrade_schema(database)
    if sync_catalog and create:
        _sync_bundled_if_needed(database)


def _sync_bundled_if_needed(database: Database) -> None:
    with database.connect() as connection:
        has_modules = connection.execute(select(modules.c.id).limit(1)).first() is not None
        stored = {
            key: value
            for key, value in connection.execute(
                select(settings.c.key, settings.c.value).where(
                    settings.c.key.in_(["catalog_source", "catalog_fingerprint"])
                )
            )
        }
    if has_modules and stored.get("catalog_source") != "bundled":
        return
    if has_modules and stored.get("catalog_fingerprint") == paths.bundled_fingerprint():
        return
    from .catalog import sync_catalog

    log.info("Syncing the bundled catalog into %s", display_url(database.url))
    sync_catalog(database, None)
