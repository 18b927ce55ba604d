"""The tables, as SQLAlchemy Core objects.

Learner commands query these tables with Core statements, which keeps the ORM
out of their start-up. `tracker.models` maps ORM classes onto the same tables
for the code that prefers them. Alembic alone creates and changes the schema.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)


class UTCDateTime(TypeDecorator[datetime]):
    """A UTC instant stored as a naive timestamp, returned timezone-aware.

    Both backends store the same naive UTC value, so a round trip gives the
    same instant from SQLite and PostgreSQL. Naive input is taken as UTC.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def byte_order_string(length: int) -> String:
    """Return a VARCHAR whose ORDER BY is byte order on both backends.

    SQLite compares text byte by byte. PostgreSQL uses the database's
    collation, often a language's rules (en_US.UTF-8 puts "ärger" before
    "zoe"), so these columns take the "C" collation there. Names that tables
    are sorted by use it, so output is the same from both backends.
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")


metadata = MetaData()


def _module_fk(name: str, **kwargs: Any) -> Column[int]:
    return Column(name, ForeignKey("modules.id", ondelete="CASCADE"), **kwargs)


modules = Table(
    "modules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", byte_order_string(64), nullable=False, unique=True),
    Column("number", Integer),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("difficulty", Integer),
    Column("hours_low", Float),
    Column("hours_high", Float),
    Column("time_estimate", String(100)),
    Column("layer", String(32)),
    # Relative to the synced folder, so a moved checkout changes no row.
    Column("source_path", Text, nullable=False, default=""),
    Column("retired", Boolean, nullable=False, default=False),
    # Graph facts computed with NetworkX at sync time, so that learner
    # commands read them with plain SQL.
    Column("position", Integer),
    Column("level", Integer),
    Column("dependants", Integer, nullable=False, default=0),
)

dependencies = Table(
    "dependencies",
    metadata,
    _module_fk("module_id", primary_key=True),
    _module_fk("prerequisite_id", primary_key=True),
)

# Every transitive prerequisite of every module, rebuilt by each sync.
prerequisite_closure = Table(
    "prerequisite_closure",
    metadata,
    _module_fk("module_id", primary_key=True),
    _module_fk("prerequisite_id", primary_key=True),
)

components = Table(
    "components",
    metadata,
    Column("id", Integer, primary_key=True),
    _module_fk("module_id", nullable=False),
    Column("name", byte_order_string(200), nullable=False),
    Column("kind", String(64)),
    Column("description", Text),
    Column("position", Integer, nullable=False, default=0),
    UniqueConstraint("module_id", "name"),
)

module_aliases = Table(
    "module_aliases",
    metadata,
    Column("alias", byte_order_string(100), primary_key=True),
    _module_fk("module_id", nullable=False),
)

learners = Table(
    "learners",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("handle", byte_order_string(200), nullable=False, unique=True),
    Column("display_name", String(200)),
    Column("email", String(320)),
    Column("created_at", UTCDateTime, nullable=False),
)

cohorts = Table(
    "cohorts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", byte_order_string(200), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

cohort_members = Table(
    "cohort_members",
    metadata,
    Column(
        "cohort_id",
        ForeignKey("cohorts.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "learner_id",
        ForeignKey("learners.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)

# The append-only progress log.
events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uid", String(36), nullable=False, unique=True),
    Column("learner_id", ForeignKey("learners.id"), nullable=False),
    Column("module_id", ForeignKey("modules.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("source", String(100), nullable=False, default="cli"),
    Index("ix_events_learner_module", "learner_id", "module_id"),
    Index("ix_events_occurred_at", "occurred_at"),
    Index("ix_events_learner_occurred_at", "learner_id", "occurred_at"),
)

# Current state of one learner on one module, kept beside each event.
progress = Table(
    "progress",
    metadata,
    Column(
        "learner_id",
        ForeignKey("learners.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    _module_fk("module_id", primary_key=True),
    Column("status", String(16), nullable=False),
    Column("started_at", UTCDateTime),
    Column("completed_at", UTCDateTime),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_progress_module_status", "module_id", "status"),
    Index(
        "ix_progress_status_times",
        "status",
        "module_id",
        "started_at",
        "completed_at",
        "learner_id",
    ),
)

# Key-value facts about the database, such as the synced catalog.
settings = Table(
    "settings",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)
