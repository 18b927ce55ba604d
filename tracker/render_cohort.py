"""Plain-text rendering of the cohort tables, stuck learners and import reports."""

from __future__ import annotations

from datetime import datetime, timezone

from .cohort import CohortStatus, LearnerRow, StuckLearner
from .imports import ImportReport
from .membership import CohortSummary, MembershipChange
from .render import hours_range, number, table


def _when(value: datetime | None) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M") if value else "-"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def status_text(status: CohortStatus) -> str:
    scope = f"Cohort {status.cohort}" if status.cohort else "All learners"
    lines = [f"{scope}: {_plural(status.learners, 'learner')}", ""]
    lines.append(
        table(
            [
                "#",
                "module",
                "completed",
                "in progress",
                "ready",
                "locked",
                "done",
                "median",
                "estimate",
            ],
            [
                [
                    number(m.number),
                    m.slug,
                    m.completed,
                    m.in_progress,
                    m.ready,
                    m.locked,
                    f"{m.percent:.1f}%",
                    f"{m.median_hours:g} h" if m.median_hours is not None else "-",
                    hours_range(m.hours_low, m.hours_high),
                ]
                for m in status.modules
            ],
        )
    )
    return "\n".join(lines)


def learners_text(rows: list[LearnerRow]) -> str:
    return table(
        [
            "learner",
            "name",
            "completed",
            "done",
            "hours done",
            "hours left",
            "last activity (UTC)",
            "next",
        ],
        [
            [
                row.handle,
                row.display_name or "",
                f"{row.completed}/{row.total}",
                f"{row.percent:.1f}%",
                hours_range(row.hours_done_low, row.hours_done_high),
                hours_range(row.hours_remaining_low, row.hours_remaining_high),
                _when(row.last_activity),
                row.next or "-",
            ]
            for row in rows
        ],
    )


def stuck_text(rows: list[StuckLearner]) -> str:
    if not rows:
        return "No learner is stuck."
    return table(
        ["learner", "reason", "why"],
        [[row.handle, row.reason, row.detail] for row in rows],
    )


def cohorts_text(rows: list[CohortSummary]) -> str:
    if not rows:
        return "No cohorts yet. Create one with: tt-progress cohort create NAME"
    return table(
        ["cohort", "learners", "created (UTC)"],
        [
            [row.name, row.members, row.created_at[:16].replace("T", " ")]
            for row in rows
        ],
    )


def membership_text(
    change: MembershipChange, verb: str, preposition: str, unchanged: str
) -> str:
    """Describe a membership change, such as "Added 2 learners to 'fall': a, b."."""
    names = ": " + ", ".join(change.changed) if change.changed else ""
    count = _plural(len(change.changed), "learner")
    lines = [f"{verb} {count} {preposition} '{change.cohort}'{names}."]
    if change.unchanged:
        lines.append(f"{unchanged}: {', '.join(change.unchanged)}.")
    return "\n".join(lines)


def import_text(report: ImportReport) -> str:
    """Summarise an import, such as "Stored 4 new events from f.json (4 rows ...)."."""
    return (
        f"Stored {_plural(report.inserted, 'new event')} from {report.source} "
        f"({_plural(report.rows, 'row')} for {_plural(report.learners, 'learner')}: "
        f"{report.duplicates} already stored, {len(report.skipped)} skipped)."
    )
