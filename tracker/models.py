"""ORM classes mapped onto the Core tables of `tracker.schema`.

The sync and other code that is not on a learner command's start-up path use
these; learner commands use the Core tables directly.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import DeclarativeBase, Mapped

from . import schema
from .schema import UTCDateTime

__all__ = [
    "Base",
    "Cohort",
    "CohortMember",
    "Component",
    "Dependency",
    "Event",
    "Learner",
    "Module",
    "ModuleAlias",
    "PrerequisiteClosure",
    "Progress",
    "Setting",
    "UTCDateTime",
]


class Base(DeclarativeBase):
    metadata = schema.metadata


class Module(Base):
    __table__ = schema.modules

    id: Mapped[int]
    slug: Mapped[str]
    number: Mapped[int | None]
    title: Mapped[str]
    description: Mapped[str]
    difficulty: Mapped[int | None]
    hours_low: Mapped[float | None]
    hours_high: Mapped[float | None]
    time_estimate: Mapped[str | None]
    layer: Mapped[str | None]
    source_path: Mapped[str]
    retired: Mapped[bool]
    position: Mapped[int | None]
    level: Mapped[int | None]
    dependants: Mapped[int]


class Dependency(Base):
    __table__ = schema.dependencies

    module_id: Mapped[int]
    prerequisite_id: Mapped[int]


class PrerequisiteClosure(Base):
    __table__ = schema.prerequisite_closure

    module_id: Mapped[int]
    prerequisite_id: Mapped[int]


class Component(Base):
    __table__ = schema.components

    id: Mapped[int]
    module_id: Mapped[int]
    name: Mapped[str]
    kind: Mapped[str | None]
    description: Mapped[str | None]
    position: Mapped[int]


class ModuleAlias(Base):
    __table__ = schema.module_aliases

    alias: Mapped[str]
    module_id: Mapped[int]


class Learner(Base):
    __table__ = schema.learners

    id: Mapped[int]
    handle: Mapped[str]
    display_name: Mapped[str | None]
    email: Mapped[str | None]
    created_at: Mapped[datetime]


class Cohort(Base):
    __table__ = schema.cohorts

    id: Mapped[int]
    name: Mapped[str]
    created_at: Mapped[datetime]


class CohortMember(Base):
    __table__ = schema.cohort_members

    cohort_id: Mapped[int]
    learner_id: Mapped[int]


class Event(Base):
    __table__ = schema.events

    id: Mapped[int]
    uid: Mapped[str]
    learner_id: Mapped[int]
    module_id: Mapped[int]
    kind: Mapped[str]
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    source: Mapped[str]


class Progress(Base):
    __table__ = schema.progress

    learner_id: Mapped[int]
    module_id: Mapped[int]
    status: Mapped[str]
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class Setting(Base):
    __table__ = schema.settings

    key: Mapped[str]
    value: Mapped[str]
