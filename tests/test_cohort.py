"""Cohorts: membership, the module and learner tables, and stuck learners."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import partial

import pytest
from cohort_data import COHORT, build_class, days_ago, iso, now_utc
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from tracker.cohort import cohort_learners, cohort_status, stuck_learners
from tracker.errors import InputError, OperationError
from tracker.imports import import_events
from tracker.membership import (
    RosterEntry,
    add_members,
    create_cohort,
    list_cohorts,
    read_roster,
    remove_members,
)
from tracker.models import CohortMember, Event, Learner
from tracker.progress import record_events
from tracker.sorting import LEARNER_SORTS, MODULE_SORTS

ORDER = ["introduction", "setup", "tensor", "activations", "layers", "dataloader"]


def counts(row) -> tuple:
    return (row.completed, row.in_progress, row.ready, row.locked)


def test_create_add_list_remove(run):
    assert run("cohort", "create", "fall").stdout == "Created cohort 'fall'.\n"
    added = run("cohort", "add", "fall", "Ana", "ben")
    assert added.stdout == "Added 2 learners to 'fall': ana, ben.\n"
    again = run("cohort", "add", "fall", "ana", "cy")
    assert again.stdout == "Added 1 learner to 'fall': cy.\nAlready members: ana.\n"
    run("cohort", "create", "spring")
    run("cohort", "add", "spring", "ana")
    listing = json.loads(run("cohort", "list", "--json").stdout)
    assert [(c["name"], c["members"]) for c in listing] == [("fall", 3), ("spring", 1)]
    removed = run("cohort", "remove", "fall", "ben", "zed")
    assert removed.stdout == "Removed 1 learner from 'fall': ben.\nNot members: zed.\n"
    text = run("cohort", "list").stdout
    assert "fall    2" in text
    assert "spring  1" in text


def test_create_twice_fails(run):
    run("cohort", "create", "fall")
    result = run("cohort", "create", " fall ", exit_code=1)
    assert "The cohort 'fall' already exists." in result.stderr


def test_unknown_cohort_suggests_name(run):
    run("cohort", "create", "fall-2026")
    result = run("cohort", "add", "fall-2062", "ana", exit_code=2)
    assert "No cohort named 'fall-2062'. Did you mean 'fall-2026'?" in result.stderr
    status = run("cohort", "status", "--cohort", "nope", exit_code=2)
    assert "No cohort named 'nope'." in status.stderr


def test_roster_adds_names_and_emails(run, database, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "Handle,Display Name,E-mail\n"
        " Ana ,Ana Lima,ana@example.org\n"
        "ben,,\n"
        "\n"
        "Zoë,Zoë Adams,zoe@example.org\n",
        encoding="utf-8",
    )
    run("cohort", "create", "fall")
    result = run("cohort", "add", "fall", "--roster", str(roster), "cy")
    assert result.stdout == "Added 4 learners to 'fall': ana, ben, cy, zoë.\n"
    with database.session() as session:
        rows = session.execute(
            select(Learner.handle, Learner.display_name, Learner.email).order_by(
                Learner.handle
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        ("ana", "Ana Lima", "ana@example.org"),
        ("ben", None, None),
        ("cy", None, None),
        ("zoë", "Zoë Adams", "zoe@example.org"),
    ]


def membership_snapshot(database) -> list[tuple]:
    """Every learner with their name, email and cohorts, and the events' uids."""
    with database.session() as session:
        learners = session.execute(
            select(Learner.id, Learner.handle, Learner.display_name, Learner.email)
        ).all()
        members = session.execute(
            select(CohortMember.cohort_id, CohortMember.learner_id)
        ).all()
        events = session.scalars(select(Event.uid)).all()
    return (
        sorted(tuple(row) for row in learners)
        + sorted(("member", *row) for row in members)
        + sorted(("event", uid) for uid in events)
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"name,email\nAna,ana@example.org\n", "has no 'handle' column"),
        (b"", "is empty. Add a header line."),
        (
            b"handle,email\nana,ana@example.org\n,x@example.org\n",
            "line 3: the handle is empty.",
        ),
        (
            b"handle,email\nana,not-an-address\n",
            "line 2: 'not-an-address' is not an email",
        ),
        (
            "handle,name\nana,Ana\nzo\u00eb,Zo\u00eb\n".encode("latin-1"),
            (
                "line 3: the roster is not UTF-8 text (byte 0xeb). Save it as CSV with "
                "UTF-8 encoding."
            ),
        ),
        (b"\xff\xfeh\x00a\x00n\x00", "line 1: the roster is not UTF-8 text"),
        (
            b'handle,name\nana,"Ana\nLima"\nben,"\x1b[31mBen"\n',
            "line 2: the display name 'Ana\\nLima' contains control characters",
        ),
        (
            b'handle,name,note\nana,Ana,"two\nlines"\nben,"\x1b[31mBen"\n',
            "line 4: the display name '\\x1b[31mBen' contains control characters",
        ),
        (b"handle\nana\nb\x00en\n", "line 3: The learner handle 'b\\x00en'"),
        (
            b'handle,name\nana,Ana\nben,"Ben\ncy,Cy\n',
            "line 3: a quoted cell that starts on this line is never closed.",
        ),
        (b'handle,name\nana,"Ana"x\n', "line 2: this line is not valid CSV"),
        (b"handle,Handle\nana,ben\n", "line 1: the roster header names 'handle' more"),
    ],
)
def test_bad_roster_writes_nothing(run, database, tmp_path, data, message):
    run("cohort", "create", "fall")
    run("cohort", "add", "fall", "ana")
    before = membership_snapshot(database)
    roster = tmp_path / "roster.csv"
    roster.write_bytes(data)
    result = run("cohort", "add", "fall", "--roster", str(roster), "cy", exit_code=2)
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ")
    assert len(result.stderr.splitlines()) == 1
    assert message in result.stderr
    assert membership_snapshot(database) == before


def test_roster_with_only_a_header(run, database, tmp_path):
    run("cohort", "create", "fall")
    roster = tmp_path / "roster.csv"
    roster.write_text("handle,display_name\n", encoding="utf-8")
    result = run("cohort", "add", "fall", "--roster", str(roster), exit_code=2)
    assert result.stderr == (
        f"Error: The roster {str(roster)!r} has a header but no learner. Add one "
        "line per learner below the header.\n"
    )


def test_roster_paths_that_cannot_be_read(run, database, tmp_path):
    run("cohort", "create", "fall")
    missing = run(
        "cohort", "add", "fall", "--roster", str(tmp_path / "none.csv"), exit_code=2
    )
    assert missing.stderr == (
        f"Error: Cannot read the roster '{tmp_path / 'none.csv'}': No such file or "
        "directory.\n"
    )
    folder = run("cohort", "add", "fall", "--roster", str(tmp_path), exit_code=2)
    assert "Is a directory" in folder.stderr
    assert membership_snapshot(database) == []


def test_membership_library(database, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("user,name,e-mail\nBen,Ben Ode,ben@example.org\n", "utf-8")
    assert read_roster(roster) == [RosterEntry("ben", "Ben Ode", "ben@example.org")]
    assert create_cohort(database, " fall ") == "fall"
    assert create_cohort(database, "spring") == "spring"
    added = add_members(database, "fall", ["ANA", "cy"], roster)
    assert added.as_dict() == {
        "cohort": "fall",
        "changed": ["ana", "ben", "cy"],
        "unchanged": [],
    }
    again = add_members(database, "spring", ["ana"])
    assert (again.changed, again.unchanged) == (["ana"], [])
    removed = remove_members(database, "fall", ["cy", "zed"])
    assert (removed.changed, removed.unchanged) == (["cy"], ["zed"])
    listing = [(row.name, row.members) for row in list_cohorts(database)]
    assert listing == [("fall", 2), ("spring", 1)]
    with pytest.raises(InputError, match="No cohort named 'fal'. Did you mean"):
        remove_members(database, "fal", ["ana"])
    with pytest.raises(OperationError, match="'spring' already exists"):
        create_cohort(database, "spring")
    learners = cohort_learners(database, "fall")
    assert [(row.handle, row.display_name) for row in learners] == [
        ("ana", None),
        ("ben", "Ben Ode"),
    ]


def test_public_names_reach_the_library():
    import tracker
    from tracker import cohort, cohort_charts, exchange, imports, membership, report

    modules = {
        "create_cohort": membership,
        "add_members": membership,
        "remove_members": membership,
        "list_cohorts": membership,
        "read_roster": membership,
        "cohort_status": cohort,
        "cohort_learners": cohort,
        "stuck_learners": cohort,
        "export_table": exchange,
        "import_events": imports,
        "import_tito": imports,
        "cohort_heatmap_figure": cohort_charts,
        "funnel_figure": cohort_charts,
        "build_report": report,
        "write_report": report,
    }
    for name, module in modules.items():
        assert getattr(tracker, name) is getattr(module, name), name
        assert name in dir(tracker)


def test_module_table_of_cohort(database):
    build_class(database, now_utc())
    status = cohort_status(database, COHORT)
    assert status.cohort == "fall"
    assert status.learners == 4
    rows = {row.slug: row for row in status.modules}
    assert [row.slug for row in status.modules][:6] == ORDER
    assert counts(rows["introduction"]) == (3, 0, 1, 0)
    assert counts(rows["setup"]) == (2, 0, 1, 1)
    assert counts(rows["tensor"]) == (1, 1, 0, 2)
    assert counts(rows["activations"]) == (0, 1, 0, 3)
    assert counts(rows["layers"]) == (0, 0, 0, 4)
    assert counts(rows["dataloader"]) == (0, 0, 1, 3)
    assert counts(rows["capstone"]) == (0, 0, 0, 4)
    assert [rows[slug].percent for slug in ORDER] == [75.0, 50.0, 25.0, 0.0, 0.0, 0.0]
    assert rows["introduction"].median_hours == 3.0
    assert rows["introduction"].median_samples == 2
    assert rows["setup"].median_hours == 36.0
    assert rows["tensor"].median_hours == 24.0
    assert rows["tensor"].median_samples == 1
    assert rows["activations"].median_hours is None
    assert (rows["tensor"].hours_low, rows["tensor"].hours_high) == (4.0, 6.0)


def test_module_table_of_every_learner(database):
    build_class(database, now_utc())
    status = cohort_status(database)
    assert status.cohort is None
    assert status.learners == 5
    introduction = status.modules[0]
    assert counts(introduction) == (4, 0, 1, 0)
    assert introduction.percent == 80.0
    assert introduction.median_hours == 4.0
    assert introduction.median_samples == 3


def test_learner_table_of_cohort(database):
    now = now_utc()
    build_class(database, now)
    rows = [row.as_dict() for row in cohort_learners(database, COHORT)]
    common = {"total": 17}
    assert rows == [
        {
            "handle": "ana", "display_name": None, "completed": 3, **common,
            "percent": 17.6, "hours_done_low": 6.0, "hours_done_high": 10.0,
            "hours_remaining_low": 77.0, "hours_remaining_high": 97.0,
            "last_activity": iso(days_ago(now, 10)), "next": "activations",
        },
        {
            "handle": "ben", "display_name": None, "completed": 2, **common,
            "percent": 11.8, "hours_done_low": 2.0, "hours_done_high": 4.0,
            "hours_remaining_low": 81.0, "hours_remaining_high": 103.0,
            "last_activity": iso(days_ago(now, 5)), "next": "tensor",
        },
        {
            "handle": "cy", "display_name": None, "completed": 0, **common,
            "percent": 0.0, "hours_done_low": 0.0, "hours_done_high": 0.0,
            "hours_remaining_low": 83.0, "hours_remaining_high": 107.0,
            "last_activity": None, "next": "introduction",
        },
        {
            "handle": "dee", "display_name": None, "completed": 1, **common,
            "percent": 5.9, "hours_done_low": 1.0, "hours_done_high": 2.0,
            "hours_remaining_low": 82.0, "hours_remaining_high": 105.0,
            "last_activity": iso(days_ago(now, 40)), "next": "setup",
        },
    ]  # fmt: skip


def test_stuck_learners(database):
    now = now_utc()
    build_class(database, now)
    rows = [row.as_dict() for row in stuck_learners(database, COHORT, days=14, now=now)]
    day = (now - timedelta(days=5)).strftime("%Y-%m-%d %H:%M UTC")
    last = (now - timedelta(days=40)).strftime("%Y-%m-%d %H:%M UTC")
    joined = (now - timedelta(days=20)).strftime("%Y-%m-%d %H:%M UTC")
    assert rows == [
        {
            "handle": "ben", "display_name": None, "reason": "slow", "module": "tensor",
            "since": iso(days_ago(now, 5)), "days": 5.0, "typical_days": 1.0,
            "detail": f"'tensor' in progress for 5 days since {day}; the cohort's "
            "median is 1 day, from 1 learner",
        },
        {
            "handle": "cy", "display_name": None, "reason": "inactive", "module": None,
            "since": iso(days_ago(now, 20)), "days": 20.0, "typical_days": None,
            "detail": f"no event since joining on {joined} (20 days ago)",
        },
        {
            "handle": "dee", "display_name": None, "reason": "inactive", "module": None,
            "since": iso(days_ago(now, 40)), "days": 40.0, "typical_days": None,
            "detail": f"no event for 40 days (last on {last})",
        },
    ]  # fmt: skip


def test_stuck_thresholds(database):
    now = now_utc()
    build_class(database, now)
    lenient = stuck_learners(database, COHORT, days=30, factor=6, now=now)
    assert [(row.handle, row.reason) for row in lenient] == [("dee", "inactive")]
    strict = stuck_learners(database, COHORT, days=7, now=now)
    assert [(row.handle, row.reason) for row in strict] == [
        ("ana", "inactive"), ("ben", "slow"), ("cy", "inactive"), ("dee", "inactive"),
    ]  # fmt: skip
    with pytest.raises(InputError):
        stuck_learners(database, COHORT, factor=0.5)


BAD_DAYS = [
    (("--days", "1000000"), "--days 1000000 is out of range"),
    (("--days", "36501"), "--days 36501 is out of range"),
    (("--days", "-1"), "--days -1 is out of range"),
]
BAD_FACTORS = [
    (("--factor", "nan"), "--factor nan is not a finite number"),
    (("--factor", "inf"), "--factor inf is not a finite number"),
    (("--factor", "0.5"), "--factor 0.5 is below 1"),
]


@pytest.mark.parametrize(("args", "message"), BAD_DAYS + BAD_FACTORS)
def test_stuck_bad_limits(run, args, message):
    run("complete", "tensor")
    result = run("cohort", "stuck", *args, exit_code=2)
    assert result.stderr.startswith(f"Error: {message}.")


@pytest.mark.parametrize(("args", "message"), BAD_DAYS)
def test_report_bad_days(run, tmp_path, args, message):
    report = tmp_path / "report.html"
    run("complete", "tensor")
    result = run("cohort", "report", *args, "-o", str(report), exit_code=2)
    assert result.stderr.startswith(f"Error: {message}.")
    assert not report.exists()


def test_stuck_limits_accepted(run):
    run("complete", "tensor")
    run("cohort", "stuck", "--days", "36500", "--factor", "1")
    run("cohort", "stuck", "--days", "0")


def test_new_learner_without_events_is_not_stuck_yet(database):
    now = now_utc()
    build_class(database, now)
    add_members(database, COHORT, ["eve"])
    later = now + timedelta(days=3)
    soon = stuck_learners(database, COHORT, days=14, now=later)
    assert "eve" not in [row.handle for row in soon]
    [eve] = [
        row
        for row in stuck_learners(database, COHORT, days=2, now=later)
        if row.handle == "eve"
    ]
    assert (eve.reason, eve.days) == ("inactive", 3.0)
    assert eve.detail.startswith("no event since joining on ")


def test_module_open_less_than_a_day_is_never_slow(database):
    now = now_utc()
    # Two learners mark introduction started and completed at once, so the
    # median is zero; a third has had it open for an hour.
    for handle in ("ana", "ben"):
        record_events(database, handle, ["introduction"], "started", now)
        record_events(database, handle, ["introduction"], "completed", now)
    record_events(database, "cy", ["introduction"], "started", now)

    def reasons(at: datetime) -> list[tuple[str, str]]:
        return [(r.handle, r.reason) for r in stuck_learners(database, days=30, now=at)]

    assert reasons(now + timedelta(hours=1)) == []
    assert reasons(now + timedelta(days=1, hours=1)) == [("cy", "slow")]


def test_finished_learner_is_never_stuck(database):
    now = now_utc()
    slugs = [row.slug for row in cohort_status(database).modules]
    for index, slug in enumerate(slugs):
        from tracker.progress import record_events

        record_events(database, "fin", [slug], "completed", days_ago(now, 90 - index))
    assert stuck_learners(database, days=1, now=now) == []
    assert cohort_learners(database)[0].next is None


def test_cohort_commands_text_and_json(run, database):
    now = now_utc()
    build_class(database, now)
    text = run("cohort", "status", "--cohort", "fall").stdout
    assert text.startswith("Cohort fall: 4 learners\n")
    assert (
        "00  introduction  3          0            1      0       75.0%  3 h " in text
    )
    data = json.loads(run("cohort", "status", "--cohort", "fall", "--json").stdout)
    assert data == cohort_status(database, COHORT).as_dict()
    learners = run("cohort", "learners", "--cohort", "fall").stdout.splitlines()
    assert learners[0].split() == [
        "learner", "name", "completed", "done", "hours", "done", "hours", "left",
        "last", "activity", "(UTC)", "next",
    ]  # fmt: skip
    assert learners[2].startswith("ana")
    assert learners[2].endswith("activations")
    rows = json.loads(run("cohort", "learners", "--cohort", "fall", "--json").stdout)
    assert rows == [row.as_dict() for row in cohort_learners(database, COHORT)]
    assert [row["handle"] for row in rows] == ["ana", "ben", "cy", "dee"]
    stuck = run("cohort", "stuck", "--cohort", "fall", "--days", "14").stdout
    assert "cy       inactive  no event since joining on " in stuck
    assert "ben      slow      'tensor' in progress for 5 days since " in stuck
    # The command reads the clock a few seconds after the class was built,
    # which changes no value rounded to a tenth of a day.
    found = json.loads(run("cohort", "stuck", "--cohort", "fall", "--json").stdout)
    expected = stuck_learners(database, COHORT, days=14, now=now)
    assert found == [row.as_dict() for row in expected]
    assert [(row["handle"], row["reason"]) for row in found] == [
        ("ben", "slow"), ("cy", "inactive"), ("dee", "inactive"),
    ]  # fmt: skip
    listing = json.loads(run("cohort", "stuck", "--days", "100", "--json").stdout)
    assert [row["handle"] for row in listing] == ["ben"]


def test_sorting(run, database):
    build_class(database, now_utc())
    data = json.loads(
        run(
            "cohort", "learners", "--cohort", "fall", "--sort", "percent", "--reverse",
            "--json",
        ).stdout
    )  # fmt: skip
    assert [row["handle"] for row in data] == ["ana", "ben", "dee", "cy"]
    by_activity = cohort_learners(database, COHORT, sort="last_activity")
    assert [row.handle for row in by_activity] == ["dee", "ana", "ben", "cy"]
    modules = cohort_status(database, COHORT, sort="median", reverse=True).modules
    assert [row.slug for row in modules][:3] == ["setup", "tensor", "introduction"]
    result = run("cohort", "status", "--sort", "speed", exit_code=2)
    assert "Invalid value for '--sort'" in result.stderr


def _class_of(size: int, tmp_path) -> str:
    """Write an events file for ``size`` learners in many different states."""
    now = now_utc()
    lines = []
    for number in range(size):
        done = number % 6
        for index, slug in enumerate(ORDER[: done + 1]):
            start = days_ago(now, 60 - index * 3 + number % 5)
            user = f"s{size}-{number}"
            lines.append({"user": user, "module": slug, "kind": "started",
                          "time": iso(start)})  # fmt: skip
            if index < done:
                lines.append({"user": user, "module": slug, "kind": "completed",
                              "time": iso(start + timedelta(hours=5 + number))})  # fmt: skip
    path = tmp_path / f"class-{size}.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return str(path)


def _statements(database, call) -> int:
    seen: list[str] = []

    def before(connection, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", before)
    try:
        call()
    finally:
        event.remove(database.engine, "before_cursor_execute", before)
    return len(seen)


@pytest.mark.parametrize("cohort", [None, "big"])
def test_statement_count_does_not_grow(database, tmp_path, cohort):
    measured = []
    total = 0
    for size in (3, 60):
        import_events(database, _class_of(size, tmp_path))
        create_cohort(database, f"big{size}")
        add_members(database, f"big{size}", [f"s{size}-{n}" for n in range(size)])
        total += size
        name = f"big{size}" if cohort else None
        assert cohort_status(database, name).learners == (size if cohort else total)
        measured.append(
            (
                _statements(database, partial(cohort_status, database, name)),
                _statements(database, partial(cohort_learners, database, name)),
                _statements(database, partial(stuck_learners, database, name, days=1)),
            )
        )
    small, large = measured
    assert small == large
    assert all(count <= 12 for count in large)


def _cli_statements(run, *args: str) -> tuple[int, str]:
    """Run a command and count the SQL statements of every engine it opens."""
    seen: list[str] = []

    def before(connection, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", before)
    try:
        output = run(*args).stdout
    finally:
        event.remove(Engine, "before_cursor_execute", before)
    return len(seen), output


@pytest.mark.parametrize("cohort", [None, "big"])
def test_command_statement_count_does_not_grow(run, database, tmp_path, cohort):
    measured = []
    for size in (3, 60):
        import_events(database, _class_of(size, tmp_path))
        create_cohort(database, f"big{size}")
        add_members(database, f"big{size}", [f"s{size}-{n}" for n in range(size)])
        scope = ("--cohort", f"big{size}") if cohort else ()
        status, status_output = _cli_statements(run, "cohort", "status", *scope)
        learners, learners_output = _cli_statements(
            run, "cohort", "learners", "--json", *scope
        )
        # Without --cohort every learner counts, so the second round also
        # includes the 3 learners of the first.
        if cohort:
            expected = size
        elif size == 60:
            expected = 3 + size
        else:
            expected = 3
        assert f"{expected} learners" in status_output
        assert len(json.loads(learners_output)) == expected
        measured.append((status, learners))
    small, large = measured
    assert small == large


UNKNOWN_COHORT_COMMANDS = [
    ("cohort", "status", "--cohort", "fal"),
    ("cohort", "learners", "--cohort", "fal", "--json"),
    ("cohort", "stuck", "--cohort", "fal"),
    ("cohort", "export", "--cohort", "fal"),
    ("cohort", "export", "--cohort", "fal", "--output", "{out}.csv"),
    ("cohort", "export", "--table", "events", "--cohort", "fal"),
    ("cohort", "export", "--table", "modules", "--format", "json", "--cohort", "fal"),
    ("export", "events", "--cohort", "fal"),
    ("export", "events", "--cohort", "fal", "--output", "{out}.jsonl"),
    ("cohort", "report", "--cohort", "fal", "--output", "{out}.html"),
    ("chart", "cohort", "--cohort", "fal", "--output", "{out}.png"),
    ("chart", "funnel", "--cohort", "fal", "--output", "{out}.svg"),
    ("cohort", "add", "fal", "eve"),
    ("cohort", "remove", "fal", "ana"),
]


@pytest.mark.parametrize("command", UNKNOWN_COHORT_COMMANDS)
def test_unknown_cohort_everywhere(run, database, tmp_path, command):
    build_class(database, now_utc())
    before = membership_snapshot(database)
    folder = tmp_path / "outputs"
    folder.mkdir()
    args = [arg.replace("{out}", str(folder / "out")) for arg in command]
    result = run(*args, exit_code=2)
    assert result.stdout == ""
    assert result.stderr == (
        "Error: No cohort named 'fal'. Did you mean 'fall'? Run 'tt-progress cohort "
        "list' to list the cohorts, or create it with: tt-progress cohort create fal\n"
    )
    assert list(folder.iterdir()) == []
    assert membership_snapshot(database) == before


LEARNER_ORDERS = {
    "handle": ["ana", "ben", "cy", "dee"],
    "completed": ["cy", "dee", "ben", "ana"],
    "percent": ["cy", "dee", "ben", "ana"],
    "hours_done": ["cy", "dee", "ben", "ana"],
    "hours_remaining": ["ana", "ben", "dee", "cy"],
    "last_activity": ["dee", "ana", "ben", "cy"],
    "next": ["ana", "cy", "dee", "ben"],
}
REVERSED_LEARNER_ORDERS = {
    "handle": ["dee", "cy", "ben", "ana"],
    "completed": ["ana", "ben", "dee", "cy"],
    "percent": ["ana", "ben", "dee", "cy"],
    "hours_done": ["ana", "ben", "dee", "cy"],
    "hours_remaining": ["cy", "dee", "ben", "ana"],
    # A learner with no activity comes last in both directions.
    "last_activity": ["ben", "ana", "dee", "cy"],
    "next": ["ben", "dee", "cy", "ana"],
}


@pytest.mark.parametrize("key", LEARNER_SORTS)
def test_learner_sort_keys(run, database, key):
    assert set(LEARNER_ORDERS) == set(LEARNER_SORTS)
    build_class(database, now_utc())
    scope = ("--cohort", COHORT, "--json", "--sort", key)
    ascending = json.loads(run("cohort", "learners", *scope).stdout)
    assert [row["handle"] for row in ascending] == LEARNER_ORDERS[key]
    descending = json.loads(run("cohort", "learners", *scope, "--reverse").stdout)
    assert [row["handle"] for row in descending] == REVERSED_LEARNER_ORDERS[key]
    rows = cohort_learners(database, COHORT, sort=key, reverse=True)
    assert [row.handle for row in rows] == REVERSED_LEARNER_ORDERS[key]


# The first modules of the fall cohort's module table under each sort key;
# ties keep learning order.
MODULE_ORDERS = {
    "order": ["introduction", "setup", "tensor", "activations", "layers"],
    "completed": ["activations", "layers", "dataloader", "dense", "spatial"],
    "in_progress": ["introduction", "setup", "layers", "dataloader", "dense"],
    "ready": ["tensor", "activations", "layers", "dense", "spatial"],
    "locked": ["introduction", "setup", "tensor", "activations", "dataloader"],
    "percent": ["activations", "layers", "dataloader", "dense", "spatial"],
    "median": ["introduction", "tensor", "setup", "activations", "layers"],
}
REVERSED_MODULE_ORDERS = {
    "order": ["capstone", "mlops", "benchmarking", "kernels", "compression"],
    "completed": ["introduction", "setup", "tensor", "activations", "layers"],
    "in_progress": ["tensor", "activations", "introduction", "setup", "layers"],
    "ready": ["introduction", "setup", "dataloader", "tensor", "activations"],
    "locked": ["layers", "dense", "spatial", "attention", "autograd"],
    "percent": ["introduction", "setup", "tensor", "activations", "layers"],
    # Modules without a median come last in both directions.
    "median": ["setup", "tensor", "introduction", "activations", "layers"],
}


@pytest.mark.parametrize("key", MODULE_SORTS)
def test_module_sort_keys(run, database, key):
    assert set(MODULE_ORDERS) == set(MODULE_SORTS)
    build_class(database, now_utc())
    scope = ("--cohort", COHORT, "--json", "--sort", key)
    ascending = json.loads(run("cohort", "status", *scope).stdout)["modules"]
    assert [row["slug"] for row in ascending][:5] == MODULE_ORDERS[key]
    assert len(ascending) == 17
    descending = json.loads(run("cohort", "status", *scope, "--reverse").stdout)
    slugs = [row["slug"] for row in descending["modules"]]
    assert slugs[:5] == REVERSED_MODULE_ORDERS[key]
    rows = cohort_status(database, COHORT, sort=key, reverse=True).modules
    assert [row.slug for row in rows][:5] == REVERSED_MODULE_ORDERS[key]


def test_median_beside_estimate_in_text(run, database):
    build_class(database, now_utc())
    lines = run("cohort", "status", "--cohort", COHORT).stdout.splitlines()
    header = lines[2].split()
    assert header[-2:] == ["median", "estimate"]
    rows = {line.split()[1]: line.split() for line in lines[4:]}
    assert rows["setup"][-4:] == ["36", "h", "1-2", "h"]
    assert rows["tensor"][-4:] == ["24", "h", "4-6", "h"]
    assert rows["activations"][-3:] == ["-", "3-4", "h"]


def test_retired_module_leaves_the_tables(database, tmp_path):
    import shutil

    from tracker.catalog import sync_catalog
    from tracker.paths import bundled_catalog_dir
    from tracker.progress import record_events

    now = now_utc()
    record_events(database, "ana", ["capstone"], "started", days_ago(now, 9))
    record_events(database, "ana", ["capstone"], "completed", days_ago(now, 8))
    record_events(database, "ben", ["capstone"], "started", days_ago(now, 7))
    folder = tmp_path / "modules"
    shutil.copytree(bundled_catalog_dir(), folder)
    shutil.rmtree(folder / "16_capstone")
    sync_catalog(database, folder)

    status = cohort_status(database)
    assert len(status.modules) == 16
    assert "capstone" not in [row.slug for row in status.modules]
    rows = cohort_learners(database)
    assert [(row.handle, row.completed, row.total) for row in rows] == [
        ("ana", 0, 16),
        ("ben", 0, 16),
    ]
    assert stuck_learners(database, days=30, now=now) == []
