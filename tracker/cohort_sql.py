"""Set-based SQL for the cohort tables: a fixed number of statements per query.

A learner's progress is folded in SQL into bit masks, one bit per active
module in learning order: which modules are completed and which are in
progress. Learners with the same masks are in the same state everywhere, so
the module table needs only the distinct masks and their counts, and the
learner table computes each distinct state once in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Select,
    Subquery,
    case,
    cast,
    extract,
    func,
    literal,
    select,
)
from sqlalchemy.orm import Session

from .models import CohortMember, Event, Learner, Progress

# Bits per mask column: both backends sum into signed 64-bit integers.
MASK_BITS = 60
Masks = tuple[int, ...]


def member_ids(cohort_id: int | None) -> Select[Any] | None:
    """Return the cohort's learner ids as a subquery, or None for every learner."""
    if cohort_id is None:
        return None
    return select(CohortMember.learner_id).where(CohortMember.cohort_id == cohort_id)


def _restrict(query: Any, column: Any, members: Select[Any] | None) -> Any:
    return query if members is None else query.where(column.in_(members))


def mask_names(module_count: int) -> list[str]:
    chunks = max(1, -(-module_count // MASK_BITS))
    return [f"done_{c}" for c in range(chunks)] + [f"active_{c}" for c in range(chunks)]


def _mask_column(
    module_ids: Sequence[int], chunk: int, status: str
) -> ColumnElement[Any]:
    bits = {
        module_id: 1 << (index % MASK_BITS)
        for index, module_id in enumerate(module_ids)
        if index // MASK_BITS == chunk
    }
    if not bits:
        return literal(0, BigInteger)
    bit = case(
        *[
            (Progress.module_id == module_id, literal(value, BigInteger))
            for module_id, value in bits.items()
        ],
        else_=literal(0, BigInteger),
    )
    return func.sum(
        case((Progress.status == status, bit), else_=literal(0, BigInteger))
    )


def learner_masks(module_ids: Sequence[int], members: Select[Any] | None) -> Subquery:
    """Return (learner_id, done_0.., active_0..) for each learner with progress.

    ``module_ids`` are the active modules in learning order; bit ``i`` of the
    masks is module ``i``. Progress on retired modules sets no bit.
    """
    names = mask_names(len(module_ids))
    half = len(names) // 2
    columns = [
        _mask_column(
            module_ids, index % half, "completed" if index < half else "in_progress"
        ).label(name)
        for index, name in enumerate(names)
    ]
    query = select(Progress.learner_id, *columns).group_by(Progress.learner_id)
    return _restrict(query, Progress.learner_id, members).subquery("masks")


def mask_counts(
    session: Session, module_ids: Sequence[int], members: Select[Any] | None
) -> list[tuple[Masks, int]]:
    """Return each distinct combination of masks with its number of learners.

    Learners without any progress row are not counted here.
    """
    masks = learner_masks(module_ids, members)
    columns = [masks.c[name] for name in mask_names(len(module_ids))]
    rows = session.execute(select(*columns, func.count()).group_by(*columns))
    return [(to_masks(row[:-1]), int(row[-1])) for row in rows]


def to_masks(values: Sequence[Any]) -> Masks:
    """Turn summed mask values (None, int or PostgreSQL's numeric) into ints."""
    return tuple(int(value or 0) for value in values)


def count_learners(session: Session, members: Select[Any] | None) -> int:
    if members is None:
        return session.scalar(select(func.count()).select_from(Learner)) or 0
    return session.scalar(select(func.count()).select_from(members.subquery())) or 0


def learner_rows(
    session: Session, module_ids: Sequence[int], members: Select[Any] | None
) -> list[tuple[int, str, str | None, Masks, datetime | None, datetime]]:
    """Return (id, handle, display name, masks, last event time, joined) of each
    learner; joined is when the learner was first stored."""
    masks = learner_masks(module_ids, members)
    last = _restrict(
        select(Event.learner_id, func.max(Event.occurred_at).label("last_at")).group_by(
            Event.learner_id
        ),
        Event.learner_id,
        members,
    ).subquery("last")
    names = mask_names(len(module_ids))
    query = (
        select(
            Learner.id,
            Learner.handle,
            Learner.display_name,
            last.c.last_at,
            Learner.created_at,
            *[masks.c[name] for name in names],
        )
        .outerjoin(masks, masks.c.learner_id == Learner.id)
        .outerjoin(last, last.c.learner_id == Learner.id)
        .order_by(Learner.handle)
    )
    query = _restrict(query, Learner.id, members)
    return [
        (row[0], row[1], row[2], to_masks(row[5:]), row[3], row[4])
        for row in session.execute(query)
    ]


def seconds_between(dialect: str, start: Any, end: Any) -> ColumnElement[Any]:
    """Return an expression for the seconds from ``start`` to ``end``."""
    if dialect == "sqlite":
        # julianday() rounds to the millisecond, so take whole seconds from
        # strftime('%s') and the microseconds from the stored text
        # ("YYYY-MM-DD HH:MM:SS.ffffff"), as PostgreSQL measures them.
        whole = func.strftime("%s", end) - func.strftime("%s", start)
        return whole + (_fraction(end) - _fraction(start))
    return extract("epoch", end - start)


def _fraction(column: Any) -> ColumnElement[Any]:
    return cast(func.substr(column, 20), Float)


def median_durations(
    session: Session, members: Select[Any] | None
) -> dict[int, tuple[float, int]]:
    """Return module id -> (median seconds from start to completion, samples).

    Only completed modules with a recorded start count. The median is taken in
    SQL with window functions, so no per-learner row leaves the database.
    """
    dialect = session.get_bind().dialect.name
    durations = _restrict(
        select(
            Progress.module_id,
            seconds_between(dialect, Progress.started_at, Progress.completed_at).label(
                "seconds"
            ),
        ).where(
            Progress.status == "completed",
            Progress.started_at.is_not(None),
            Progress.completed_at.is_not(None),
        ),
        Progress.learner_id,
        members,
    ).subquery("durations")
    ranked = select(
        durations.c.module_id,
        durations.c.seconds,
        func.row_number()
        .over(partition_by=durations.c.module_id, order_by=durations.c.seconds)
        .label("rank"),
        func.count().over(partition_by=durations.c.module_id).label("samples"),
    ).subquery("ranked")
    middle = ranked.c.rank.in_(
        [(ranked.c.samples + 1) // 2, (ranked.c.samples + 2) // 2]
    )
    rows = session.execute(
        select(
            ranked.c.module_id, func.avg(ranked.c.seconds), func.max(ranked.c.samples)
        )
        .where(middle)
        .group_by(ranked.c.module_id)
    )
    return {
        module_id: (round(float(seconds), 3), int(samples))
        for module_id, seconds, samples in rows
    }


def in_progress_rows(
    session: Session, members: Select[Any] | None
) -> list[tuple[int, int, datetime]]:
    """Return (learner id, module id, started at) of each module in progress."""
    query = select(Progress.learner_id, Progress.module_id, Progress.started_at).where(
        Progress.status == "in_progress", Progress.started_at.is_not(None)
    )
    return [
        (learner_id, module_id, started)
        for learner_id, module_id, started in session.execute(
            _restrict(query, Progress.learner_id, members)
        )
    ]
