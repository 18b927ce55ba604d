"""Import progress events from CSV, JSON Lines, JSON or TinyTorch's tito file.

An import is one transaction: a bad row fails it with its line number and
writes nothing, unless invalid rows are skipped on request. Every event has a
uid (the file's, or one derived from its content), so importing the same file
twice stores each event once.
"""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from .bulk import BATCH, batches, ensure_learners, insert_events, rebuild_progress
from .csv_text import csv_problem, strict_reader
from .db import Database, utcnow
from .errors import InputError
from .learners import current_handle, normalize_handle, resolve_module
from .progress import EVENT_KINDS, parse_time
from .schema import events, learners, modules

EVENT_COLUMNS = ("uid", "user", "module", "kind", "time", "source")
REQUIRED_COLUMNS = ("user", "module", "kind", "time")
# Derived uids are UUID 5 values in this namespace, over the learner, the
# module, the kind and the UTC instant of the event.
EVENT_NAMESPACE = uuid.UUID("5b0f6f2e-8f4c-4d0e-9a51-3c1d2e7a9b40")
# CSV exports put an apostrophe before text that a spreadsheet could read as
# a formula, and before text that starts with an apostrophe itself (see
# exchange.neutralise). Reading a CSV cell removes one apostrophe when one of
# these characters follows it, so an export reads back exactly.
NEUTRAL_MARK = "'"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", NEUTRAL_MARK)

Record = dict[str, Any]


@dataclass
class SkippedRow:
    location: str
    message: str


@dataclass
class ImportReport:
    """Counts of one import: rows read, events stored, learners, skipped rows."""

    source: str
    rows: int = 0
    inserted: int = 0
    learners: int = 0
    skipped: list[SkippedRow] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        return self.rows - len(self.skipped) - self.inserted

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["duplicates"] = self.duplicates
        return data


def event_uid(handle: str, module: str, kind: str, occurred_at: datetime) -> str:
    """Return the uid of an event that came without one; the same event, the same uid."""
    key = f"{handle}\x1f{module}\x1f{kind}\x1f{occurred_at.isoformat()}"
    return str(uuid.uuid5(EVENT_NAMESPACE, key))


def import_events(
    database: Database,
    path: str | Path,
    *,
    skip_invalid: bool = False,
    source: str = "import",
) -> ImportReport:
    """Import a file of events: CSV with a header, JSON Lines, or a JSON array.

    Each row has ``user``, ``module``, ``kind`` (started, completed, reset) and
    ``time`` (ISO 8601; without an offset it is local time), and may have
    ``uid`` and ``source``. The format is chosen by the suffix (``.csv``,
    ``.jsonl``, ``.json``), or by the first character for other names.
    """
    target = Path(path)
    return _import(database, target, read_event_file(target), skip_invalid, source)


def import_tito(
    database: Database,
    path: str | Path,
    user: str | None = None,
    *,
    skip_invalid: bool = False,
) -> ImportReport:
    """Import the progress file TinyTorch's ``tito`` writes, for one learner.

    Each entry of ``completed_modules`` (``01_setup``) becomes a completion at
    its time in ``completion_dates``, which tito writes without an offset and
    is therefore read as local time.
    """
    target = Path(path)
    handle = current_handle(user)
    return _import(
        database, target, read_tito_file(target, handle), skip_invalid, "tito"
    )


def _import(
    database: Database,
    path: Path,
    records: Iterator[tuple[str, Record]],
    skip_invalid: bool,
    source: str,
) -> ImportReport:
    report = ImportReport(source=str(path))
    now = utcnow()
    # NOTE: on SQLite the whole import holds the write lock, so a learner
    # command waits (TT_PROGRESS_BUSY_TIMEOUT) while a large file is read in,
    # and fails as busy if the import takes longer than that.
    with database.session(write=True) as session:
        resolver = _ModuleResolver(session)
        learner_ids: dict[str, int] = {}
        uids = _UidCheck()
        pending: list[dict[str, Any]] = []

        def store() -> None:
            for event, problem in uids.conflicts(session, pending):
                if not skip_invalid:
                    raise InputError(f"{path}, {event['location']}: {problem}")
                report.skipped.append(SkippedRow(event["location"], problem))
                pending.remove(event)
            report.inserted += _store(session, pending, learner_ids, now)

        for location, record in records:
            report.rows += 1
            try:
                pending.append(
                    {**_event(record, resolver, source), "location": location}
                )
            except InputError as err:
                if not skip_invalid:
                    raise InputError(f"{path}, {location}: {err}") from None
                report.skipped.append(SkippedRow(location, str(err)))
                continue
            if len(pending) >= BATCH:
                store()
                pending = []
        store()
        report.learners = len(learner_ids)
        if report.inserted:
            rebuild_progress(session, learner_ids.values(), now)
    return report


def _store(
    session: Session,
    events: list[dict[str, Any]],
    learner_ids: dict[str, int],
    now: datetime,
) -> int:
    new = {event["handle"] for event in events} - learner_ids.keys()
    if new:
        learner_ids.update(ensure_learners(session, new, now))
    rows = [
        {
            "uid": event["uid"],
            "learner_id": learner_ids[event["handle"]],
            "module_id": event["module_id"],
            "kind": event["kind"],
            "occurred_at": event["occurred_at"],
            "recorded_at": now,
            "source": event["source"],
        }
        for event in events
    ]
    return insert_events(session, rows)


class _UidCheck:
    """Find rows whose uid another event already has, in the database or the file.

    The same uid with the same learner, module, kind and time is the same
    event imported again, and is skipped silently by the insert.
    """

    def __init__(self) -> None:
        # uid -> (handle, module id, kind, time) and the location of its row
        self.seen: dict[str, tuple[tuple[Any, ...], str]] = {}

    def conflicts(
        self, session: Session, events: list[dict[str, Any]]
    ) -> list[tuple[dict[str, Any], str]]:
        stored = self._stored(session, [event["uid"] for event in events])
        found = []
        fix = "Give each event its own uid, or leave the uid empty to derive one."
        for event in events:
            uid = event["uid"]
            content = _content(event)
            if uid in self.seen and self.seen[uid][0] != content:
                problem = (
                    f"the uid {uid!r} is also given to a different event on "
                    f"{self.seen[uid][1]}. {fix}"
                )
                found.append((event, problem))
            elif uid in stored and stored[uid][0] != content:
                problem = (
                    f"the uid {uid!r} is already stored for a different event "
                    f"({stored[uid][1]}). {fix}"
                )
                found.append((event, problem))
            else:
                self.seen.setdefault(uid, (content, event["location"]))
        return found

    @staticmethod
    def _stored(
        session: Session, uids: list[str]
    ) -> dict[str, tuple[tuple[Any, ...], str]]:
        stored = {}
        for batch in batches(sorted(set(uids)), BATCH):
            query = (
                select(
                    events.c.uid,
                    learners.c.handle,
                    events.c.module_id,
                    modules.c.slug,
                    events.c.kind,
                    events.c.occurred_at,
                )
                .join(learners, learners.c.id == events.c.learner_id)
                .join(modules, modules.c.id == events.c.module_id)
                .where(events.c.uid.in_(batch))
            )
            for uid, handle, module_id, slug, kind, occurred_at in session.execute(
                query
            ):
                content = (handle, module_id, kind, occurred_at)
                text = f"{handle} {kind} {slug} at {occurred_at.isoformat()}"
                stored[uid] = (content, text)
        return stored


def _content(event: dict[str, Any]) -> tuple[Any, ...]:
    return (event["handle"], event["module_id"], event["kind"], event["occurred_at"])


class _ModuleResolver:
    """Resolve module names once per distinct name, remembering failures too."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.found: dict[str, Row[Any] | InputError] = {}

    def __call__(self, name: str) -> Row[Any]:
        result = self.found.get(name)
        if result is None:
            try:
                result = resolve_module(self.session, name)
            except InputError as err:
                result = err
            self.found[name] = result
        if isinstance(result, InputError):
            raise result
        return result


def _text(record: Record, key: str) -> str:
    value = record.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InputError(f"the {key} is missing.")
    if not isinstance(value, str):
        raise InputError(f"the {key} {value!r} is not text.")
    return value.strip()


def _event(
    record: Record, resolve: _ModuleResolver, default_source: str
) -> dict[str, Any]:
    if "_error" in record:
        raise InputError(record["_error"])

    handle = normalize_handle(_text(record, "user"))
    module = resolve(_text(record, "module"))
    kind = _text(record, "kind").lower()
    if kind not in EVENT_KINDS:
        raise InputError(
            f"unknown kind {kind!r}; expected one of {', '.join(EVENT_KINDS)}."
        )
    occurred_at = parse_time(_text(record, "time"), "time")
    assert occurred_at is not None

    uid = record.get("uid")
    if uid is None or (isinstance(uid, str) and not uid.strip()):
        uid = event_uid(handle, module.slug, kind, occurred_at)
    elif not isinstance(uid, str) or len(uid.strip()) > 36:
        raise InputError(f"the uid {uid!r} is not text of at most 36 characters.")

    source = record.get("source")
    if not isinstance(source, str) or not source.strip():
        source = default_source
    if len(source) > 100:
        raise InputError(
            f"the source {source[:20]!r}... is longer than 100 characters."
        )
    return {
        "handle": handle,
        "module_id": module.id,
        "kind": kind,
        "occurred_at": occurred_at,
        "uid": uid.strip(),
        "source": source.strip(),
    }


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"Cannot read {str(path)!r}: {err.strerror}.") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise InputError(
            f"{path}, line {line}: the file is not UTF-8 text (byte "
            f"0x{data[err.start]:02x}). Save it as UTF-8."
        ) from None


def read_event_file(path: Path) -> Iterator[tuple[str, Record]]:
    """Read (location, record) pairs from a CSV, JSON Lines or JSON array file."""
    text = _read_text(path)
    suffix = path.suffix.lower()
    first = text.lstrip()[:1]
    if suffix == ".csv" or (
        suffix not in (".json", ".jsonl", ".ndjson") and first not in "[{"
    ):
        return _csv_records(path, text)
    if first == "[":
        return _json_array_records(path, text)
    return _json_lines_records(text)


def _csv_records(path: Path, text: str) -> Iterator[tuple[str, Record]]:
    reader = strict_reader(text)
    try:
        first = next(reader, None)
    except csv.Error as err:
        raise InputError(f"{path}, line 1: {csv_problem(err)}") from None
    if first is None:
        return iter(())
    header = [restore_cell(cell).strip().lower() for cell in first]
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise InputError(
            f"{path}, line 1: the header names {', '.join(map(repr, repeated))} more "
            "than once. Keep one column of each name."
        )
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise InputError(
            f"{path} has no column {', '.join(repr(c) for c in missing)} in its header "
            f"line. The header must name: {','.join(EVENT_COLUMNS)} (uid and source "
            "are optional)."
        )
    return _csv_rows(reader, header)


def _csv_rows(reader: Any, header: list[str]) -> Iterator[tuple[str, Record]]:
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            yield f"line {line}", {"_error": csv_problem(err)}
            return
        if not any(cell.strip() for cell in row):
            continue
        record = {
            column: restore_cell(cell) for column, cell in zip(header, row) if column
        }
        if len(row) > len(header):
            record["_error"] = f"{len(row)} cells but the header names {len(header)}."
        yield f"line {line}", record


def restore_cell(cell: str) -> str:
    """Undo `exchange.neutralise` on one CSV cell."""
    if cell.startswith(NEUTRAL_MARK) and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def _json_lines_records(text: str) -> Iterator[tuple[str, Record]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        yield f"line {number}", _json_record(line)


def _json_record(line: str) -> Record:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as err:
        return {"_error": f"invalid JSON ({err.msg} at column {err.colno})."}
    if not isinstance(value, dict):
        return {"_error": "the line is not a JSON object."}
    return value


def _json_array_records(path: Path, text: str) -> Iterator[tuple[str, Record]]:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(
            f"{path}, line {err.lineno}: invalid JSON ({err.msg} at column {err.colno})."
        ) from None
    for number, item in enumerate(items, start=1):
        if isinstance(item, dict):
            yield f"item {number}", item
        else:
            yield f"item {number}", {"_error": "the item is not a JSON object."}


def read_tito_file(path: Path, handle: str) -> Iterator[tuple[str, Record]]:
    """Read tito's ``completed_modules`` and ``completion_dates`` as event records."""
    text = _read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(
            f"{path}, line {err.lineno}: invalid JSON ({err.msg} at column {err.colno})."
        ) from None
    completed = data.get("completed_modules") if isinstance(data, dict) else None
    dates = data.get("completion_dates", {}) if isinstance(data, dict) else None
    if not isinstance(completed, list) or not isinstance(dates, dict):
        raise InputError(
            f"{path} is not a tito progress file: it needs a 'completed_modules' list "
            "and a 'completion_dates' mapping."
        )
    return _tito_records(completed, dates, handle)


def _tito_records(
    completed: list[Any], dates: dict[str, Any], handle: str
) -> Iterator[tuple[str, Record]]:
    for index, key in enumerate(completed):
        location = f"completed_modules[{index}] ({key!r})"
        if not isinstance(key, str):
            yield location, {"_error": "the module name is not text."}
            continue
        when = dates.get(key)
        if when is None:
            yield location, {"_error": f"'completion_dates' has no date for {key!r}."}
            continue
        yield (
            location,
            {"user": handle, "module": key, "kind": "completed", "time": when},
        )
