"""Exports of the cohort tables and the event log as CSV, JSON or JSON Lines.

CSV files are UTF-8 and safe to open in a spreadsheet. A text cell that a
spreadsheet would read as a formula gets an apostrophe in front (see
`neutralise`), and numbers are written as numbers. JSON keeps the raw values.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from .cohort import cohort_learners, cohort_status
from .db import Database
from .errors import InputError
from .imports import EVENT_COLUMNS, FORMULA_STARTS, NEUTRAL_MARK
from .membership import find_cohort
from .models import CohortMember, Event, Learner, Module
from .output_files import check_folder, replace_when_done

TABLES = ("learners", "modules", "events")
FORMATS = ("csv", "json", "jsonl")
LEARNER_COLUMNS = (
    "handle",
    "display_name",
    "completed",
    "total",
    "percent",
    "hours_done_low",
    "hours_done_high",
    "hours_remaining_low",
    "hours_remaining_high",
    "last_activity",
    "next",
)
MODULE_COLUMNS = (
    "slug",
    "number",
    "title",
    "completed",
    "in_progress",
    "ready",
    "locked",
    "percent",
    "median_hours",
    "median_samples",
    "hours_low",
    "hours_high",
)
EVENTS_PER_FETCH = 5000


def neutralise(value: Any) -> Any:
    """Return a CSV cell value that no spreadsheet runs as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab, a line break or an
    apostrophe gets an apostrophe in front. Numbers and None pass unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return NEUTRAL_MARK + value
    return value


def write_csv(
    stream: TextIO, columns: Iterable[str], rows: Iterable[dict[str, Any]]
) -> int:
    """Write rows as CSV with a header line; return how many rows were written."""
    names = list(columns)
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(names)
    count = 0
    for row in rows:
        writer.writerow([neutralise(row.get(name)) for name in names])
        count += 1
    return count


def write_json(stream: TextIO, rows: Iterable[dict[str, Any]]) -> int:
    """Write rows as one JSON array, an object per line; return the row count."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    count = 0
    stream.write("[")
    for row in rows:
        stream.write(",\n  " if count else "\n  ")
        stream.write(encode(row))
        count += 1
    stream.write("\n]\n" if count else "]\n")
    return count


def write_json_lines(stream: TextIO, rows: Iterable[dict[str, Any]]) -> int:
    encode = json.JSONEncoder(ensure_ascii=False).encode
    count = 0
    for row in rows:
        stream.write(encode(row) + "\n")
        count += 1
    return count


def event_rows(session: Session, cohort: str | None = None) -> Iterator[dict[str, Any]]:
    """Return the event log in the order events happened, in the import format.

    The cohort is looked up before the first row is read, so an unknown name
    raises here rather than after a caller has started writing.
    """
    query = (
        select(
            Event.uid,
            Learner.handle,
            Module.slug,
            Event.kind,
            Event.occurred_at,
            Event.source,
        )
        .join(Learner, Learner.id == Event.learner_id)
        .join(Module, Module.id == Event.module_id)
        .order_by(Event.occurred_at, Event.id)
    )
    if cohort is not None:
        members = select(CohortMember.learner_id).where(
            CohortMember.cohort_id == find_cohort(session, cohort).id
        )
        query = query.where(Event.learner_id.in_(members))
    return _event_dicts(session, query)


def _event_dicts(session: Session, query: Any) -> Iterator[dict[str, Any]]:
    result = session.execute(query.execution_options(yield_per=EVENTS_PER_FETCH))
    for uid, handle, slug, kind, occurred_at, source in result:
        yield {
            "uid": uid,
            "user": handle,
            "module": slug,
            "kind": kind,
            "time": occurred_at.isoformat(),
            "source": source,
        }


def export_table(
    database: Database,
    table: str,
    fmt: str,
    output: str | Path | None = None,
    stream: TextIO | None = None,
    cohort: str | None = None,
) -> int:
    """Write the learner table, the module table or the event log; return the rows.

    It goes to ``output`` (replaced only once complete) or else to ``stream``.
    CSV files start with a UTF-8 byte order mark, which spreadsheet programs
    need to detect UTF-8; a stream gets none.
    """
    if table not in TABLES:
        raise InputError(f"Unknown table {table!r}; choose one of {', '.join(TABLES)}.")
    if fmt not in FORMATS:
        raise InputError(f"Unknown format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    if output is None and stream is None:
        raise InputError("Give an output file or a stream to write to.")
    if output is not None:
        check_folder(Path(output), "the export")
    if table == "events":
        with database.session() as session:
            events = event_rows(session, cohort)
            with _target(output, stream, fmt) as target:
                return _write(target, fmt, EVENT_COLUMNS, events)
    columns: tuple[str, ...] = LEARNER_COLUMNS
    if table == "learners":
        rows = [row.as_dict() for row in cohort_learners(database, cohort)]
    else:
        columns = MODULE_COLUMNS
        rows = [row.as_dict() for row in cohort_status(database, cohort).modules]
    with _target(output, stream, fmt) as target:
        return _write(target, fmt, columns, rows)


def _write(
    stream: TextIO, fmt: str, columns: tuple[str, ...], rows: Iterable[dict[str, Any]]
) -> int:
    if fmt == "csv":
        return write_csv(stream, columns, rows)
    if fmt == "json":
        return write_json(stream, rows)
    return write_json_lines(stream, rows)


@contextmanager
def _target(
    output: str | Path | None, stream: TextIO | None, fmt: str
) -> Iterator[TextIO]:
    if output is None:
        assert stream is not None
        yield stream
        return
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
    with replace_when_done(Path(output), "the export", encoding) as handle:
        yield handle
