"""Learner handles and module names: how the command line's words find rows."""

from __future__ import annotations

import getpass
import os
import unicodedata
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import InputError, UnknownModuleError
from .models import Learner, Module, ModuleAlias


def normalize_handle(handle: str) -> str:
    """Return the canonical form of a learner handle.

    The rule, used everywhere a handle is read: trim surrounding whitespace,
    normalise to Unicode NFC, then case-fold. ``" Ana "`` and ``"ANA"`` are
    the same learner.
    """
    text = unicodedata.normalize("NFC", str(handle).strip())
    folded = unicodedata.normalize("NFC", text.casefold())
    if not folded:
        raise InputError("The learner handle is empty. Give --user NAME.")
    if any(unicodedata.category(ch).startswith("C") for ch in folded):
        raise InputError(
            f"The learner handle {handle!r} contains control characters. "
            "Use printable characters only."
        )
    return folded


def current_handle(user: str | None) -> str:
    """Return the learner: ``user``, then ``TT_PROGRESS_USER``, then the OS login."""
    if user is None or not user.strip():
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


def find_learner(session: Session, handle: str) -> Learner | None:
    return session.scalars(select(Learner).where(Learner.handle == handle)).first()


def ensure_learner(session: Session, handle: str, now: datetime) -> Learner:
    """Return the learner row, inserting it if needed, safely under concurrency."""
    learner = find_learner(session, handle)
    if learner is not None:
        return learner
    insert_ignore(session, Learner.__table__, [{"handle": handle, "created_at": now}])
    learner = find_learner(session, handle)
    assert learner is not None
    return learner


def insert_ignore(session: Session, table, rows: list[dict]) -> int:  # type: ignore[no-untyped-def]
    """Insert rows, skipping any that collide with a unique key; return how many went in."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise InputError(f"Unsupported database backend {dialect!r}.")
    statement = insert(table).on_conflict_do_nothing()
    if dialect == "postgresql":
        # psycopg sends many rows as one batched statement and reports no row
        # count for it, so count the keys of the rows that went in instead.
        key = next(iter(table.primary_key.columns))
        return len(session.execute(statement.returning(key), rows).all())
    result = session.execute(statement, rows)
    return max(result.rowcount or 0, 0)


def resolve_module(session: Session, name: str) -> Module:
    """Find a module by slug, alias, number (``02``) or numbered name (``02_tensor``)."""
    key = str(name).strip().casefold()
    module = session.scalars(select(Module).where(Module.slug == key)).first()
    if module is None:
        module = session.scalars(
            select(Module).join(ModuleAlias).where(ModuleAlias.alias == key)
        ).first()
    if module is None and key.isdigit():
        module = session.scalars(
            select(Module).where(Module.number == int(key), Module.retired.is_(False))
        ).first()
    if module is None and "_" in key and key.split("_", 1)[0].isdigit():
        bare = key.split("_", 1)[1]
        module = session.scalars(select(Module).where(Module.slug == bare)).first()
        if module is None:
            module = session.scalars(
                select(Module).join(ModuleAlias).where(ModuleAlias.alias == bare)
            ).first()
    if module is None:
        raise UnknownModuleError(_unknown_message(session, name))
    return module


def _unknown_message(session: Session, name: str) -> str:
    import difflib

    slugs = list(session.scalars(select(Module.slug).where(Module.retired.is_(False))))
    aliases = list(session.scalars(select(ModuleAlias.alias)))
    key = str(name).strip().casefold()
    if "_" in key and key.split("_", 1)[0].isdigit():
        key = key.split("_", 1)[1]
    matches = difflib.get_close_matches(key, slugs + aliases, n=1, cutoff=0.6)
    hint = f" Did you mean '{matches[0]}'?" if matches else ""
    return (
        f"Unknown module {name!r}.{hint} Run 'tt-progress modules' to list the "
        "modules."
    )
