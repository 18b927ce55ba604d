"""SQLite database files: finding the file of a URL, checking it before opening,
and the dated backup copy kept before a schema upgrade."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import make_url

from .errors import DatabaseError

# Every SQLite 3 file starts with these 16 bytes, in a 100-byte header.
SQLITE_HEADER = b"SQLite format 3\x00"
HEADER_SIZE = 100


def sqlite_file(url: str) -> Path | None:
    """Return the file of a SQLite URL, or None for another backend or memory."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def is_blank(path: Path) -> bool:
    """Return whether the file is missing or empty, so that SQLite would create it."""
    return not path.exists() or path.stat().st_size == 0


def check_sqlite_file(path: Path) -> None:
    """Raise `DatabaseError` naming ``path`` if it exists and is not a SQLite file.

    A missing or empty file passes: SQLite treats both as a new database.
    Damage past the header shows up only when SQLite reads the damaged page,
    and `tracker.db.translate_error` names the file then.
    """
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder, not a database file. Give a file.")
    if is_blank(path):
        return
    try:
        with path.open("rb") as handle:
            header = handle.read(HEADER_SIZE)
    except OSError as err:
        raise DatabaseError(
            f"Cannot read the database file {path}: {err.strerror}. Check its "
            "permissions."
        ) from None
    if not header.startswith(SQLITE_HEADER) and not SQLITE_HEADER.startswith(header):
        raise DatabaseError(
            f"{path} is not a SQLite database (its first bytes are not the SQLite "
            "header). Check the --db value or TT_PROGRESS_DB."
        )
    if len(header) < HEADER_SIZE:
        raise DatabaseError(
            f"The database file {path} is truncated: it is {len(header)} bytes, "
            f"shorter than the {HEADER_SIZE}-byte SQLite header. Restore it from a "
            "backup copy or point --db at another file."
        )


def backup_sqlite(path: Path) -> Path:
    """Copy a SQLite file beside itself, named with the UTC time, via the backup API.

    The name is ``<file>.<YYYYmmddTHHMMSSZ>.bak``; a second copy within the same
    second gets ``-2``, ``-3`` and so on rather than replacing the first. A copy
    that fails is removed and raises `DatabaseError`, so that the caller can
    leave the database as it is.
    """
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.{stamp}.bak")
    counter = 2
    while target.exists():
        target = path.with_name(f"{path.name}.{stamp}-{counter}.bak")
        counter += 1
    try:
        _copy_sqlite(path, target)
    except (sqlite3.Error, OSError) as err:
        with contextlib.suppress(OSError):
            target.unlink(missing_ok=True)
        raise DatabaseError(
            f"Cannot keep a copy of {path} as {target.name} before upgrading its "
            f"schema ({err}), so the database was left as it was. Make room or "
            f"allow writing in {path.parent}, then run the command again."
        ) from None
    return target


def _copy_sqlite(source_path: Path, target_path: Path) -> None:
    source = sqlite3.connect(str(source_path))
    try:
        destination = sqlite3.connect(str(target_path))
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()
