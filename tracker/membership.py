"""Cohorts and their members: create, add (by handle or roster), remove, list."""

from __future__ import annotations

import csv
import difflib
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .bulk import batches, ensure_learners
from .csv_text import csv_problem, strict_reader
from .db import Database, utcnow
from .errors import InputError, OperationError
from .learners import check_length, insert_ignore, max_length, normalize_handle
from .models import Cohort, CohortMember, Learner
from .schema import learners

HANDLE_COLUMNS = ("handle", "user")
NAME_COLUMNS = ("display_name", "name")
MAX_DISPLAY_NAME = max_length(learners.c.display_name)
MAX_EMAIL = max_length(learners.c.email)
EMAIL_COLUMNS = ("email", "e_mail")


@dataclass
class RosterEntry:
    """One learner read from a roster file."""

    handle: str
    display_name: str | None = None
    email: str | None = None


@dataclass
class MembershipChange:
    """Learners whose membership of a cohort changed, and those left as they were."""

    cohort: str
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CohortSummary:
    name: str
    members: int
    created_at: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_cohort_name(name: str) -> str:
    """Return the name without surrounding whitespace, or raise InputError."""
    text = unicodedata.normalize("NFC", str(name).strip())
    if not text:
        raise InputError("The cohort name is empty. Give a name such as 'fall-2026'.")
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        raise InputError(
            f"The cohort name {name!r} contains control characters. "
            "Use printable characters only."
        )
    if len(text) > 200:
        raise InputError(
            f"The cohort name {text[:40]!r}... is longer than 200 characters."
        )
    return text


def find_cohort(session: Session, name: str) -> Cohort:
    """Return the cohort called ``name`` or raise InputError with a did-you-mean."""
    key = check_cohort_name(name)
    cohort = session.scalars(select(Cohort).where(Cohort.name == key)).first()
    if cohort is not None:
        return cohort
    names = list(session.scalars(select(Cohort.name)))
    matches = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
    hint = f" Did you mean '{matches[0]}'?" if matches else ""
    raise InputError(
        f"No cohort named {key!r}.{hint} Run 'tt-progress cohort list' to list the "
        f"cohorts, or create it with: tt-progress cohort create {key}"
    )


def create_cohort(database: Database, name: str) -> str:
    """Create an empty cohort and return its name; an existing name is an error."""
    key = check_cohort_name(name)
    with database.session(write=True) as session:
        inserted = insert_ignore(
            session, Cohort.__table__, [{"name": key, "created_at": utcnow()}]
        )
        if not inserted:
            raise OperationError(f"The cohort {key!r} already exists.")
    return key


def read_roster(path: str | Path) -> list[RosterEntry]:
    """Read a roster CSV: a ``handle`` column, optional ``display_name`` and ``email``.

    Header names are compared case-insensitively, with spaces and hyphens read
    as underscores; ``user``, ``name`` and ``e-mail`` are accepted too.
    """
    source = Path(path)
    rows = _roster_rows(source)
    if not rows:
        raise InputError(f"The roster {str(source)!r} is empty. Add a header line.")
    first = rows[0][1]
    header = [
        cell.strip().lower().replace(" ", "_").replace("-", "_") for cell in first
    ]
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise InputError(
            f"{source}, line 1: the roster header names "
            f"{', '.join(map(repr, repeated))} more than once. Keep one column of "
            "each name."
        )
    columns = {name: header.index(name) for name in header if name}
    handle_column = _first_column(columns, HANDLE_COLUMNS)
    if handle_column is None:
        raise InputError(
            f"The roster {str(source)!r} has no 'handle' column (its header is "
            f"{', '.join(first)}). Start the file with: handle,display_name,email"
        )
    name_column = _first_column(columns, NAME_COLUMNS)
    email_column = _first_column(columns, EMAIL_COLUMNS)
    entries = []
    for line, row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        entries.append(
            _roster_entry(source, line, row, handle_column, name_column, email_column)
        )
    return entries


def _roster_rows(source: Path) -> list[tuple[int, list[str]]]:
    """Read the CSV records of a roster, each with the line it starts on."""
    try:
        data = source.read_bytes()
    except OSError as err:
        raise InputError(
            f"Cannot read the roster {str(source)!r}: {err.strerror}."
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise InputError(
            f"{source}, line {line}: the roster is not UTF-8 text (byte "
            f"0x{data[err.start]:02x}). Save it as CSV with UTF-8 encoding."
        ) from None
    reader = strict_reader(text)
    rows: list[tuple[int, list[str]]] = []
    start = 1  # A quoted cell may span lines, so a record starts after the last.
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return rows
        except csv.Error as err:
            raise InputError(f"{source}, line {start}: {csv_problem(err)}") from None
        rows.append((start, row))
        start = reader.line_num + 1


def _first_column(columns: dict[str, int], names: tuple[str, ...]) -> int | None:
    for name in names:
        if name in columns:
            return columns[name]
    return None


def _roster_entry(
    source: Path,
    line: int,
    row: list[str],
    handle_column: int,
    name_column: int | None,
    email_column: int | None,
) -> RosterEntry:
    def cell(index: int | None) -> str | None:
        if index is None or index >= len(row):
            return None
        return row[index].strip() or None

    raw_handle = cell(handle_column)
    if raw_handle is None:
        raise InputError(f"{source}, line {line}: the handle is empty.")
    try:
        handle = normalize_handle(raw_handle)
    except InputError as err:
        raise InputError(f"{source}, line {line}: {err}") from None
    display_name, email = cell(name_column), cell(email_column)
    for column, value in (("display name", display_name), ("email", email)):
        if value is not None and _has_control(value):
            raise InputError(
                f"{source}, line {line}: the {column} {value!r} contains control "
                "characters such as line breaks or tabs. Use printable characters "
                "only."
            )
    for column, value, limit in (
        ("display name", display_name, MAX_DISPLAY_NAME),
        ("email", email, MAX_EMAIL),
    ):
        if value is not None:
            try:
                check_length(value, limit, column)
            except InputError as err:
                raise InputError(f"{source}, line {line}: {err}") from None
    if email is not None:
        local, _, domain = email.partition("@")
        if not local or not domain:
            raise InputError(
                f"{source}, line {line}: {email!r} is not an email address."
            )
    return RosterEntry(handle, display_name, email)


def _has_control(text: str) -> bool:
    # Control characters and line separators would break the terminal tables.
    # Format characters (Cf) stay, since names in some scripts need U+200C.
    return any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in text)


def add_members(
    database: Database,
    name: str,
    users: list[str] | None = None,
    roster: str | Path | None = None,
) -> MembershipChange:
    """Add learners to a cohort by handle and from a roster, in one transaction.

    Learners that do not exist yet are created. A roster's display names and
    emails overwrite the stored ones; empty cells leave them as they are.
    """
    entries = [RosterEntry(normalize_handle(user)) for user in users or []]
    if roster is not None:
        listed = read_roster(roster)
        if not listed and not entries:
            raise InputError(
                f"The roster {str(roster)!r} has a header but no learner. Add one "
                "line per learner below the header."
            )
        entries += listed
    if not entries:
        raise InputError("Name at least one learner, or give --roster FILE.")
    details = {
        entry.handle: {"display_name": entry.display_name, "email": entry.email}
        for entry in entries
        if entry.display_name or entry.email
    }
    handles = sorted({entry.handle for entry in entries})
    with database.session(write=True) as session:
        cohort = find_cohort(session, name)
        ids = ensure_learners(session, handles, utcnow(), details)
        present = _member_ids(session, cohort.id, list(ids.values()))
        for batch in batches(handles, 2000):
            insert_ignore(
                session,
                CohortMember.__table__,
                [
                    {"cohort_id": cohort.id, "learner_id": ids[handle]}
                    for handle in batch
                ],
            )
    change = MembershipChange(cohort.name)
    for handle in handles:
        (change.unchanged if ids[handle] in present else change.changed).append(handle)
    return change


def remove_members(database: Database, name: str, users: list[str]) -> MembershipChange:
    """Remove learners from a cohort; the learners and their progress stay."""
    if not users:
        raise InputError("Name at least one learner to remove.")
    handles = sorted({normalize_handle(user) for user in users})
    with database.session(write=True) as session:
        cohort = find_cohort(session, name)
        ids = dict(
            session.execute(
                select(Learner.handle, Learner.id).where(Learner.handle.in_(handles))
            ).all()
        )
        present = _member_ids(session, cohort.id, list(ids.values()))
        session.execute(
            delete(CohortMember).where(
                CohortMember.cohort_id == cohort.id,
                CohortMember.learner_id.in_(present),
            )
        )
    change = MembershipChange(cohort.name)
    for handle in handles:
        (change.changed if ids.get(handle) in present else change.unchanged).append(
            handle
        )
    return change


def _member_ids(session: Session, cohort_id: int, learner_ids: list[int]) -> set[int]:
    present: set[int] = set()
    for batch in batches(learner_ids, 2000):
        present.update(
            session.scalars(
                select(CohortMember.learner_id).where(
                    CohortMember.cohort_id == cohort_id,
                    CohortMember.learner_id.in_(batch),
                )
            )
        )
    return present


def list_cohorts(database: Database) -> list[CohortSummary]:
    """Return every cohort with its member count, by name."""
    with database.session() as session:
        rows = session.execute(
            select(Cohort.name, Cohort.created_at, func.count(CohortMember.learner_id))
            .outerjoin(CohortMember, CohortMember.cohort_id == Cohort.id)
            .group_by(Cohort.id, Cohort.name, Cohort.created_at)
            .order_by(Cohort.name)
        ).all()
    return [
        CohortSummary(name, count, created.isoformat()) for name, created, count in rows
    ]
