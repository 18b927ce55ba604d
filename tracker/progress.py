"""A learner's progress: recording events, states, recommendations and hours.

Every read here is plain SQL over the synced catalog: the transitive
prerequisites and the dependant counts were computed by the sync.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from .db import Database, utcnow
from .errors import InputError, OperationError
from .learners import (
    Executor,
    current_handle,
    ensure_learner,
    find_learner,
    resolve_module,
)
from .schema import events, learners, modules, prerequisite_closure, progress

COMPLETED = "completed"
IN_PROGRESS = "in_progress"
READY = "ready"
LOCKED = "locked"
STATES = (COMPLETED, IN_PROGRESS, READY, LOCKED)
EVENT_KINDS = ("started", "completed", "reset")


@dataclass
class Hours:
    """A low/high range of hours, with the modules that have no estimate."""

    low: float = 0.0
    high: float = 0.0
    unestimated: list[str] = field(default_factory=list)

    def add(self, module: ModuleView) -> None:
        if module.hours_low is None or module.hours_high is None:
            self.unestimated.append(module.slug)
        else:
            self.low += module.hours_low
            self.high += module.hours_high

    def as_dict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "unestimated": self.unestimated}


@dataclass
class ModuleView:
    """One module as a learner sees it."""

    slug: str
    number: int | None
    title: str
    layer: str | None
    difficulty: int | None
    hours_low: float | None
    hours_high: float | None
    position: int
    dependants: int
    prerequisites: list[str]
    state: str = LOCKED
    started_at: datetime | None = None
    completed_at: datetime | None = None
    missing: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["started_at"] = _iso(self.started_at)
        data["completed_at"] = _iso(self.completed_at)
        return data


@dataclass
class LearnerStatus:
    """Everything `tt-progress status` shows for one learner."""

    learner: str
    modules: list[ModuleView]
    hours_done: Hours
    hours_remaining: Hours

    @property
    def completed(self) -> int:
        return sum(1 for m in self.modules if m.state == COMPLETED)

    @property
    def total(self) -> int:
        return len(self.modules)

    @property
    def percent(self) -> float:
        return round(100.0 * self.completed / self.total, 1) if self.total else 0.0

    def counts(self) -> dict[str, int]:
        return {
            state: sum(1 for m in self.modules if m.state == state) for state in STATES
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "learner": self.learner,
            "completed": self.completed,
            "total": self.total,
            "percent": self.percent,
            "counts": self.counts(),
            "hours_done": self.hours_done.as_dict(),
            "hours_remaining": self.hours_remaining.as_dict(),
            "modules": [m.as_dict() for m in self.modules],
        }


@dataclass
class Recommendation:
    """One module worth doing now, and why."""

    slug: str
    title: str
    state: str
    reason: str
    dependants: int
    unlocks_now: list[str]
    hours_low: float | None
    hours_high: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class NextSteps:
    """The ranked modules a learner can work on, and the hours left."""

    learner: str
    goal: str | None
    recommendations: list[Recommendation]
    remaining: Hours
    remaining_modules: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "learner": self.learner,
            "goal": self.goal,
            "next": [r.as_dict() for r in self.recommendations],
            "remaining_hours": self.remaining.as_dict(),
            "remaining_modules": self.remaining_modules,
        }


@dataclass
class EventOutcome:
    """The outcome of one requested change. ``recorded`` is False when nothing changed."""

    module: str
    kind: str
    recorded: bool
    message: str
    warning: str | None = None


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat() if value is not None else None


def _day(value: datetime | None) -> str:
    return (
        value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if value else "?"
    )


def parse_time(value: str | None, option: str = "--at") -> datetime | None:
    """Parse an ISO 8601 time; a time without an offset is local time."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InputError(
            f"{option} {value!r} is not an ISO 8601 time. Use a form such as "
            "2026-09-19T10:21:00 or 2026-09-19T10:21:00+02:00."
        ) from None
    try:
        if parsed.tzinfo is None:
            parsed = parsed.astimezone()
        parsed = parsed.astimezone(timezone.utc)
    except (ValueError, OverflowError, OSError):
        # The time is valid where it was written but falls outside years
        # 1-9999 once moved to UTC (or outside what the local clock covers).
        raise InputError(
            f"{option} {value!r} is not a valid time: in UTC it falls outside "
            "the years 1 to 9999. Give a time within those years."
        ) from None
    if parsed > utcnow():
        raise InputError(f"{option} {value!r} is in the future. Give a past time.")
    return parsed


def load_course(executor: Executor) -> list[ModuleView]:
    """Return the active modules in learning order, each with its prerequisites."""
    m = modules.c
    rows = executor.execute(
        select(
            m.id,
            m.slug,
            m.number,
            m.title,
            m.layer,
            m.difficulty,
            m.hours_low,
            m.hours_high,
            m.position,
            m.dependants,
        )
        .where(m.retired.is_(False))
        .order_by(m.position, m.number, m.slug)
    ).all()
    slugs = {row.id: row.slug for row in rows}
    prerequisites: dict[int, list[str]] = defaultdict(list)
    for module_id, prerequisite_id in executor.execute(
        select(prerequisite_closure.c.module_id, prerequisite_closure.c.prerequisite_id)
    ):
        if module_id in slugs and prerequisite_id in slugs:
            prerequisites[module_id].append(slugs[prerequisite_id])
    order = {row.slug: index for index, row in enumerate(rows)}
    return [
        ModuleView(
            slug=row.slug,
            number=row.number,
            title=row.title,
            layer=row.layer,
            difficulty=row.difficulty,
            hours_low=row.hours_low,
            hours_high=row.hours_high,
            position=index,
            dependants=row.dependants or 0,
            prerequisites=sorted(prerequisites[row.id], key=order.__getitem__),
        )
        for index, row in enumerate(rows)
    ]


def apply_states(
    modules: list[ModuleView], progress: dict[str, tuple[str, Any, Any]]
) -> None:
    """Set each module's state from the learner's progress rows, in place."""
    done = {slug for slug, (status, _, _) in progress.items() if status == COMPLETED}
    for module in modules:
        status, started, completed = progress.get(module.slug, (None, None, None))
        module.started_at, module.completed_at = started, completed
        module.missing = [p for p in module.prerequisites if p not in done]
        if status == COMPLETED:
            module.state = COMPLETED
        elif status == IN_PROGRESS:
            module.state = IN_PROGRESS
        elif module.missing:
            module.state = LOCKED
        else:
            module.state = READY


def _progress_rows(executor: Executor, learner_id: int | None) -> dict[str, tuple]:
    if learner_id is None:
        return {}
    p = progress.c
    rows = executor.execute(
        select(modules.c.slug, p.status, p.started_at, p.completed_at)
        .join(modules, modules.c.id == p.module_id)
        .where(p.learner_id == learner_id)
    ).all()
    return {
        slug: (status, started, completed) for slug, status, started, completed in rows
    }


def status_for(executor: Executor, handle: str) -> LearnerStatus:
    """Return a normalised handle's `LearnerStatus`, inside the caller's transaction."""
    course = load_course(executor)
    learner = find_learner(executor, handle)
    apply_states(course, _progress_rows(executor, learner.id if learner else None))
    done, remaining = Hours(), Hours()
    for module in course:
        (done if module.state == COMPLETED else remaining).add(module)
    return LearnerStatus(handle, course, done, remaining)


def learner_status(database: Database, user: str | None = None) -> LearnerStatus:
    """Return a learner's state on every module, in learning order, with hours."""
    handle = current_handle(user)
    with database.connect() as connection:
        return status_for(connection, handle)


def recommend(
    database: Database, user: str | None = None, goal: str | None = None
) -> NextSteps:
    """Rank the modules a learner can work on now and total the hours left.

    In-progress modules come first, then ready modules by how many modules
    depend on them downstream, then by module number. With ``goal``, only the
    goal and its unfinished prerequisites count.
    """
    handle = current_handle(user)
    with database.connect() as connection:
        goal_slug = resolve_module(connection, goal).slug if goal else None
        status = status_for(connection, handle)
    return next_steps(status, goal_slug)


def next_steps(status: LearnerStatus, goal: str | None = None) -> NextSteps:
    """Rank the workable modules of a `LearnerStatus` (see `recommend`)."""
    by_slug = {m.slug: m for m in status.modules}
    if goal is not None:
        if goal not in by_slug:
            raise OperationError(f"Module '{goal}' is retired and cannot be a goal.")
        scope = {goal, *by_slug[goal].prerequisites}
    else:
        scope = set(by_slug)
    open_modules = [
        m for m in status.modules if m.slug in scope and m.state != COMPLETED
    ]
    remaining = Hours()
    for module in open_modules:
        remaining.add(module)
    done = {m.slug for m in status.modules if m.state == COMPLETED}
    candidates = [m for m in open_modules if m.state in (IN_PROGRESS, READY)]
    candidates.sort(
        key=lambda m: (
            m.state != IN_PROGRESS,
            -m.dependants,
            m.number if m.number is not None else 10**6,
            m.slug,
        )
    )
    recommendations = []
    for module in candidates:
        unlocks = [
            other.slug
            for other in status.modules
            if other.state == LOCKED
            and module.slug in other.missing
            and set(other.missing) <= done | {module.slug}
        ]
        recommendations.append(
            Recommendation(
                slug=module.slug,
                title=module.title,
                state=module.state,
                reason=_reason(module, unlocks),
                dependants=module.dependants,
                unlocks_now=unlocks,
                hours_low=module.hours_low,
                hours_high=module.hours_high,
            )
        )
    return NextSteps(
        status.learner, goal, recommendations, remaining, [m.slug for m in open_modules]
    )


def _reason(module: ModuleView, unlocks: list[str]) -> str:
    parts = []
    if module.state == IN_PROGRESS:
        parts.append(f"in progress since {_day(module.started_at)}")
    if module.dependants:
        plural = "module" if module.dependants == 1 else "modules"
        parts.append(f"{module.dependants} {plural} downstream depend on it")
    else:
        parts.append("no module depends on it")
    if unlocks:
        parts.append("completing it makes " + ", ".join(unlocks) + " ready")
    if module.number is not None:
        parts.append(f"module {module.number:02d} in curriculum order")
    return "; ".join(parts)


def record_events(
    database: Database,
    user: str | None,
    names: list[str],
    kind: str,
    at: datetime | None = None,
    source: str = "cli",
) -> list[EventOutcome]:
    """Record ``started``, ``completed`` or ``reset`` events in one transaction.

    Completing a completed module or starting a started one stores nothing and
    says so. Completing a module whose prerequisites are unfinished succeeds
    with a warning that names them. Modules are handled in learning order, so
    ``complete tensor setup`` does not warn about setup.
    """
    if kind not in EVENT_KINDS:
        raise InputError(f"Unknown event kind {kind!r}; expected one of {EVENT_KINDS}.")
    if not names:
        raise InputError("Name at least one module.")
    handle = current_handle(user)

    def write(connection: Connection) -> list[EventOutcome]:
        return _record(connection, handle, names, kind, at, source)

    return database.transaction(write)


def _record(
    connection: Connection,
    handle: str,
    names: list[str],
    kind: str,
    at: datetime | None,
    source: str,
) -> list[EventOutcome]:
    targets = [resolve_module(connection, name) for name in names]
    retired = [m.slug for m in targets if m.retired]
    if retired:
        raise OperationError(
            f"Module {', '.join(retired)} was retired from the catalog, so no "
            "new progress can be recorded on it."
        )

    learner = ensure_learner(connection, handle, utcnow())
    lock_learner(connection, learner.id)
    # Read the clock only once the learner's lock is held, so that events
    # recorded "now" by concurrent writers are in the order they were decided.
    now = utcnow()
    when = at or now

    ordered = sorted(targets, key=lambda m: m.position or 0)
    unique = list({m.id: m for m in ordered}.values())
    status = status_for(connection, handle)
    views = {m.slug: m for m in status.modules}
    completed = {m.slug for m in status.modules if m.state == COMPLETED}
    outcomes = []
    for module in unique:
        view = views[module.slug]
        outcome = _decide(view, kind, completed)
        if outcome.recorded and at is not None:
            _check_backdated(connection, learner.id, module.id, view.slug, kind, at)
        if outcome.recorded:
            add_event(connection, learner.id, module.id, kind, when, now, source)
            recompute_progress(connection, learner.id, [module.id], now)
            if kind == COMPLETED:
                completed.add(module.slug)
            elif kind == "reset":
                completed.discard(module.slug)
        outcomes.append(outcome)
    return outcomes


def _decide(view: ModuleView, kind: str, completed: set[str]) -> EventOutcome:
    missing = [p for p in view.prerequisites if p not in completed]
    warning = None
    if missing and kind != "reset":
        warning = f"'{view.slug}' has unfinished prerequisites: {', '.join(missing)}."
    if kind == "completed":
        if view.state == COMPLETED:
            return EventOutcome(
                view.slug,
                kind,
                False,
                f"'{view.slug}' was already completed on {_day(view.completed_at)}.",
            )
        return EventOutcome(view.slug, kind, True, f"Completed '{view.slug}'.", warning)
    if kind == "started":
        if view.state == COMPLETED:
            return EventOutcome(
                view.slug,
                kind,
                False,
                f"'{view.slug}' was already completed on {_day(view.completed_at)}; "
                "use 'tt-progress undo' first to work on it again.",
            )
        if view.state == IN_PROGRESS:
            return EventOutcome(
                view.slug,
                kind,
                False,
                f"'{view.slug}' is already in progress since {_day(view.started_at)}.",
            )
        return EventOutcome(view.slug, kind, True, f"Started '{view.slug}'.", warning)
    if view.state not in (COMPLETED, IN_PROGRESS):
        raise OperationError(
            f"'{view.slug}' has no progress to undo: it is not started or completed."
        )
    return EventOutcome(
        view.slug,
        kind,
        True,
        f"Reset '{view.slug}' to not started; its history is kept.",
    )


GERUNDS = {"started": "starting", "completed": "completing", "reset": "resetting"}


def _check_backdated(
    connection: Connection,
    learner_id: int,
    module_id: int,
    slug: str,
    kind: str,
    at: datetime,
) -> None:
    """Reject an event dated before the module's latest one that changes nothing.

    The state is folded in time order, so a later event can hide an earlier
    one entirely. Imports and pushes keep such events, because they copy
    history. A learner who records one by hand has made a mistake.
    """
    e = events.c
    history = connection.execute(
        select(e.kind, e.occurred_at)
        .where(e.learner_id == learner_id, e.module_id == module_id)
        .order_by(e.occurred_at, e.id)
    ).all()
    if not history or at >= history[-1].occurred_at:
        return
    before: ProgressState = (None, None, None)
    for event_kind, occurred in history:
        before = apply_event(before, event_kind, occurred)
    after: ProgressState = (None, None, None)
    merged = sorted([*history, (kind, at)], key=lambda event: event[1])
    for event_kind, occurred in merged:
        after = apply_event(after, event_kind, occurred)
    if after != before:
        return
    latest_kind, latest_at = history[-1]
    raise InputError(
        f"'{slug}' was {latest_kind} at {_second(latest_at)}, after the time given "
        f"({_second(at)}). Events apply in time order, so {GERUNDS[kind]} it at that "
        "time would not change its state, and nothing was stored. Leave out --at "
        f"to record it now, or give a time after {_second(latest_at)}."
    )


def _second(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def lock_learner(executor: Executor, learner_id: int) -> None:
    """Serialise writers of one learner (row lock on PostgreSQL, no-op on SQLite)."""
    executor.execute(
        select(learners.c.id).where(learners.c.id == learner_id).with_for_update()
    )


def add_event(
    executor: Executor,
    learner_id: int,
    module_id: int,
    kind: str,
    occurred_at: datetime,
    recorded_at: datetime,
    source: str,
    uid: str | None = None,
) -> None:
    executor.execute(
        insert(events).values(
            uid=uid or str(uuid.uuid4()),
            learner_id=learner_id,
            module_id=module_id,
            kind=kind,
            occurred_at=occurred_at,
            recorded_at=recorded_at,
            source=source,
        )
    )


# (status, started_at, completed_at) of one learner on one module; a status
# of None means no progress row.
ProgressState = tuple[str | None, datetime | None, datetime | None]


def apply_event(state: ProgressState, kind: str, occurred: datetime) -> ProgressState:
    """Return the state after one more event; events must come in time order.

    ``started`` sets in progress, ``completed`` sets completed (the first
    completion counts), ``reset`` clears the module.
    """
    status, started, _completed = state
    if kind == "reset":
        return (None, None, None)
    if kind == "started" and status != COMPLETED:
        return (IN_PROGRESS, started or occurred, None)
    if kind == "completed" and status != COMPLETED:
        return (COMPLETED, started, occurred)
    return state


def recompute_progress(
    executor: Executor, learner_id: int, module_ids: list[int], now: datetime
) -> None:
    """Rebuild the current-state rows of some modules from their events.

    Events apply in the order they happened (see `apply_event`). The rows
    change in the caller's transaction.
    """
    if hasattr(executor, "flush"):
        executor.flush()  # An ORM session may hold events not yet sent.
    e, p = events.c, progress.c
    folded: dict[int, ProgressState] = {m: (None, None, None) for m in module_ids}
    for module_id, kind, occurred in executor.execute(
        select(e.module_id, e.kind, e.occurred_at)
        .where(e.learner_id == learner_id, e.module_id.in_(module_ids))
        .order_by(e.module_id, e.occurred_at, e.id)
    ):
        folded[module_id] = apply_event(folded[module_id], kind, occurred)
    existing = {
        row.module_id: row
        for row in executor.execute(
            select(p.module_id, p.status, p.started_at, p.completed_at).where(
                p.learner_id == learner_id, p.module_id.in_(module_ids)
            )
        )
    }
    for module_id, (status, started, completed) in folded.items():
        row = existing.get(module_id)
        key = (p.learner_id == learner_id, p.module_id == module_id)
        if status is None:
            if row is not None:
                executor.execute(delete(progress).where(*key))
        elif row is None:
            executor.execute(
                insert(progress).values(
                    learner_id=learner_id,
                    module_id=module_id,
                    status=status,
                    started_at=started,
                    completed_at=completed,
                    updated_at=now,
                )
            )
        elif (row.status, row.started_at, row.completed_at) != (
            status,
            started,
            completed,
        ):
            executor.execute(
                update(progress)
                .where(*key)
                .values(
                    status=status,
                    started_at=started,
                    completed_at=completed,
                    updated_at=now,
                )
            )
