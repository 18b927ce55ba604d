"""Engine and session creation, SQLite settings, and schema upgrade on open.

Learner commands stay cheap: opening an up-to-date database reads the schema
version with one query and imports neither Alembic nor the sync code. Alembic
is imported only when the schema is missing or behind.
"""

from __future__ import annotations

import logging
import math
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import create_engine, event, inspect, select, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from . import paths
from .errors import DatabaseBusyError, DatabaseError, InputError
from .schema import modules, settings
from .sqlite_files import backup_sqlite, check_sqlite_file, is_blank, sqlite_file

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

# The newest Alembic revision in migrations/versions. A test checks that it
# equals Alembic's head, so that opening a current database needs no Alembic.
SCHEMA_HEAD = "0003"
DEFAULT_BUSY_TIMEOUT = 30.0
# PostgreSQL aborts a deadlock victim (SQLSTATE 40P01) and a transaction that
# hit a serialization failure (40001). `Database.transaction` runs such a
# transaction again, up to this many attempts in all.
WRITE_ATTEMPTS = 5
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
# 55P03 is PostgreSQL's lock_not_available, raised when lock_timeout expires.
_LOCK_NOT_AVAILABLE = "55P03"
# Keys of the PostgreSQL advisory locks taken by `lock_for_writers`.
ADVISORY_LOCK_KEYS = {"schema": 7_474_000_001, "catalog": 7_474_000_002}

T = TypeVar("T")


def resolve_url(url: str | None) -> str:
    """Return the database URL: the argument, ``TT_PROGRESS_DB`` or the default.

    A value without ``://`` is a path to a SQLite file. A URL that does not
    parse, an empty ``--db`` and an in-memory SQLite database (which would
    keep nothing) raise `InputError`.
    """
    if url is not None and not url.strip():
        raise InputError(
            "--db is empty. Give a path to a SQLite file or a database URL, or "
            "leave out --db for the default database."
        )
    url = url or os.environ.get("TT_PROGRESS_DB")
    if not url:
        return f"sqlite:///{paths.app_dir() / 'progress.db'}"
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser()}"
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(
            f"Invalid database URL {url!r}. Give a SQLAlchemy URL such as "
            "sqlite:///progress.db or postgresql+psycopg://user@host/db."
        ) from None
    if parsed.get_backend_name() == "sqlite" and parsed.database in (
        None,
        "",
        ":memory:",
    ):
        raise InputError(
            f"{url} is an in-memory SQLite database, which keeps nothing once the "
            "command ends. Give a file, such as sqlite:///progress.db."
        )
    return url


def busy_timeout() -> float:
    """Return the seconds a writer waits for a lock (``TT_PROGRESS_BUSY_TIMEOUT``)."""
    value = os.environ.get("TT_PROGRESS_BUSY_TIMEOUT")
    if not value:
        return DEFAULT_BUSY_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise InputError(
            f"TT_PROGRESS_BUSY_TIMEOUT={value!r} is not a number of seconds. Give "
            "0 or more, such as 30."
        )
    return seconds


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def display_url(url: str) -> str:
    """Return the URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _has_foreign_tables(cursor: Any) -> bool:
    rows = cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    names = {row[0] for row in rows}
    return bool(names) and "alembic_version" not in names


def _switch_to_wal(cursor: Any, timeout: float) -> None:
    """Put the file in WAL mode, waiting up to ``timeout`` for other connections.

    WAL mode is stored in the file, so it is switched on once. A file with
    another program's tables is left as it is, because opening it fails.

    SQLite can refuse the switch at once with "database is locked" while other
    processes open the same new file, without calling its busy handler, so the
    switch is tried again until another process has made it or time is up.
    """
    import sqlite3

    deadline = time.monotonic() + timeout
    while True:
        try:
            mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
            if mode != "wal" and not _has_foreign_tables(cursor):
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() >= deadline:
                raise
            time.sleep(random.uniform(0.005, 0.05))


def _configure_sqlite(engine: Engine, timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself, so that
        # write transactions can take the write lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        cursor.execute("PRAGMA synchronous = NORMAL")
        _switch_to_wal(cursor, timeout)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def _configure_postgresql(engine: Engine, timeout: float) -> None:
    # lock_timeout = 0 would mean "wait forever", so the shortest wait is 1 ms.
    milliseconds = max(int(timeout * 1000), 1)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = {milliseconds}")
        dbapi_connection.commit()


def create_tracker_engine(url: str) -> Engine:
    """Create an engine with the project's SQLite or PostgreSQL settings applied."""
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
    except ArgumentError as err:
        raise InputError(
            f"Cannot use database URL {display_url(url)}: {err}. {_driver_hint(parsed)}"
        ) from None
    except ImportError as err:
        raise DatabaseError(
            f"Cannot use database URL {display_url(url)}: {err}. {_driver_hint(parsed)}"
        ) from None
    if backend == "sqlite":
        _configure_sqlite(engine, timeout)
    elif backend == "postgresql":
        _configure_postgresql(engine, timeout)
    return engine


def _driver_hint(parsed: URL) -> str:
    if parsed.get_backend_name() != "postgresql":
        return "Check the URL."
    if parsed.get_driver_name() != "psycopg":
        return (
            "tt-progress uses the psycopg 3 driver: write the URL as "
            "postgresql+psycopg://user@host/db."
        )
    return (
        "Install the PostgreSQL driver with pip install 'psycopg[binary]' (or, "
        "from a clone of tt-progress, pip install '.[postgres]')."
    )


def _sqlstate(err: BaseException | None) -> str | None:
    if isinstance(err, DBAPIError):
        return getattr(err.orig, "sqlstate", None)
    return None


def is_write_conflict(err: BaseException | None) -> bool:
    """Return whether PostgreSQL aborted a transaction that may simply run again."""
    return _sqlstate(err) in _RETRYABLE_SQLSTATES


def translate_error(err: SQLAlchemyError, url: str) -> DatabaseError:
    """Turn a driver error into one readable `DatabaseError`."""
    lines = str(getattr(err, "orig", None) or err).strip().splitlines()
    message = lines[0] if lines else type(err).__name__
    sqlstate = _sqlstate(err)
    if (
        "database is locked" in message
        or sqlstate == _LOCK_NOT_AVAILABLE
        or sqlstate in _RETRYABLE_SQLSTATES
    ):
        return DatabaseBusyError(
            f"The database is busy ({display_url(url)}): another process holds its "
            "lock. Try again in a moment."
        )
    path = sqlite_file(url)
    if path is not None and (
        "malformed" in message or "file is not a database" in message
    ):
        return DatabaseError(
            f"The database file {path} is damaged or truncated ({message}). Restore "
            f"it from a copy, such as the {path.name}.<date>.bak kept beside it "
            "before each schema upgrade, or point --db at another file."
        )
    if path is None and message.startswith("connection"):
        return DatabaseError(
            f"Cannot connect to {display_url(url)}: {message}. Check that the server "
            "is running and that the host, port, user and database in the URL are "
            "right."
        )
    return DatabaseError(f"Database error on {display_url(url)}: {message}")


def dialect_name(executor: Connection | Session) -> str:
    """Return the backend name ("sqlite" or "postgresql") of a connection or session."""
    bind = executor.get_bind() if hasattr(executor, "get_bind") else executor
    return bind.dialect.name


def lock_for_writers(connection: Connection | Session, name: str) -> None:
    """Make transactions that write the same whole-database part wait for each other.

    ``name`` is a key of `ADVISORY_LOCK_KEYS`. On PostgreSQL this takes an
    advisory lock held until the transaction ends. On SQLite a write
    transaction already holds the database's only write lock (BEGIN IMMEDIATE),
    so nothing more is needed.
    """
    if dialect_name(connection) == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:key)"),
            {"key": ADVISORY_LOCK_KEYS[name]},
        )


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

        session = Session(
            self._writer if write else self.engine, expire_on_commit=False
        )
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

    def transaction(self, work: Callable[[Any], T], *, orm: bool = False) -> T:
        """Run ``work`` in a write transaction and commit, retrying a write conflict.

        ``work`` receives a Core connection, or an ORM session when ``orm``
        is true.

        A transaction that PostgreSQL aborted as a deadlock victim or for a
        serialization failure runs again from the start, up to
        `WRITE_ATTEMPTS` attempts in all, so ``work`` must change nothing
        outside its transaction. The last failure raises `DatabaseBusyError`.
        """
        attempt = 1
        while True:
            try:
                opened = self.session if orm else self.connect
                with opened(write=True) as executor:
                    return work(executor)
            except DatabaseError as err:
                if attempt >= WRITE_ATTEMPTS or not is_write_conflict(err.__cause__):
                    raise
                delay = random.uniform(0.0, 0.02 * 2**attempt)
                log.info(
                    "Write conflict on %s (%s); attempt %d of %d in %.3f s",
                    display_url(self.url),
                    _sqlstate(err.__cause__),
                    attempt + 1,
                    WRITE_ATTEMPTS,
                    delay,
                )
                time.sleep(delay)
                attempt += 1

    def dispose(self) -> None:
        self.engine.dispose()

    def setting(self, key: str) -> str | None:
        """Return one value of the settings table, or None."""
        with self.connect() as connection:
            return connection.execute(
                select(settings.c.value).where(settings.c.key == key)
            ).scalar()


def schema_version(engine: Engine) -> tuple[str | None, bool]:
    """Return (Alembic revision or None, whether the database has any other table).

    An ``alembic_version`` table alone, as a downgrade to base leaves it, counts
    as no table.
    """
    with engine.connect() as connection:
        version = _read_version(connection)
        if version is not None:
            return version, True
        tables = set(inspect(connection).get_table_names()) - {"alembic_version"}
        if tables:
            # Another process may have committed a new schema between the two
            # reads. Its tables and version arrive in one transaction, so a
            # second read of the version separates a fresh schema from a foreign one.
            version = _read_version(connection)
        return version, bool(tables)


def _read_version(connection: Connection) -> str | None:
    try:
        row = connection.execute(text("SELECT version_num FROM alembic_version"))
        versions = [r[0] for r in row]
    except SQLAlchemyError:
        connection.rollback()
        return None
    connection.rollback()  # Each read starts a new snapshot.
    return versions[0] if versions else None


def upgrade_schema(database: Database, revision: str = "head") -> None:
    """Run the Alembic migrations up to ``revision`` in this process."""
    from . import migrate

    migrate.upgrade(database.engine, revision)


def schema_revision(url: str | None) -> tuple[str, str | None, bool]:
    """Return (the URL for display, its Alembic revision or None, whether it exists).

    Nothing is created or changed: a missing SQLite file is reported as not
    existing, an empty one as existing with no revision.
    """
    url = resolve_url(url)
    path = sqlite_file(url)
    if path is not None:
        check_sqlite_file(path)
        if is_blank(path):
            return display_url(url), None, path.exists()
    engine = create_tracker_engine(url)
    try:
        version, _ = schema_version(engine)
    except SQLAlchemyError as err:
        raise translate_error(err, url) from err
    finally:
        engine.dispose()
    return display_url(url), version, True


def open_database(
    url: str | None = None,
    *,
    create: bool = True,
    must_exist: bool = False,
    sync_catalog: bool = True,
) -> Database:
    """Open a tracker database, creating or upgrading its schema when needed.

    With ``sync_catalog``, the bundled catalog is synced when the database has
    no catalog or the bundled files changed since they were last synced.
    ``create=False`` opens without writing anything: a database with no schema
    or an older one raises `DatabaseError` instead of being created or upgraded.
    ``must_exist=True`` raises `DatabaseError` for a database without a
    tt-progress schema (a missing or empty SQLite file, a database without
    tables) instead of creating one, but still upgrades and syncs an existing
    tt-progress database.
    """
    url = resolve_url(url)
    may_create = create and not must_exist
    path = sqlite_file(url)
    if path is not None:
        check_sqlite_file(path)
        if not may_create and is_blank(path):
            raise _no_sqlite_database(path, must_exist)
        if may_create:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise DatabaseError(
                    f"Cannot create the folder {path.parent}: {err.strerror}."
                ) from None
    engine = create_tracker_engine(url)
    database = Database(url, engine)
    try:
        _prepare(database, path, create, may_create, sync_catalog)
    except SQLAlchemyError as err:
        engine.dispose()
        raise translate_error(err, url) from err
    except BaseException:
        engine.dispose()
        raise
    return database


def _no_sqlite_database(path: Path, must_exist: bool) -> DatabaseError:
    found = "No database" if not path.exists() else "An empty file (0 bytes)"
    if not must_exist:
        return DatabaseError(
            f"{found} at {path}. Check --db, or run a command that records "
            "progress to create it."
        )
    return DatabaseError(
        f"{found} at {path}, and commands that only read do not create a database "
        "given with --db. Check the path, or create the database with: "
        f"tt-progress db upgrade --db {path}"
    )


def _prepare(
    database: Database,
    path: Path | None,
    create: bool,
    may_create: bool,
    sync_catalog: bool,
) -> None:
    url = display_url(database.url)
    version, has_tables = schema_version(database.engine)
    if version is None and has_tables:
        raise DatabaseError(
            f"{url} has tables but no tt-progress schema version, so it was not "
            "created by tt-progress. Point --db at a new database, or at one that "
            "tt-progress created."
        )
    if version is None and not may_create:
        raise DatabaseError(
            f"{url} has no tt-progress schema, and commands that only read do not "
            "create one in a database given with --db. Check the URL, or create "
            f"the schema with: tt-progress db upgrade --db {url}"
        )
    if version is not None and version != SCHEMA_HEAD:
        if not create:
            raise DatabaseError(
                f"{url} has an older tt-progress schema (revision {version}). "
                "Run: tt-progress db upgrade"
            )
        _check_known_revision(url, version)
        if path is not None:
            copy = backup_sqlite(path)
            log.info("Copied %s to %s before upgrading it", path, copy)
    if version != SCHEMA_HEAD:
        upgrade_schema(database)
    if sync_catalog and create:
        _sync_bundled_if_needed(database)


def _check_known_revision(url: str, version: str) -> None:
    from . import migrate

    if version not in migrate.revisions():
        raise DatabaseError(
            f"{url} has schema revision {version!r}, which this tt-progress does "
            "not know: a newer tt-progress wrote it. Upgrade tt-progress to use "
            "this database."
        )


def _sync_bundled_if_needed(database: Database) -> None:
    with database.connect() as connection:
        has_modules = (
            connection.execute(select(modules.c.id).limit(1)).first() is not None
        )
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
