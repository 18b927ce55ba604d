"""Cohorts: membership, the module and learner tables, and stuck learners."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import partial

import pytest
from cohort_data import COHORT, build_class, days_ago, iso, now_utc
from sqlalchemy import event, func, select

from tracker.cohort import cohort_learners, cohort_status, stuck_learners
from tracker.errors import InputError
from tracker.imports import import_events
from tracker.membership import add_members, create_cohort
from tracker.models import CohortMember, Learner

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


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,email\nAna,ana@example.org\n", "has no 'handle' column"),
        (
            "handle,email\nana,ana@example.org\n,x@example.org\n",
            "line 3: the handle is empty.",
        ),
        (
            "handle,email\nana,not-an-address\n",
            "line 2: 'not-an-address' is not an email",
        ),
        ("", "is empty. Add a header line."),
    ],
)
def test_bad_roster_writes_nothing(run, database, tmp_path, text, message):
    roster = tmp_path / "roster.csv"
    roster.write_text(text, encoding="utf-8")
    run("cohort", "create", "fall")
    result = run("cohort", "add", "fall", "--roster", str(roster), "cy", exit_code=2)
    assert message in result.stderr
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Learner)) == 0
        assert session.scalar(select(func.count()).select_from(CohortMember)) == 0


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
    assert rows == [
        {
            "handle": "ben", "display_name": None, "reason": "slow", "module": "tensor",
            "since": iso(days_ago(now, 5)), "days": 5.0, "typical_days": 1.0,
            "detail": f"'tensor' in progress for 5 days since {day}; the cohort's "
            "median is 1 day, from 1 learner",
        },
        {
            "handle": "cy", "display_name": None, "reason": "inactive", "module": None,
            "since": None, "days": None, "typical_days": None,
            "detail": "no event recorded",
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
    lenient = stuck_learners(database, COHORT, days=50, factor=6, now=now)
    assert [(row.handle, row.reason) for row in lenient] == [("cy", "inactive")]
    strict = stuck_learners(database, COHORT, days=7, now=now)
    assert [(row.handle, row.reason) for row in strict] == [
        ("ana", "inactive"), ("ben", "slow"), ("cy", "inactive"), ("dee", "inactive"),
    ]  # fmt: skip
    with pytest.raises(InputError):
        stuck_learners(database, COHORT, factor=0.5)


def test_finished_learner_is_never_stuck(database):
    now = now_utc()
    slugs = [row.slug for row in cohort_status(database).modules]
    for index, slug in enumerate(slugs):
        from tracker.progress import record_events

        record_events(database, "fin", [slug], "completed", days_ago(now, 90 - index))
    assert stuck_learners(database, days=1, now=now) == []
    assert cohort_learners(database)[0].next is None


def test_cohort_commands_text_and_json(run, database):
    build_class(database, now_utc())
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
    stuck = run("cohort", "stuck", "--cohort", "fall", "--days", "14").stdout
    assert "cy       inactive  no event recorded" in stuck
    listing = json.loads(run("cohort", "stuck", "--days", "100", "--json").stdout)
    assert [row["handle"] for row in listing] == ["ben", "cy"]


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
