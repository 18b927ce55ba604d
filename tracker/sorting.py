"""Sort keys of the cohort tables, and a sort that puts missing values last.

This module imports nothing heavy, so the command line can offer the keys as
choices without loading the database layer.
"""

from __future__ import annotations

from typing import Any

MODULE_SORTS = (
    "order",
    "completed",
    "in_progress",
    "ready",
    "locked",
    "percent",
    "median",
)
LEARNER_SORTS = (
    "handle",
    "completed",
    "percent",
    "hours_done",
    "hours_remaining",
    "last_activity",
    "next",
)


def sort_rows(rows: list[Any], attribute: str, reverse: bool = False) -> list[Any]:
    """Sort rows by one attribute, keeping the current order among equals.

    Rows whose value is None come last in both directions.
    """
    present = [row for row in rows if getattr(row, attribute) is not None]
    missing = [row for row in rows if getattr(row, attribute) is None]
    present.sort(key=lambda row: getattr(row, attribute), reverse=reverse)
    return present + missing
