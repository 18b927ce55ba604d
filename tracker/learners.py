"""Learner handles and module names: how the command line's words find rows."""

from __future__ import annotations

import getpass
import os
import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING, Any, Union

from sqlalchemy import Row, Table, select

from .db import dialect_name
from .errors import InputError, UnknownModuleError
from .schema import learners, module_aliases, modules

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

# Functions here take either a Core connection or an ORM session: both run
# Core statements with the same methods.
Executor = Union["Connection", "Session"]


def max_length(column: Any) -> int | None:
    """Return the maximum text length of a String column, or None without a limit.

    PostgreSQL enforces the limit and SQLite does not, so input is checked
    against it before it is written, to fail the same way on both.
    """
    return getattr(column.type, "length", None)


MAX_HANDLE = max_length(learners.c.handle)


def check_length(value: str, limit: int | None, field_name: str) -> None:
    """Raise `InputError` when ``value`` is longer than ``limit`` characters."""
    if limit is not None and len(value) > limit:
        raise InputError(
            f"The {field_name} {value[:40]!r}... is {len(value)} characters long, "
            f"but the database stores at most {limit}. Give a shorter {field_name}."
        )


def normalize_handle(handle: str) -> str:
    """Return the canonical form of a learner handle.

    The rule, used everywhere a handle is read: trim surrounding whitespace,
    normalise to Unicode NFC, then case-fold. ``" Ana "`` and ``"ANA"`` are
    the same learner.
    """
    if any(unicodedata.category(ch) == "Cs" for ch in str(handle)):
        # Python turns bytes that are not UTF-8 in arguments and environment
        # variables into lone surrogates, which no UTF-8 database can store.
        raise InputError(
            f"The learner handle {handle!r} is not valid UTF-8 text. Give the "
            "handle as UTF-8, and check the terminal's character encoding."
        )
    text = unicodedata.normalize("NFC", str(handle).strip())
    folded = unicodedata.normalize("NFC", text.casefold())
    if not folded:
        raise InputError("The learner handle is empty. Give --user NAME.")
    if any(unicodedata.category(ch).startswith("C") for ch in folded):
        raise InputError(
            f"The learner handle {handle!r} contains control characters. "
            "Use printable characters only."
        )
    check_length(folded, MAX_HANDLE, "learner handle")
    return folded


def current_handle(user: str | None) -> str:
    """Return the learner: ``user``, then ``TT_PROGRESS_USER``, then the OS login."""
    if user is None:
        user = os.environ.get("TT_PROGRESS_USER") or None
    if user is None:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            raise InputError(
                "Cannot tell who the learner is. Give --user NAME or set "
                "TT_PROGRESS_USER."
            ) from None
    return normalize_handle(user)


def find_learner(executor: Executor, handle: str) -> Row[Any] | None:
    """Return the learner row (id, handle, ...) of a normalised handle, or None."""
    return executor.execute(select(learners).where(learners.c.handle == handle)).first()


def ensure_learner(executor: Executor, handle: str, now: datetime) -> Row[Any]:
    """Return the learner row, inserting it if needed, safely under concurrency."""
    learner = find_learner(executor, handle)
    if learner is not None:
        return learner
    insert_ignore(executor, learners, [{"handle": handle, "created_at": now}])
    learner = find_learner(executor, handle)
    assert learner is not None
    return learner


def insert_ignore(executor: Executor, table: Table, rows: list[dict[str, Any]]) -> int:
    """Insert rows, skipping any that collide with a unique key; return how many went in."""
    if not rows:
        return 0
    dialect = dialect_name(executor)
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        statement: Any = postgresql.insert(table).on_conflict_do_nothing()
    elif dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        statement = sqlite.insert(table).on_conflict_do_nothing()
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise InputError(f"Unsupported database backend {dialect!r}.")
    if dialect == "postgresql":
        # psycopg sends many rows as one batched statement and reports no row
        # count for it, so count the keys of the rows that went in instead.
        key = next(iter(table.primary_key.columns))
        return len(executor.execute(statement.returning(key), rows).all())
    result: Any = executor.execute(statement, rows)
    return max(result.rowcount or 0, 0)


def _module_by(
    executor: Executor, *conditions: Any, alias: bool = False
) -> Row[Any] | None:
    query = select(modules)
    if alias:
        query = query.join(module_aliases, module_aliases.c.module_id == modules.c.id)
    return executor.execute(query.where(*conditions)).first()


def resolve_module(executor: Executor, name: str) -> Row[Any]:
    """Find a module by slug, alias, number (``02``) or numbered name (``02_tensor``).

    Returns the module's row, with every column of the modules table.
    """
    key = str(name).strip().casefold()
    module = _module_by(executor, modules.c.slug == key)
    if module is None:
        module = _module_by(executor, module_aliases.c.alias == key, alias=True)
    if module is None and key.isdigit():
        module = _module_by(
            executor, modules.c.number == int(key), modules.c.retired.is_(False)
        )
    if module is None and "_" in key and key.split("_", 1)[0].isdigit():
        bare = key.split("_", 1)[1]
        module = _module_by(executor, modules.c.slug == bare)
        if module is None:
            module = _module_by(executor, module_aliases.c.alias == bare, alias=True)
    if module is None:
        raise UnknownModuleError(_unknown_message(executor, name))
    return module


def _unknown_message(executor: Executor, name: str) -> str:
    import difflib

    slugs = list(
        executor.scalars(select(modules.c.slug).where(modules.c.retired.is_(False)))
    )
    aliases = list(executor.scalars(select(module_aliases.c.alias)))
    key = str(name).strip().casefold()
    if "_" in key and key.split("_", 1)[0].isdigit():
        key = key.split("_", 1)[1]
    matches = difflib.get_close_matches(key, slugs + aliases, n=1, cutoff=0.6)
    hint = f" Did you mean '{matches[0]}'?" if matches else ""
    return (
        f"Unknown module {name!r}.{hint} Run 'tt-progress modules' to list the modules."
    )
