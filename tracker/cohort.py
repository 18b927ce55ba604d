"""Instructor queries: the module table, the learner table and stuck learners.

Each query runs the same number of SQL statements whatever the cohort size
(see `cohort_sql`). Work in Python is done once per distinct learner state,
not once per learner.
"""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import cohort_sql
from .cohort_sql import MASK_BITS, Masks
from .db import Database, utcnow
from .errors import InputError
from .membership import find_cohort
from .models import Module
from .progress import (
    COMPLETED,
    IN_PROGRESS,
    LOCKED,
    READY,
    STATES,
    Hours,
    LearnerStatus,
    ModuleView,
    apply_states,
    load_course,
    next_steps,
)
from .sorting import LEARNER_SORTS, MODULE_SORTS, sort_rows

DEFAULT_STUCK_FACTOR = 3.0
# A module open for less than a day is never slow, even where the cohort's
# median is a few minutes (or zero, for learners who mark start and
# completion together).
MIN_SLOW_SECONDS = 86400.0


@dataclass
class ModuleRow:
    """One module of the cohort's module table."""

    slug: str
    number: int | None
    title: str
    completed: int
    in_progress: int
    ready: int
    locked: int
    percent: float
    median_hours: float | None
    median_samples: int
    hours_low: float | None
    hours_high: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CohortStatus:
    """The module table of a cohort (``None``: every learner)."""

    cohort: str | None
    learners: int
    modules: list[ModuleRow]

    def as_dict(self) -> dict[str, Any]:
        return {
            "cohort": self.cohort,
            "learners": self.learners,
            "modules": [m.as_dict() for m in self.modules],
        }


@dataclass
class LearnerRow:
    """One learner of the cohort's learner table."""

    handle: str
    display_name: str | None
    completed: int
    total: int
    percent: float
    hours_done_low: float
    hours_done_high: float
    hours_remaining_low: float
    hours_remaining_high: float
    last_activity: datetime | None
    next: str | None
    states: list[str] = field(repr=False, default_factory=list)
    joined: datetime | None = field(repr=False, default=None)

    def as_dict(self) -> dict[str, Any]:
        # Built by hand: dataclasses.asdict copies deeply and is several times
        # slower, which shows on a table of 100,000 learners.
        return {
            "handle": self.handle,
            "display_name": self.display_name,
            "completed": self.completed,
            "total": self.total,
            "percent": self.percent,
            "hours_done_low": self.hours_done_low,
            "hours_done_high": self.hours_done_high,
            "hours_remaining_low": self.hours_remaining_low,
            "hours_remaining_high": self.hours_remaining_high,
            "last_activity": _iso(self.last_activity),
            "next": self.next,
        }


@dataclass
class StuckLearner:
    """One reason why a learner looks stuck."""

    handle: str
    display_name: str | None
    reason: str  # "inactive" or "slow"
    module: str | None
    since: datetime | None
    days: float | None
    typical_days: float | None
    detail: str

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["since"] = _iso(self.since)
        return data


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat() if value is not None else None


@dataclass
class _LearnerState:
    states: list[str]
    completed: int
    hours_done: Hours
    hours_remaining: Hours
    next: str | None


class _Course:
    """The active modules in learning order, and the states their masks mean."""

    def __init__(self, session: Session) -> None:
        self.modules = load_course(session)
        ids = {
            slug: module_id
            for slug, module_id in session.execute(
                select(Module.slug, Module.id).where(Module.retired.is_(False))
            )
        }
        self.module_ids = [ids[m.slug] for m in self.modules]
        self.slugs = {ids[m.slug]: m.slug for m in self.modules}
        self._cache: dict[Masks, _LearnerState] = {}

    def decode(self, masks: Masks) -> tuple[set[int], set[int]]:
        half = len(masks) // 2
        done, active = set(), set()
        for index in range(len(self.modules)):
            chunk, bit = divmod(index, MASK_BITS)
            if masks[chunk] >> bit & 1:
                done.add(index)
            elif masks[half + chunk] >> bit & 1:
                active.add(index)
        return done, active

    def state(self, masks: Masks) -> _LearnerState:
        """Return the states, counts and next module that these masks mean.

        Each distinct masks value is computed once and then reused.
        """
        cached = self._cache.get(masks)
        if cached is not None:
            return cached
        done, active = self.decode(masks)
        modules = [copy.copy(m) for m in self.modules]
        progress: dict[str, tuple[str, Any, Any]] = {}
        for index, module in enumerate(modules):
            if index in done:
                progress[module.slug] = (COMPLETED, None, None)
            elif index in active:
                progress[module.slug] = (IN_PROGRESS, None, None)
        apply_states(modules, progress)
        hours_done, hours_remaining = Hours(), Hours()
        for module in modules:
            (hours_done if module.state == COMPLETED else hours_remaining).add(module)
        steps = next_steps(LearnerStatus("", modules, hours_done, hours_remaining))
        result = _LearnerState(
            states=[m.state for m in modules],
            completed=len(done),
            hours_done=hours_done,
            hours_remaining=hours_remaining,
            next=steps.recommendations[0].slug if steps.recommendations else None,
        )
        self._cache[masks] = result
        return result

    def empty_masks(self) -> Masks:
        return (0,) * len(cohort_sql.mask_names(len(self.modules)))


def _members(session: Session, cohort: str | None) -> tuple[str | None, Any]:
    if cohort is None:
        return None, None
    found = find_cohort(session, cohort)
    return found.name, cohort_sql.member_ids(found.id)


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def cohort_status(
    database: Database,
    cohort: str | None = None,
    sort: str = "order",
    reverse: bool = False,
) -> CohortStatus:
    """Return the module table: learners in each state and the median actual time.

    Without ``cohort``, every learner counts. The median is the time from a
    module's start to its completion, over learners who recorded both.
    """
    _check_sort(sort, MODULE_SORTS)
    with database.session() as session:
        name, members = _members(session, cohort)
        course = _Course(session)
        combinations = cohort_sql.mask_counts(session, course.module_ids, members)
        total = cohort_sql.count_learners(session, members)
        medians = cohort_sql.median_durations(session, members)
    counts = [dict.fromkeys(STATES, 0) for _ in course.modules]
    with_progress = sum(count for _, count in combinations)
    combinations.append((course.empty_masks(), total - with_progress))
    for masks, count in combinations:
        for index, state in enumerate(course.state(masks).states):
            counts[index][state] += count
    rows = []
    for index, module in enumerate(course.modules):
        seconds, samples = medians.get(course.module_ids[index], (None, 0))
        rows.append(
            ModuleRow(
                slug=module.slug,
                number=module.number,
                title=module.title,
                completed=counts[index][COMPLETED],
                in_progress=counts[index][IN_PROGRESS],
                ready=counts[index][READY],
                locked=counts[index][LOCKED],
                percent=_percent(counts[index][COMPLETED], total),
                median_hours=round(seconds / 3600, 2) if seconds is not None else None,
                median_samples=samples,
                hours_low=module.hours_low,
                hours_high=module.hours_high,
            )
        )
    if sort != "order":
        key = "median_hours" if sort == "median" else sort
        rows = sort_rows(rows, key, reverse)
    elif reverse:
        rows.reverse()
    return CohortStatus(name, total, rows)


def cohort_learners(
    database: Database,
    cohort: str | None = None,
    sort: str = "handle",
    reverse: bool = False,
) -> list[LearnerRow]:
    """Return the learner table: one row per learner with counts, hours and next."""
    _check_sort(sort, LEARNER_SORTS)
    with database.session() as session:
        _, members = _members(session, cohort)
        course = _Course(session)
        rows = list(_learner_table(session, course, members).values())
    if sort != "handle" or reverse:
        key = {"hours_done": "hours_done_low", "hours_remaining": "hours_remaining_low"}
        rows = sort_rows(rows, key.get(sort, sort), reverse)
    return rows


def _learner_table(
    session: Session, course: _Course, members: Any
) -> dict[int, LearnerRow]:
    """Return learner id -> row, ordered by handle."""
    total = len(course.modules)
    rows = {}
    for (
        learner_id,
        handle,
        display_name,
        masks,
        last,
        joined,
    ) in cohort_sql.learner_rows(session, course.module_ids, members):
        state = course.state(masks)
        rows[learner_id] = LearnerRow(
            handle=handle,
            display_name=display_name,
            completed=state.completed,
            total=total,
            percent=_percent(state.completed, total),
            hours_done_low=state.hours_done.low,
            hours_done_high=state.hours_done.high,
            hours_remaining_low=state.hours_remaining.low,
            hours_remaining_high=state.hours_remaining.high,
            last_activity=last,
            next=state.next,
            states=state.states,
            joined=joined,
        )
    return rows


def cohort_matrix(
    database: Database, cohort: str | None = None
) -> tuple[list[ModuleView], list[LearnerRow]]:
    """Return the modules in learning order and every learner with their states."""
    with database.session() as session:
        _, members = _members(session, cohort)
        course = _Course(session)
        return course.modules, list(_learner_table(session, course, members).values())


# Longer spans overflow the date arithmetic, and no course lasts a century.
MAX_STUCK_DAYS = 36500


def stuck_learners(
    database: Database,
    cohort: str | None = None,
    days: int = 14,
    factor: float = DEFAULT_STUCK_FACTOR,
    now: datetime | None = None,
) -> list[StuckLearner]:
    """Find learners with no event in ``days`` days, and slow in-progress modules.

    A learner with no event at all counts as inactive from when they were
    stored. A module in progress counts as slow when it has been open more
    than ``factor`` times the cohort's median time for it, and more than a
    day. Learners who completed
    every module are never stuck. A module that no learner of the cohort has
    completed from a recorded start has no median, so it is not judged.
    """
    if not 0 <= days <= MAX_STUCK_DAYS:
        raise InputError(
            f"--days {days} is out of range. Give a number of days from 0 to "
            f"{MAX_STUCK_DAYS} (100 years)."
        )
    if not math.isfinite(factor):
        raise InputError(
            f"--factor {factor} is not a finite number. Give a factor of 1 or more."
        )
    if factor < 1:
        raise InputError(f"--factor {factor:g} is below 1. Give a factor of 1 or more.")
    now = now or utcnow()
    with database.session() as session:
        _, members = _members(session, cohort)
        course = _Course(session)
        learners = _learner_table(session, course, members)
        open_modules = cohort_sql.in_progress_rows(session, members)
        medians = cohort_sql.median_durations(session, members)
    found = _inactive(list(learners.values()), days, now)
    for learner_id, module_id, started in open_modules:
        learner = learners[learner_id]
        median = medians.get(module_id)
        finished = learner.completed == learner.total
        if finished or median is None or module_id not in course.slugs:
            continue
        elapsed = (now - started).total_seconds()
        if elapsed > max(factor * median[0], MIN_SLOW_SECONDS):
            slug = course.slugs[module_id]
            found.append(_slow(learner, slug, started, elapsed, median))
    found.sort(key=lambda row: (row.handle, row.reason, row.module or ""))
    return found


def _inactive(
    learners: list[LearnerRow], days: int, now: datetime
) -> list[StuckLearner]:
    cutoff = now - timedelta(days=days)
    found = []
    for row in learners:
        if row.completed == row.total:
            continue
        # A learner with no event counts from when they were stored, so a
        # roster added today is not stuck today.
        last = row.last_activity
        since = last if last is not None else row.joined
        if since is None or since >= cutoff:
            continue
        idle = _idle_days(since, now)
        if last is None:
            detail = f"no event since joining on {_day(since)} ({_days(idle)} ago)"
        else:
            detail = f"no event for {_days(idle)} (last on {_day(since)})"
        found.append(
            StuckLearner(
                row.handle,
                row.display_name,
                "inactive",
                None,
                since,
                idle,
                None,
                detail,
            )
        )
    return found


def _slow(
    learner: LearnerRow,
    slug: str,
    started: datetime,
    elapsed: float,
    median: tuple[float, int],
) -> StuckLearner:
    days = round(elapsed / 86400, 1)
    typical = round(median[0] / 86400, 1)
    learners = "learner" if median[1] == 1 else "learners"
    return StuckLearner(
        learner.handle,
        learner.display_name,
        "slow",
        slug,
        started,
        days,
        typical,
        f"'{slug}' in progress for {_days(days)} since {_day(started)}; the cohort's "
        f"median is {_days(typical)}, from {median[1]} {learners}",
    )


def _idle_days(since: datetime, now: datetime) -> float:
    return round((now - since).total_seconds() / 86400, 1)


def _days(value: float) -> str:
    return f"{value:g} day" if value == 1 else f"{value:g} days"


def _day(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _check_sort(sort: str, allowed: tuple[str, ...]) -> None:
    if sort not in allowed:
        raise InputError(
            f"Cannot sort by {sort!r}. Choose one of: {', '.join(allowed)}."
        )
