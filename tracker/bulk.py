"""Set-based writes for imports: one statement per batch of rows, never per row.

They are the bulk forms of `ensure_learner`, `add_event`, `lock_learner` and
`recompute_progress`, and run in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Table, and_, bindparam, delete, select, update
from sqlalchemy.orm import Session

from .learners import insert_ignore
from .models import Event, Learner, Progress
from .progress import ProgressState, apply_event

# Rows per statement. Each row of a batch is a few bound parameters, well
# under SQLite's limit of 32,766 parameters per statement.
BATCH = 2000
# Learners whose events are read and folded together by `rebuild_progress`.
LEARNER_BATCH = 500

T = TypeVar("T")


def batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def ensure_learners(
    session: Session,
    handles: Iterable[str],
    now: datetime,
    details: dict[str, dict[str, str | None]] | None = None,
) -> dict[str, int]:
    """Insert the missing learners and return the id of every handle.

    ``details`` maps handles to a ``display_name`` and an ``email``; values
    that are None leave the stored ones as they are.
    """
    wanted = sorted(set(handles))
    ids: dict[str, int] = {}
    for batch in batches(wanted, BATCH):
        insert_ignore(
            session,
            Learner.__table__,
            [{"handle": handle, "created_at": now} for handle in batch],
        )
        rows = session.execute(
            select(Learner.handle, Learner.id).where(Learner.handle.in_(batch))
        )
        ids.update({handle: learner_id for handle, learner_id in rows})
    if details:
        _update_details(session, ids, details)
    return ids


def _update_details(
    session: Session, ids: dict[str, int], details: dict[str, dict[str, str | None]]
) -> None:
    table = cast(Table, Learner.__table__)
    for column in ("display_name", "email"):
        params = [
            {"b_id": ids[handle], "b_value": values[column]}
            for handle, values in details.items()
            if values.get(column) is not None
        ]
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({column: bindparam("b_value")})
        )
        for batch in batches(params, BATCH):
            session.connection().execute(statement, list(batch))


def insert_events(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert event rows, skipping uids already stored; return how many went in."""
    inserted = 0
    for batch in batches(rows, BATCH):
        inserted += insert_ignore(session, Event.__table__, list(batch))
    return inserted


def lock_learners(session: Session, learner_ids: Sequence[int]) -> None:
    """Lock learners in id order, so that two bulk writers cannot deadlock.

    On PostgreSQL these are row locks, like those of `lock_learner`. On SQLite
    the statement locks nothing, because a write session starts with BEGIN
    IMMEDIATE and so already excludes other writers.
    """
    for batch in batches(sorted(learner_ids), BATCH):
        session.execute(
            select(Learner.id)
            .where(Learner.id.in_(batch))
            .order_by(Learner.id)
            .with_for_update()
        )


def rebuild_progress(
    session: Session, learner_ids: Iterable[int], now: datetime
) -> None:
    """Rebuild every current-state row of the learners from their events.

    Rows that come out the same are left alone, so their ``updated_at`` keeps
    the time they last changed.
    """
    ordered = sorted(set(learner_ids))
    lock_learners(session, ordered)
    for batch in batches(ordered, LEARNER_BATCH):
        folded = _fold(session, batch)
        existing = {
            (row.learner_id, row.module_id): (
                row.status,
                row.started_at,
                row.completed_at,
            )
            for row in session.execute(
                select(
                    Progress.learner_id,
                    Progress.module_id,
                    Progress.status,
                    Progress.started_at,
                    Progress.completed_at,
                ).where(Progress.learner_id.in_(batch))
            )
        }
        _write_changes(session, folded, existing, now)


def _fold(
    session: Session, learner_ids: Sequence[int]
) -> dict[tuple[int, int], ProgressState]:
    folded: dict[tuple[int, int], ProgressState] = {}
    events = session.execute(
        select(Event.learner_id, Event.module_id, Event.kind, Event.occurred_at)
        .where(Event.learner_id.in_(learner_ids))
        .order_by(Event.learner_id, Event.module_id, Event.occurred_at, Event.id)
    )
    for learner_id, module_id, kind, occurred in events:
        key = (learner_id, module_id)
        folded[key] = apply_event(folded.get(key, (None, None, None)), kind, occurred)
    return {key: state for key, state in folded.items() if state[0] is not None}


def _write_changes(
    session: Session,
    folded: dict[tuple[int, int], ProgressState],
    existing: dict[tuple[int, int], ProgressState],
    now: datetime,
) -> None:
    table = cast(Table, Progress.__table__)
    key_matches = and_(
        table.c.learner_id == bindparam("b_learner"),
        table.c.module_id == bindparam("b_module"),
    )
    removed = [
        {"b_learner": learner, "b_module": module}
        for learner, module in existing
        if (learner, module) not in folded
    ]
    added = [
        _row(key, state, now) for key, state in folded.items() if key not in existing
    ]
    changed = [
        {
            "b_learner": key[0],
            "b_module": key[1],
            "b_status": state[0],
            "b_started": state[1],
            "b_completed": state[2],
            "b_updated": now,
        }
        for key, state in folded.items()
        if key in existing and existing[key] != state
    ]
    connection = session.connection()
    if removed:
        connection.execute(delete(table).where(key_matches), removed)
    if added:
        connection.execute(table.insert(), added)
    if changed:
        connection.execute(
            update(table)
            .where(key_matches)
            .values(
                status=bindparam("b_status"),
                started_at=bindparam("b_started"),
                completed_at=bindparam("b_completed"),
                updated_at=bindparam("b_updated"),
            ),
            changed,
        )


def _row(key: tuple[int, int], state: ProgressState, now: datetime) -> dict[str, Any]:
    status, started, completed = state
    return {
        "learner_id": key[0],
        "module_id": key[1],
        "status": status,
        "started_at": started,
        "completed_at": completed,
        "updated_at": now,
    }
