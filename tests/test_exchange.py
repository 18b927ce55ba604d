"""Exports (CSV, JSON, JSON Lines) and imports of events and tito files."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import pytest
from cohort_data import COHORT, build_class, days_ago, iso, now_utc
from sqlalchemy import func, select, update

from tracker.bulk import BATCH
from tracker.db import open_database
from tracker.errors import InputError
from tracker.exchange import export_table, neutralise
from tracker.imports import event_uid, import_events, import_tito, restore_cell
from tracker.membership import add_members, create_cohort
from tracker.models import Event, Learner, Module, Progress
from tracker.progress import record_events

BOM = "\ufeff"
HOSTILE = ["=1+2", "+sum(a1)", "-2", "@cmd", "'quoted", "ana"]


@pytest.fixture
def local_zone(monkeypatch):
    """Set the local time zone for one test; the process zone is restored after."""

    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()


def count(database, model) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def snapshot(database) -> dict[str, list[tuple]]:
    """Every row of the learner, event and progress tables."""
    with database.session() as session:
        return {
            model.__table__.name: sorted(
                tuple(row) for row in session.execute(select(model.__table__))
            )
            for model in (Learner, Event, Progress)
        }


def read_csv(path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[1:], newline="")))


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+sum(a1)", "'+sum(a1)"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\nx", "'\nx"),
        ("'x", "''x"),
        ("a=b", "a=b"),
        (-2, -2),
        (17.6, 17.6),
        (None, None),
    ],
)
def test_neutralise(value, cell):
    assert neutralise(value) == cell
    if isinstance(value, str):
        assert restore_cell(cell) == value


@pytest.mark.parametrize("cell", ["'bob", "'", "it's", "2025-01-01T00:00:00Z"])
def test_restore_keeps_other_apostrophes(cell):
    assert restore_cell(cell) == cell


def _hostile_class(database, tmp_path):
    now = now_utc()
    lines = ["user,module,kind,time"]
    for index, handle in enumerate(HOSTILE):
        quoted = '"' + handle.replace('"', '""') + '"'
        lines.append(f"{quoted},introduction,completed,{iso(days_ago(now, 9 - index))}")
    source = tmp_path / "hostile.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_events(database, source)
    roster = tmp_path / "roster.csv"
    roster.write_text(
        'handle,display_name\nana,"=HYPERLINK(""http://example.org"",""x"")"\n'
        "-2,-Minus\n",
        encoding="utf-8",
    )
    create_cohort(database, "odd")
    add_members(database, "odd", HOSTILE, roster)
    return now


def test_hostile_learner_csv(run, database, tmp_path):
    now = _hostile_class(database, tmp_path)
    target = tmp_path / "learners.csv"
    result = run("cohort", "export", "--cohort", "odd", "--output", str(target))
    assert result.stderr == f"Wrote 6 rows to {target}\n"
    rows = read_csv(target)
    assert rows[0] == [
        "handle", "display_name", "completed", "total", "percent", "hours_done_low",
        "hours_done_high", "hours_remaining_low", "hours_remaining_high",
        "last_activity", "next",
    ]  # fmt: skip
    assert [row[0] for row in rows[1:]] == [
        "''quoted", "'+sum(a1)", "'-2", "'=1+2", "'@cmd", "ana",
    ]  # fmt: skip
    assert rows[3][1] == "'-Minus"
    assert rows[6][1] == '\'=HYPERLINK("http://example.org","x")'
    text = target.read_bytes().decode("utf-8")
    assert (
        f"'-2,'-Minus,1,17,5.9,1.0,2.0,82.0,105.0,{iso(days_ago(now, 7))},setup\r\n"
        in text
    )


def test_hostile_events_round_trip(run, database, tmp_path):
    _hostile_class(database, tmp_path)
    exported = tmp_path / "events.csv"
    run("export", "events", "--output", str(exported))
    rows = read_csv(exported)
    assert rows[0] == ["uid", "user", "module", "kind", "time", "source"]
    assert [row[1] for row in rows[1:]] == [
        "'=1+2", "'+sum(a1)", "'-2", "'@cmd", "''quoted", "ana",
    ]  # fmt: skip
    again = run("import", "events", str(exported))
    assert "Stored 0 new events" in again.stdout
    assert "(6 rows for 6 learners: 6 already stored, 0 skipped)" in again.stdout

    copy_url = f"sqlite:///{tmp_path / 'copy.db'}"
    run("import", "events", str(exported), "--db", copy_url)
    copied = tmp_path / "copy.csv"
    run("export", "events", "--output", str(copied), "--db", copy_url)
    assert copied.read_bytes() == exported.read_bytes()
    copy = open_database(copy_url)
    with copy.session() as session:
        handles = sorted(session.scalars(select(Learner.handle)))
    copy.dispose()
    assert handles == sorted(HOSTILE)


def test_json_exports_keep_raw_values(run, database):
    now = now_utc()
    build_class(database, now)
    learners = json.loads(
        run("cohort", "export", "--cohort", "fall", "--format", "json").stdout
    )
    assert learners[0]["handle"] == "ana"
    assert learners[0]["percent"] == 17.6
    assert learners[2]["last_activity"] is None
    modules = json.loads(
        run("cohort", "export", "--table", "modules", "--format", "json", "--cohort",
            "fall").stdout
    )  # fmt: skip
    assert modules[1]["slug"] == "setup"
    assert modules[1]["median_hours"] == 36.0
    events = json.loads(
        run("cohort", "export", "--table", "events", "--format", "json", "--cohort",
            "fall").stdout
    )  # fmt: skip
    assert len(events) == 13
    assert events[0] == {
        "uid": events[0]["uid"],
        "user": "dee",
        "module": "introduction",
        "kind": "completed",
        "time": iso(days_ago(now, 40)),
        "source": "cli",
    }


def test_module_table_csv(run, database):
    build_class(database, now_utc())
    text = run("cohort", "export", "--table", "modules", "--cohort", COHORT).stdout
    lines = text.splitlines()
    assert lines[0] == (
        "slug,number,title,completed,in_progress,ready,locked,percent,median_hours,"
        "median_samples,hours_low,hours_high"
    )
    assert lines[2] == "setup,1,Development Environment,2,0,1,1,50.0,36.0,2,1.0,2.0"
    assert lines[4] == "activations,3,Activation Functions,0,1,0,3,0.0,,0,3.0,4.0"


def test_import_events_csv_with_local_times(run, database, tmp_path, local_zone):
    local_zone("Asia/Kolkata")
    source = tmp_path / "events.csv"
    source.write_text(
        "user,module,kind,time\n"
        "Ana,01_setup,started,2025-09-19T10:00:00\n"
        "ana,setup,completed,2025-09-19T12:30:00+00:00\n"
        "ben,cnn,started,2025-09-20T08:00:00Z\n",
        encoding="utf-8",
    )
    result = run("import", "events", str(source))
    assert result.stdout == (
        f"Stored 3 new events from {source} (3 rows for 2 learners: 0 already stored, "
        "0 skipped).\n"
    )
    with database.session() as session:
        rows = session.execute(
            select(Learner.handle, Progress.status, Progress.started_at,
                   Progress.completed_at)
            .join(Learner, Learner.id == Progress.learner_id)
            .order_by(Learner.handle)
        ).all()  # fmt: skip
    assert [(h, s, iso(a), b and iso(b)) for h, s, a, b in rows] == [
        ("ana", "completed", "2025-09-19T04:30:00+00:00", "2025-09-19T12:30:00+00:00"),
        ("ben", "in_progress", "2025-09-20T08:00:00+00:00", None),
    ]
    again = run("import", "events", str(source))
    assert "Stored 0 new events" in again.stdout
    assert count(database, Event) == 3


def test_import_json_lines_with_uids(run, database, tmp_path):
    source = tmp_path / "events.jsonl"
    source.write_text(
        '{"uid": "abc-1", "user": "ana", "module": "introduction", "kind": "started",'
        ' "time": "2025-01-01T10:00:00Z", "source": "lms"}\n'
        "\n"
        '{"user": "ana", "module": "introduction", "kind": "completed",'
        ' "time": "2025-01-01T12:00:00Z"}\n',
        encoding="utf-8",
    )
    report = json.loads(run("import", "events", str(source), "--json").stdout)
    assert report["inserted"] == 2
    assert report["duplicates"] == 0
    with database.session() as session:
        events = session.execute(
            select(Event.uid, Event.kind, Event.source).order_by(Event.occurred_at)
        ).all()
    from datetime import datetime, timezone

    derived = event_uid(
        "ana",
        "introduction",
        "completed",
        datetime(2025, 1, 1, 12, tzinfo=timezone.utc),
    )
    assert [tuple(e) for e in events] == [
        ("abc-1", "started", "lms"),
        (derived, "completed", "import"),
    ]
    again = json.loads(run("import", "events", str(source), "--json").stdout)
    assert (again["rows"], again["inserted"], again["duplicates"]) == (2, 0, 2)
    assert count(database, Event) == 2


BAD_ROWS = (
    "user,module,kind,time\n"
    "ana,introduction,started,2025-01-01T10:00:00Z\n"
    "ana,tensr,completed,2025-01-01T12:00:00Z\n"
    "ben,setup,finished,2025-01-02T12:00:00Z\n"
    "ben,setup,started,yesterday\n"
    ",setup,started,2025-01-02T12:00:00Z\n"
    "cy,setup,started,2999-01-01T00:00:00Z\n"
    "cy,introduction,completed,2025-01-03T12:00:00Z\n"
)


def test_bad_row_fails_whole_import(run, database, tmp_path):
    source = tmp_path / "events.csv"
    source.write_text(BAD_ROWS, encoding="utf-8")
    result = run("import", "events", str(source), exit_code=2)
    assert result.stderr == (
        f"Error: {source}, line 3: Unknown module 'tensr'. Did you mean 'tensor'? "
        "Run 'tt-progress modules' to list the modules.\n"
    )
    assert count(database, Event) == 0
    assert count(database, Learner) == 0
    assert count(database, Progress) == 0


def test_skip_invalid_reports_every_row(run, database, tmp_path):
    source = tmp_path / "events.csv"
    source.write_text(BAD_ROWS, encoding="utf-8")
    result = run("import", "events", str(source), "--skip-invalid")
    assert result.stdout == (
        f"Stored 2 new events from {source} (7 rows for 2 learners: 0 already stored, "
        "5 skipped).\n"
    )
    skipped = result.stderr.splitlines()
    assert [line.split(":")[0] for line in skipped] == [
        "Skipped line 3", "Skipped line 4", "Skipped line 5", "Skipped line 6",
        "Skipped line 7",
    ]  # fmt: skip
    assert (
        "unknown kind 'finished'; expected one of started, completed, reset."
        in skipped[1]
    )
    assert "time 'yesterday' is not an ISO 8601 time" in skipped[2]
    assert "the user is missing." in skipped[3]
    assert "is in the future" in skipped[4]
    assert count(database, Event) == 2


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("e.csv", "who,module,kind,time\nana,setup,started,2025-01-01T00:00:00Z\n",
         "has no column 'user' in its header line"),
        ("e.json", '[{"user": "ana"', "line 1: invalid JSON"),
        ("e.jsonl", '{"user": "ana", "module": "setup"}\n', "line 1: the kind is missing."),
        ("e.jsonl", "[1]\n", "item 1: the item is not a JSON object."),
        ("e.jsonl", "{nope\n", "line 1: invalid JSON"),
        ("e.csv", "user,user,module,kind,time\nx,y,tensor,completed,2025-01-01T00:00:00Z\n",
         "line 1: the header names 'user' more than once."),
        ("e.csv", ('user,module,kind,time\nana,setup,started,2025-01-01T00:00:00Z\n'
                   '"ana,tensor,completed,2025-01-02T00:00:00Z\n'),
         "line 3: a quoted cell that starts on this line is never closed."),
    ],
)  # fmt: skip
def test_invalid_files(run, database, tmp_path, name, text, message):
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    result = run("import", "events", str(source), exit_code=2)
    assert message in result.stderr
    assert count(database, Event) == 0


def test_missing_file(run, tmp_path):
    result = run("import", "events", str(tmp_path / "none.csv"), exit_code=2)
    assert "Cannot read" in result.stderr
    assert "No such file or directory" in result.stderr


@pytest.mark.parametrize(
    ("zone", "times"),
    [
        (
            "America/New_York",
            ["2025-09-19T14:21:11.081117+00:00", "2025-09-19T14:21:34.831693+00:00",
             "2025-09-19T14:21:50+00:00", "2025-09-19T14:21:55+00:00"],
        ),
        (
            "Asia/Tokyo",
            ["2025-09-19T01:21:11.081117+00:00", "2025-09-19T01:21:34.831693+00:00",
             "2025-09-19T01:21:50+00:00", "2025-09-19T01:21:55+00:00"],
        ),
    ],
)  # fmt: skip
def test_import_tito(run, database, tito_progress_file, local_zone, zone, times):
    local_zone(zone)
    result = run("import", "tito", str(tito_progress_file), "--user", "Ada")
    assert result.stdout == (
        f"Stored 4 new events from {tito_progress_file} (4 rows for 1 learner: "
        "0 already stored, 0 skipped).\n"
    )
    status = json.loads(run("status", "--json", "--user", "ada").stdout)
    completed = {
        m["slug"]: m["completed_at"]
        for m in status["modules"]
        if m["state"] == "completed"
    }
    assert completed == dict(zip(["setup", "tensor", "activations", "layers"], times))
    again = run("import", "tito", str(tito_progress_file), "--user", "ada")
    assert "Stored 0 new events" in again.stdout
    assert "4 already stored" in again.stdout
    assert count(database, Event) == 4


def test_tito_file_without_modules(run, database, tmp_path):
    source = tmp_path / "progress.json"
    source.write_text('{"achievements": []}', encoding="utf-8")
    result = run("import", "tito", str(source), exit_code=2)
    assert "is not a tito progress file" in result.stderr
    source.write_text(
        '{"completed_modules": ["01_setup", "02_tensor"], '
        '"completion_dates": {"01_setup": "2025-09-19T10:21:11"}}',
        encoding="utf-8",
    )
    failed = run("import", "tito", str(source), exit_code=2)
    assert (
        "completed_modules[1] ('02_tensor'): 'completion_dates' has no date"
        in failed.stderr
    )
    assert count(database, Event) == 0
    skipped = run("import", "tito", str(source), "--skip-invalid")
    assert "Stored 1 new event from" in skipped.stdout


@pytest.mark.parametrize(
    "export",
    [
        ("export", "events", "--format", "jsonl"),
        ("cohort", "export", "--table", "events", "--format", "json"),
    ],
)
def test_json_event_exports_round_trip(run, database, tmp_path, export):
    build_class(database, now_utc())
    exported = tmp_path / "events.json"
    run(*export, "--output", str(exported))
    copy_url = f"sqlite:///{tmp_path / 'copy.db'}"
    imported = run("import", "events", str(exported), "--db", copy_url)
    assert "Stored 15 new events" in imported.stdout
    assert "(15 rows for 4 learners" in imported.stdout
    copied = tmp_path / "copy.json"
    run(*export, "--output", str(copied), "--db", copy_url)
    assert copied.read_bytes() == exported.read_bytes()


OUTPUT_COMMANDS = [
    ("cohort", "export", "--output", "{path}"),
    ("cohort", "export", "--table", "modules", "--format", "json", "-o", "{path}"),
    ("export", "events", "--output", "{path}"),
    ("cohort", "report", "--output", "{path}"),
    ("chart", "cohort", "--output", "{path}.png"),
    ("chart", "funnel", "--output", "{path}.svg"),
]


@pytest.mark.parametrize("command", OUTPUT_COMMANDS)
def test_unwritable_output_fails_cleanly(run, database, tmp_path, command):
    build_class(database, now_utc())
    folder = tmp_path / "out"
    for name in ("dir", "dir.png", "dir.svg"):
        (folder / name).mkdir(parents=True)
    plain_file = tmp_path / "plain.txt"
    plain_file.write_text("keep", encoding="utf-8")
    cases = {
        folder / "dir": "Is a directory.",
        plain_file / "x": f"{str(plain_file)!r} is not a folder. Choose another",
        tmp_path / "no" / "x": f"The folder '{tmp_path / 'no'}' for the ",
    }
    for path, message in cases.items():
        args = [arg.replace("{path}", str(path)) for arg in command]
        result = run(*args, exit_code=2)
        assert result.stdout == ""
        assert result.stderr.startswith("Error: ")
        assert len(result.stderr.splitlines()) == 1
        assert message in result.stderr
    assert sorted(path.name for path in folder.rglob("*")) == [
        "dir", "dir.png", "dir.svg",
    ]  # fmt: skip
    names = {p.name for p in tmp_path.iterdir() if not p.name.startswith("progress.db")}
    assert names <= {"app-home", "out", "plain.txt"}
    assert plain_file.read_text(encoding="utf-8") == "keep"


@pytest.mark.parametrize("command", OUTPUT_COMMANDS)
def test_failed_export_keeps_earlier_file(run, database, tmp_path, command):
    build_class(database, now_utc())
    args = [arg.replace("{path}", str(tmp_path / "earlier")) for arg in command]
    target = Path(args[-1])
    target.write_text("earlier", encoding="utf-8")
    result = run(*args, "--cohort", "nope", exit_code=2)
    assert "No cohort named 'nope'." in result.stderr
    assert target.read_text(encoding="utf-8") == "earlier"
    run(*args, "--cohort", COHORT)
    assert target.read_bytes() != b"earlier"
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")]


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (
            ("cohort", "export", "--format", "xml"),
            "Invalid value for '--format': 'xml' is not one of 'csv', 'json'.",
        ),
        (
            ("export", "events", "--format", "json"),
            "Invalid value for '--format': 'json' is not one of 'csv', 'jsonl'.",
        ),
        (
            ("cohort", "export", "--table", "cohorts"),
            (
                "Invalid value for '--table': 'cohorts' is not one of 'learners', "
                "'modules', 'events'."
            ),
        ),
    ],
)
def test_bad_export_options(run, database, command, message):
    result = run(*command, exit_code=2)
    assert result.stdout == ""
    assert message in result.stderr


def test_export_table_rejects_bad_arguments(database):
    stream = io.StringIO()
    with pytest.raises(InputError, match="Unknown format 'xml'; choose one of csv"):
        export_table(database, "learners", "xml", stream=stream)
    with pytest.raises(InputError, match="Unknown table 'cohorts'; choose one of"):
        export_table(database, "cohorts", "csv", stream=stream)
    with pytest.raises(InputError, match="Give an output file or a stream"):
        export_table(database, "learners", "csv")
    assert stream.getvalue() == ""


def test_export_table_library(database, tmp_path):
    now = now_utc()
    build_class(database, now)
    stream = io.StringIO()
    assert export_table(database, "learners", "csv", stream=stream, cohort=COHORT) == 4
    lines = stream.getvalue().split("\r\n")
    assert lines[0].startswith("handle,display_name,completed,total,percent,")
    assert lines[1:] == [
        f"ana,,3,17,17.6,6.0,10.0,77.0,97.0,{iso(days_ago(now, 10))},activations",
        f"ben,,2,17,11.8,2.0,4.0,81.0,103.0,{iso(days_ago(now, 5))},tensor",
        "cy,,0,17,0.0,0.0,0.0,83.0,107.0,,introduction",
        f"dee,,1,17,5.9,1.0,2.0,82.0,105.0,{iso(days_ago(now, 40))},setup",
        "",
    ]
    target = tmp_path / "modules.json"
    assert export_table(database, "modules", "json", target, cohort=COHORT) == 17
    modules = json.loads(target.read_text(encoding="utf-8"))
    assert modules[0] == {
        "slug": "introduction", "number": 0, "title": modules[0]["title"],
        "completed": 3, "in_progress": 0, "ready": 1, "locked": 0, "percent": 75.0,
        "median_hours": 3.0, "median_samples": 2, "hours_low": 1.0,
        "hours_high": 2.0,
    }  # fmt: skip
    events = tmp_path / "events.jsonl"
    assert export_table(database, "events", "jsonl", events) == 15
    first = json.loads(events.read_text(encoding="utf-8").splitlines()[0])
    assert (first["user"], first["module"], first["kind"]) == (
        "dee", "introduction", "completed",
    )  # fmt: skip
    assert first["time"] == iso(days_ago(now, 40))


CONTROL_NAMES = {
    "tab": ("\t=1+2", "'\t=1+2"),
    "return": ("\r@cmd", "'\r@cmd"),
    "newline": ("\n-3", "'\n-3"),
    "apostrophe": ("'=x", "''=x"),
    "inner": ("a\n=b", "a\n=b"),
}


def test_names_with_control_starts(run, database, tmp_path):
    """Names written into a shared database by other tools are neutralised too."""
    handles = list(CONTROL_NAMES)
    create_cohort(database, "odd")
    add_members(database, "odd", handles)
    with database.session(write=True) as session:
        for handle, (name, _) in CONTROL_NAMES.items():
            session.execute(
                update(Learner)
                .where(Learner.handle == handle)
                .values(display_name=name)
            )
    target = tmp_path / "learners.csv"
    run("cohort", "export", "--cohort", "odd", "--output", str(target))
    rows = read_csv(target)
    cells = {row[0]: row[1] for row in rows[1:]}
    assert cells == {handle: cell for handle, (_, cell) in CONTROL_NAMES.items()}
    assert [row[2:5] for row in rows[1:]] == [["0", "17", "0.0"]] * 5
    text = target.read_bytes().decode("utf-8")
    assert "\r\ntab,'\t=1+2,0,17,0.0,0.0,0.0,83.0,107.0,,introduction\r\n" in text


def test_failed_import_after_a_batch_changes_nothing(run, database, tmp_path):
    build_class(database, now_utc())
    before = snapshot(database)
    lines = ["user,module,kind,time"]
    lines += [
        f"bulk-{number},introduction,started,2025-01-01T10:00:00Z"
        for number in range(BATCH + 5)
    ]
    lines.append("ana,introduction,reset,not-a-time")
    source = tmp_path / "events.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("import", "events", str(source), exit_code=2)
    assert result.stderr == (
        f"Error: {source}, line {BATCH + 7}: time 'not-a-time' is not an ISO 8601 "
        "time. Use a form such as 2026-09-19T10:21:00 or 2026-09-19T10:21:00+02:00.\n"
    )
    assert snapshot(database) == before
    with pytest.raises(InputError, match=f"line {BATCH + 7}: time 'not-a-time'"):
        import_events(database, source)
    assert snapshot(database) == before


def test_import_file_not_utf8(run, database, tmp_path):
    source = tmp_path / "events.csv"
    source.write_bytes(
        "user,module,kind,time\nzoë,setup,started,2025-01-01T10:00:00Z\n".encode(
            "latin-1"
        )
    )
    result = run("import", "events", str(source), exit_code=2)
    assert result.stderr == (
        f"Error: {source}, line 2: the file is not UTF-8 text (byte 0xeb). Save it "
        "as UTF-8.\n"
    )
    assert count(database, Event) == 0


def test_import_tito_library(database, tito_progress_file, local_zone):
    local_zone("Europe/Paris")
    report = import_tito(database, tito_progress_file, "Ada")
    assert report.as_dict() == {
        "source": str(tito_progress_file), "rows": 4, "inserted": 4, "learners": 1,
        "skipped": [], "duplicates": 0,
    }  # fmt: skip
    with database.session() as session:
        rows = session.execute(
            select(Module.slug, Event.kind, Event.occurred_at, Event.source)
            .join(Module, Module.id == Event.module_id)
            .order_by(Event.occurred_at)
        ).all()  # fmt: skip
    assert [(slug, kind, iso(at), source) for slug, kind, at, source in rows] == [
        ("setup", "completed", "2025-09-19T08:21:11.081117+00:00", "tito"),
        ("tensor", "completed", "2025-09-19T08:21:34.831693+00:00", "tito"),
        ("activations", "completed", "2025-09-19T08:21:50+00:00", "tito"),
        ("layers", "completed", "2025-09-19T08:21:55+00:00", "tito"),
    ]
    again = import_tito(database, tito_progress_file, "ada")
    assert (again.rows, again.inserted, again.duplicates) == (4, 0, 4)
    assert count(database, Event) == 4


UID = "0123456789abcdef0123456789abcdef0123"
TENSOR_ROW = f"{UID},ana,tensor,completed,2025-01-01T10:00:00Z\n"
SETUP_ROW = f"{UID},ana,setup,completed,2025-01-01T10:00:00Z\n"
EVENT_HEADER = "uid,user,module,kind,time\n"


def test_reused_uid_fails_import(run, database, tmp_path):
    first = tmp_path / "first.csv"
    first.write_text(EVENT_HEADER + TENSOR_ROW, encoding="utf-8")
    run("import", "events", str(first))
    again = run("import", "events", str(first))
    assert "1 already stored, 0 skipped" in again.stdout
    second = tmp_path / "second.csv"
    second.write_text(
        EVENT_HEADER + ",ben,setup,started,2025-01-01T09:00:00Z\n" + SETUP_ROW,
        encoding="utf-8",
    )
    result = run("import", "events", str(second), exit_code=2)
    assert result.stderr == (
        f"Error: {second}, line 3: the uid '{UID}' is already stored for a "
        "different event (ana completed tensor at 2025-01-01T10:00:00+00:00). "
        "Give each event its own uid, or leave the uid empty to derive one.\n"
    )
    assert count(database, Event) == 1
    assert count(database, Learner) == 1


def test_reused_uid_skipped(run, database, tmp_path):
    first = tmp_path / "first.csv"
    first.write_text(EVENT_HEADER + TENSOR_ROW, encoding="utf-8")
    run("import", "events", str(first))
    second = tmp_path / "second.csv"
    second.write_text(EVENT_HEADER + SETUP_ROW + TENSOR_ROW, encoding="utf-8")
    result = run("import", "events", str(second), "--skip-invalid")
    assert result.stdout == (
        f"Stored 0 new events from {second} (2 rows for 1 learner: "
        "1 already stored, 1 skipped).\n"
    )
    assert result.stderr.startswith(f"Skipped line 2: the uid '{UID}' is already")
    assert count(database, Event) == 1


@pytest.mark.parametrize(
    "other",
    [
        f"{UID},ben,tensor,completed,2025-01-01T10:00:00Z\n",
        f"{UID},ana,tensor,started,2025-01-01T10:00:00Z\n",
        f"{UID},ana,tensor,completed,2025-01-01T10:00:01Z\n",
        SETUP_ROW,
    ],
)
def test_reused_uid_in_one_file(run, database, tmp_path, other):
    source = tmp_path / "events.csv"
    source.write_text(EVENT_HEADER + TENSOR_ROW + TENSOR_ROW + other, "utf-8")
    result = run("import", "events", str(source), exit_code=2)
    assert result.stderr.startswith(
        f"Error: {source}, line 4: the uid '{UID}' is also given to a different "
        "event on line 2."
    )
    assert count(database, Event) == 0


@pytest.mark.parametrize(
    "command", [("export", "events"), ("cohort", "export", "--table", "events")]
)
def test_dash_output_is_standard_output(run, database, tmp_path, monkeypatch, command):
    record_events(database, "ana", ["introduction"], "completed")
    monkeypatch.chdir(tmp_path)
    result = run(*command, "-o", "-")
    assert result.stdout.startswith("uid,user,module,kind,time,source\n")
    assert result.stderr == ""
    assert not (tmp_path / "-").exists()


def test_one_event_is_counted_in_words(run, database, tmp_path):
    record_events(database, "ana", ["introduction"], "completed")
    target = tmp_path / "events.csv"
    result = run("export", "events", "-o", str(target))
    assert result.stderr == f"Wrote 1 event to {target}\n"
