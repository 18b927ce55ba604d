"""Copying events between databases: push to a shared database, pull from one.

A learner who works offline records events in a local SQLite file and later
pushes them to the cohort's database, and a learner on a new machine pulls
their events down. Events keep their globally unique ``uid``, so an event
copied twice, or pushed from two machines that share history, is stored once.
Both databases must hold the same catalog: the same module slugs, numbers and
prerequisite edges.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import Database, display_url, open_database, resolve_url, utcnow
from .errors import CatalogMismatchError, InputError, OperationError
from .learners import current_handle, ensure_learner, insert_ignore
from .models import Dependency, Event, Learner, Module
from .progress import lock_learner, recompute_progress
from .sqlite_files import sqlite_file

# Rows per query when checking which uids the target already stores, well
# under the bound-parameter limits of SQLite (32766 since 3.32) and
# PostgreSQL (65535).
UID_BATCH = 500


@dataclass
class CatalogShape:
    """The parts of a synced catalog that events depend on."""

    modules: dict[str, int | None]
    prerequisites: dict[str, list[str]]

    def fingerprint(self) -> str:
        """Return a SHA-256 of the active modules, their numbers and their edges."""
        canonical = json.dumps(
            {"modules": self.modules, "prerequisites": self.prerequisites},
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class TransferReport:
    """The result of one push or pull: the learners and how many events moved."""

    source: str
    target: str
    learners: list[str]
    events: int = 0
    copied: int = 0
    fingerprint: str = ""

    @property
    def already_present(self) -> int:
        return self.events - self.copied

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["already_present"] = self.already_present
        return data


@dataclass
class _EventRow:
    uid: str
    handle: str
    slug: str
    kind: str
    occurred_at: datetime
    recorded_at: datetime
    source: str


def catalog_shape(session: Session) -> CatalogShape:
    """Read the active modules and their direct prerequisites from the database."""
    rows = session.execute(
        select(Module.id, Module.slug, Module.number).where(Module.retired.is_(False))
    ).all()
    slugs = {row.id: row.slug for row in rows}
    prerequisites: dict[str, list[str]] = {row.slug: [] for row in rows}
    for module_id, prerequisite_id in session.execute(
        select(Dependency.module_id, Dependency.prerequisite_id)
    ):
        if module_id in slugs and prerequisite_id in slugs:
            prerequisites[slugs[module_id]].append(slugs[prerequisite_id])
    return CatalogShape(
        modules={row.slug: row.number for row in rows},
        prerequisites={slug: sorted(names) for slug, names in prerequisites.items()},
    )


def catalog_fingerprint(database: Database) -> str:
    """Return the fingerprint of the catalog synced into ``database``."""
    with database.session() as session:
        return catalog_shape(session).fingerprint()


def catalog_differences(
    first: CatalogShape, second: CatalogShape, first_name: str, second_name: str
) -> list[str]:
    """List, in words, how two catalogs differ: modules, numbers, prerequisites."""
    differences = []
    for shape, other, name in (
        (first, second, first_name),
        (second, first, second_name),
    ):
        only = sorted(set(shape.modules) - set(other.modules))
        if only:
            differences.append(f"modules only in {name}: {', '.join(only)}")
    for slug in sorted(set(first.modules) & set(second.modules)):
        if first.modules[slug] != second.modules[slug]:
            differences.append(
                f"'{slug}' is number {first.modules[slug]} in {first_name} and "
                f"{second.modules[slug]} in {second_name}"
            )
        for shape, other, name in (
            (first, second, first_name),
            (second, first, second_name),
        ):
            extra = sorted(
                set(shape.prerequisites[slug]) - set(other.prerequisites[slug])
            )
            if extra:
                differences.append(
                    f"prerequisites of '{slug}' only in {name}: {', '.join(extra)}"
                )
    return differences


def push_events(
    local_url: str | None,
    shared_url: str,
    user: str | None = None,
    all_learners: bool = False,
) -> TransferReport:
    """Copy one local learner's events (or every learner's) to a shared database.

    The shared database gets its schema and the bundled catalog on first use,
    as any database does. A local database named by ``local_url`` must exist,
    because pushing only reads it.
    """
    _check_different(local_url, shared_url)
    handles = None if all_learners else [current_handle(user)]
    local = open_database(local_url, must_exist=local_url is not None)
    try:
        shared = open_database(shared_url)
        try:
            return copy_events(local, shared, handles)
        finally:
            shared.dispose()
    finally:
        local.dispose()


def pull_events(
    shared_url: str, local_url: str | None, user: str | None = None
) -> TransferReport:
    """Copy one learner's events from a shared database to the local one.

    The shared database must already exist: pulling creates nothing there.
    """
    _check_different(local_url, shared_url)
    handle = current_handle(user)
    shared = open_database(shared_url, must_exist=True)
    try:
        local = open_database(local_url)
        try:
            return copy_events(shared, local, [handle])
        finally:
            local.dispose()
    finally:
        shared.dispose()


def _check_different(local_url: str | None, shared_url: str) -> None:
    local, shared = resolve_url(local_url), resolve_url(shared_url)
    local_file, shared_file = sqlite_file(local), sqlite_file(shared)
    same_file = (
        local_file is not None
        and shared_file is not None
        and local_file.resolve() == shared_file.resolve()
    )
    if same_file or local == shared:
        raise InputError(
            f"{display_url(shared)} is the local database itself. Give the URL "
            "of the shared database, or --db for another local one."
        )


def copy_events(
    source: Database, target: Database, handles: list[str] | None
) -> TransferReport:
    """Copy the events of ``handles`` (None: every learner) from source to target.

    An event whose uid the target already stores is skipped. The progress rows
    of every (learner, module) that received an event are rebuilt in the same
    transaction, so a failure leaves the target as it was.
    """
    with source.session() as session:
        source_shape = catalog_shape(session)
        learners = _source_learners(session, handles, source)
        events = _source_events(session, [learner.id for learner in learners])
    created = {learner.handle: learner.created_at for learner in learners}
    report = TransferReport(
        source=display_url(source.url),
        target=display_url(target.url),
        learners=sorted(created),
        events=len(events),
        fingerprint=source_shape.fingerprint(),
    )

    def write(session: Session) -> int:
        _check_catalogs(source_shape, catalog_shape(session), report)
        return _insert_events(session, created, events)

    report.copied = target.transaction(write, orm=True)
    return report


def _source_learners(
    session: Session, handles: list[str] | None, source: Database
) -> list[Learner]:
    query = select(Learner).order_by(Learner.handle)
    if handles is not None:
        query = query.where(Learner.handle.in_(handles))
    learners = list(session.scalars(query))
    missing = sorted(set(handles or []) - {learner.handle for learner in learners})
    if missing:
        raise OperationError(
            f"No learner {', '.join(repr(h) for h in missing)} in "
            f"{display_url(source.url)}, so there are no events to copy. Check "
            "--user (handles are compared trimmed and case-folded)."
        )
    return learners


def _source_events(session: Session, learner_ids: list[int]) -> list[_EventRow]:
    if not learner_ids:
        return []
    rows = session.execute(
        select(
            Event.uid,
            Learner.handle,
            Module.slug,
            Event.kind,
            Event.occurred_at,
            Event.recorded_at,
            Event.source,
        )
        .join(Learner, Learner.id == Event.learner_id)
        .join(Module, Module.id == Event.module_id)
        .where(Event.learner_id.in_(learner_ids))
        .order_by(Event.id)
    ).all()
    return [_EventRow(*row) for row in rows]


def _check_catalogs(
    source: CatalogShape, target: CatalogShape, report: TransferReport
) -> None:
    if source.fingerprint() == target.fingerprint():
        return
    differences = catalog_differences(source, target, report.source, report.target)
    raise CatalogMismatchError(
        f"The catalogs of {report.source} (fingerprint {source.fingerprint()[:12]}) "
        f"and {report.target} (fingerprint {target.fingerprint()[:12]}) differ, so "
        "no event was copied. Sync the same catalog folder into both with "
        "'tt-progress sync DIR --db URL', then try again.",
        differences,
    )


def _insert_events(
    session: Session, created: dict[str, datetime], events: list[_EventRow]
) -> int:
    now = utcnow()
    learner_ids = {
        handle: ensure_learner(session, handle, created[handle]).id
        for handle in sorted(created)
    }
    # Every push locks its learners in id order, so two pushes of overlapping
    # learners wait for each other rather than deadlock.
    for learner_id in sorted(learner_ids.values()):
        lock_learner(session, learner_id)

    module_ids = _target_module_ids(session, {event.slug for event in events})
    present = _present_uids(session, [event.uid for event in events])
    new = [event for event in events if event.uid not in present]
    insert_ignore(
        session,
        Event.__table__,
        [
            {
                "uid": event.uid,
                "learner_id": learner_ids[event.handle],
                "module_id": module_ids[event.slug],
                "kind": event.kind,
                "occurred_at": event.occurred_at,
                "recorded_at": event.recorded_at,
                "source": event.source,
            }
            for event in new
        ],
    )

    touched: dict[int, set[int]] = defaultdict(set)
    for event in new:
        touched[learner_ids[event.handle]].add(module_ids[event.slug])
    for learner_id, modules in sorted(touched.items()):
        recompute_progress(session, learner_id, sorted(modules), now)
    return len(new)


def _target_module_ids(session: Session, slugs: set[str]) -> dict[str, int]:
    found = dict(
        session.execute(
            select(Module.slug, Module.id).where(Module.slug.in_(slugs))
        ).all()
    )
    # NOTE: the fingerprint covers active modules only, so an event on a module
    # that one side retired and the other never had stops the copy here.
    missing = sorted(slugs - set(found))
    if missing:
        raise OperationError(
            f"The target database has no module {', '.join(missing)}, which some "
            "events are about (modules retired from one catalog). Sync a catalog "
            "that contains them into the target, then try again."
        )
    return found


def _present_uids(session: Session, uids: list[str]) -> set[str]:
    present: set[str] = set()
    for start in range(0, len(uids), UID_BATCH):
        batch = uids[start : start + UID_BATCH]
        present.update(session.scalars(select(Event.uid).where(Event.uid.in_(batch))))
    return present
