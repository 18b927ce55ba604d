"""A small class whose tables are known by hand, for the cohort tests.

Cohort "fall" has four learners; "zed" has progress but is in no cohort.
Times are days before ``now``:

- ana: introduction 30 -> 30 + 2 h, setup 20 -> 19, tensor 12 -> 11,
  activations started 10 days ago and still in progress;
- ben: introduction 15 -> 15 + 4 h, setup 14 -> 12, tensor started 5 days ago;
- cy: no event at all, stored 20 days ago;
- dee: introduction completed 40 days ago, with no recorded start;
- zed: introduction 3 -> 3 + 6 h.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import update

from tracker.db import Database
from tracker.membership import add_members, create_cohort
from tracker.progress import record_events
from tracker.schema import learners

COHORT = "fall"
MEMBERS = ["ana", "ben", "cy", "dee"]


def now_utc() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def days_ago(now: datetime, days: float, hours: float = 0) -> datetime:
    return now - timedelta(days=days) + timedelta(hours=hours)


def build_class(database: Database, now: datetime) -> None:
    def record(
        user: str, module: str, kind: str, days: float, hours: float = 0
    ) -> None:
        record_events(database, user, [module], kind, days_ago(now, days, hours))

    record("ana", "introduction", "started", 30)
    record("ana", "introduction", "completed", 30, 2)
    record("ana", "setup", "started", 20)
    record("ana", "setup", "completed", 19)
    record("ana", "tensor", "started", 12)
    record("ana", "tensor", "completed", 11)
    record("ana", "activations", "started", 10)
    record("ben", "introduction", "started", 15)
    record("ben", "introduction", "completed", 15, 4)
    record("ben", "setup", "started", 14)
    record("ben", "setup", "completed", 12)
    record("ben", "tensor", "started", 5)
    record("dee", "introduction", "completed", 40)
    record("zed", "introduction", "started", 3)
    record("zed", "introduction", "completed", 3, 6)
    create_cohort(database, COHORT)
    add_members(database, COHORT, MEMBERS)
    with database.connect(write=True) as connection:
        connection.execute(
            update(learners)
            .where(learners.c.handle == "cy")
            .values(created_at=days_ago(now, 20))
        )


def iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat()
