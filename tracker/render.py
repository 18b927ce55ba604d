"""Plain-text rendering of library results for the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .progress import LearnerStatus, ModuleView, NextSteps, next_steps


def count_of(number: int, singular: str, plural: str | None = None) -> str:
    """Return "1 module" or "2 modules": the number with the noun that fits it."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


STATE_TEXT = {
    "completed": "completed",
    "in_progress": "in progress",
    "ready": "ready",
    "locked": "locked",
}


def hours_range(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return "-"
    if low == high:
        return f"{low:g} h"
    return f"{low:g}-{high:g} h"


def progress_bar(fraction: float, width: int = 30) -> str:
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "[" + "#" * filled + "." * (width - filled) + "]"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Render rows as left-aligned columns under a header line."""
    cells = [[str(h) for h in headers]] + [
        ["" if v is None else str(v) for v in row] for row in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _unestimated_note(names: list[str]) -> str:
    if not names:
        return ""
    plural = "module has" if len(names) == 1 else "modules have"
    return f" ({len(names)} {plural} no estimate: {', '.join(names)})"


def number(value: int | None) -> str:
    return f"{value:02d}" if value is not None else "--"


def waiting_for(module: ModuleView, by_slug: dict[str, ModuleView]) -> str:
    """Name the nearest unfinished prerequisites of a locked module.

    A missing prerequisite that another missing one also needs is left out, so
    ``spatial`` waits for ``dense`` rather than the whole chain under it.
    """
    missing = set(module.missing)
    nearest = [
        slug
        for slug in module.missing
        if not any(
            slug in by_slug[other].prerequisites
            for other in missing
            if other in by_slug
        )
    ]
    more = len(module.missing) - len(nearest)
    return ", ".join(nearest) + (f" (+{more} before)" if more else "")


def status_text(status: LearnerStatus) -> str:
    done, left = status.hours_done, status.hours_remaining
    by_slug = {m.slug: m for m in status.modules}
    upcoming = next_steps(status).recommendations
    lines = [
        f"Learner: {status.learner}",
        (
            f"Progress: {status.completed}/{status.total} modules completed "
            f"({status.percent:.1f}%) "
            f"{progress_bar(status.completed / (status.total or 1))}"
        ),
        f"Hours done: {hours_range(done.low, done.high)}"
        + _unestimated_note(done.unestimated),
        f"Hours remaining: {hours_range(left.low, left.high)}"
        + _unestimated_note(left.unestimated),
        "Next: "
        + (", ".join(r.slug for r in upcoming) if upcoming else "nothing is ready")
        + (" (see 'tt-progress next' for why)" if upcoming else ""),
        "",
        table(
            ["#", "module", "state", "difficulty", "hours", "waiting for"],
            [
                [
                    number(m.number),
                    m.slug,
                    STATE_TEXT[m.state],
                    m.difficulty or "-",
                    hours_range(m.hours_low, m.hours_high),
                    waiting_for(m, by_slug) if m.state == "locked" else "",
                ]
                for m in status.modules
            ],
        ),
    ]
    return "\n".join(lines)


def next_text(steps: NextSteps) -> str:
    left = steps.remaining
    target = f"to reach '{steps.goal}'" if steps.goal else "to finish the course"
    lines = []
    if not steps.recommendations:
        if steps.remaining_modules:
            lines.append(
                "No module is ready: finish the prerequisites listed by 'status'."
            )
        else:
            lines.append(
                "Everything is completed."
                if not steps.goal
                else f"'{steps.goal}' is completed."
            )
    for index, item in enumerate(steps.recommendations, start=1):
        lines.append(
            f"{index}. {item.slug} ({item.title}, {hours_range(item.hours_low, item.hours_high)})"
        )
        lines.append(f"   why: {item.reason}")
    lines.append("")
    lines.append(
        f"Remaining {target}: {hours_range(left.low, left.high)} over "
        f"{count_of(len(steps.remaining_modules), 'module')}"
        + _unestimated_note(left.unestimated)
    )
    return "\n".join(lines)
