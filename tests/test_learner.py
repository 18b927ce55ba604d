"""Learner commands through the command line, on each backend."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tracker.db import open_database
from tracker.models import Event, Progress


def count_events(db_url: str) -> int:
    database = open_database(db_url, sync_catalog=False)
    with database.session() as session:
        total = session.scalar(select(func.count()).select_from(Event))
    database.dispose()
    return total


def states(run, *args: str) -> dict[str, str]:
    data = json.loads(run("status", "--json", *args).stdout)
    return {m["slug"]: m["state"] for m in data["modules"]}


def test_complete_tensor_then_status(run):
    result = run("complete", "tensor")
    assert result.stdout == "Completed 'tensor'.\n"
    assert "unfinished prerequisites: introduction, setup" in result.stderr

    status = run("status").stdout
    assert "Progress: 1/17 modules completed (5.9%)" in status
    assert "Hours done: 4-6 h" in status
    assert "Hours remaining: 79-101 h (1 module has no estimate: capstone)" in status
    assert "Next: introduction" in status
    assert "02  tensor        completed" in status
    assert (
        "06  spatial       locked     3           6-8 h   dense (+5 before)" in status
    )


def test_status_json(run):
    run("complete", "introduction", "setup", "--at", "2026-09-19T10:21:00+00:00")
    data = json.loads(run("status", "--json").stdout)
    assert data["learner"] == "ada"
    assert data["completed"] == 2
    assert data["total"] == 17
    assert data["percent"] == 11.8
    assert data["counts"] == {
        "completed": 2,
        "in_progress": 0,
        "ready": 1,
        "locked": 14,
    }
    assert data["hours_done"] == {"low": 2.0, "high": 4.0, "unestimated": []}
    assert data["hours_remaining"] == {
        "low": 81.0,
        "high": 103.0,
        "unestimated": ["capstone"],
    }
    first = data["modules"][0]
    assert first["slug"] == "introduction"
    assert first["completed_at"] == "2026-09-19T10:21:00+00:00"
    assert [m["slug"] for m in data["modules"]][:7] == [
        "introduction",
        "setup",
        "tensor",
        "activations",
        "layers",
        "dataloader",
        "dense",
    ]


def test_completing_twice_stores_one_event(run, db_url):
    run("complete", "tensor", "--at", "2026-10-01T12:00:00Z")
    again = run("complete", "02_tensor")
    assert again.stdout == "'tensor' was already completed on 2026-10-01 12:00 UTC.\n"
    assert count_events(db_url) == 1


def test_module_argument_forms(run):
    run("complete", "00", "01_setup", "TENSOR", "networks")
    done = {slug for slug, state in states(run).items() if state == "completed"}
    assert done == {"introduction", "setup", "tensor", "dense"}


def test_unknown_module_stores_nothing(run, db_url):
    result = run("complete", "setup", "tensr", exit_code=2)
    assert "Unknown module 'tensr'. Did you mean 'tensor'?" in result.stderr
    assert count_events(db_url) == 0


def test_start_and_undo_keep_history(run, db_url):
    run("start", "introduction")
    assert states(run)["introduction"] == "in_progress"
    again = run("start", "introduction")
    assert "already in progress since" in again.stdout
    run("complete", "introduction")
    assert states(run)["introduction"] == "completed"
    assert states(run)["setup"] == "ready"
    undo = run("undo", "introduction")
    assert "Reset 'introduction' to not started; its history is kept." in undo.stdout
    assert states(run)["introduction"] == "ready"
    assert states(run)["setup"] == "locked"
    assert count_events(db_url) == 3
    nothing = run("undo", "introduction", exit_code=1)
    assert "has no progress to undo" in nothing.stderr


def test_handles_are_normalised(run, db_url):
    # A decomposed e + combining diaeresis and an upper-case composed Ë are
    # the same learner after trimming, NFC and case-folding.
    run("complete", "introduction", "--user", "  Zoe\u0308 ")
    run("complete", "setup", "--user", "ZO\u00cb")
    data = json.loads(run("status", "--json", "--user", "zo\u00eb").stdout)
    assert data["learner"] == "zo\u00eb"
    assert data["completed"] == 2


def test_next_ranks_with_reasons(run):
    run("complete", "introduction", "setup", "tensor")
    run("start", "dataloader")
    data = json.loads(run("next", "--json").stdout)
    ranked = [item["slug"] for item in data["next"]]
    assert ranked == ["dataloader", "activations"]
    assert data["next"][0]["reason"].startswith("in progress since")
    activations = data["next"][1]
    assert activations["dependants"] == 12
    assert activations["unlocks_now"] == ["layers", "autograd"]
    assert data["remaining_hours"] == {
        "low": 77.0,
        "high": 97.0,
        "unestimated": ["capstone"],
    }
    text = run("next").stdout
    assert "1. dataloader" in text
    assert "Remaining to finish the course: 77-97 h over 14 modules" in text


def test_next_with_goal(run):
    run("complete", "introduction", "setup", "tensor")
    data = json.loads(run("next", "--json", "--goal", "cnn").stdout)
    assert data["goal"] == "spatial"
    assert data["remaining_modules"] == [
        "activations",
        "layers",
        "dataloader",
        "dense",
        "spatial",
    ]
    assert data["remaining_hours"] == {"low": 23.0, "high": 29.0, "unestimated": []}
    assert [item["slug"] for item in data["next"]] == ["activations", "dataloader"]


def test_modules_info_and_path(run):
    run("complete", "introduction")
    listing = run("modules").stdout
    assert "00  introduction" in listing
    assert "completed" in listing
    info = json.loads(run("info", "cnn", "--json").stdout)
    assert info["slug"] == "spatial"
    assert info["aliases"] == ["06", "06_spatial", "cnn"]
    assert info["prerequisites"] == [
        "setup",
        "tensor",
        "activations",
        "layers",
        "dataloader",
        "dense",
    ]
    assert info["enables"] == [
        "attention",
        "training",
        "kernels",
        "benchmarking",
        "mlops",
        "capstone",
    ]
    assert info["components"][1] == {
        "name": "Conv2D",
        "kind": None,
        "description": None,
    }
    text = run("info", "compression").stdout
    assert (
        "CompressionMetrics (class): Counts parameters and measures model size." in text
    )
    path = json.loads(run("path", "--json").stdout)
    assert [row["slug"] for row in path] == [
        "introduction",
        "setup",
        "tensor",
        "activations",
        "layers",
        "dataloader",
        "dense",
        "spatial",
        "attention",
        "autograd",
        "optimizers",
        "training",
        "compression",
        "kernels",
        "benchmarking",
        "mlops",
        "capstone",
    ]
    goal = json.loads(run("path", "--json", "--goal", "optimizers").stdout)
    assert [row["slug"] for row in goal] == [
        "introduction",
        "setup",
        "tensor",
        "activations",
        "autograd",
        "optimizers",
    ]


def test_bad_time_is_rejected(run, db_url):
    result = run("complete", "tensor", "--at", "yesterday", exit_code=2)
    assert "--at 'yesterday' is not an ISO 8601 time" in result.stderr
    future = run("complete", "tensor", "--at", "2999-01-01T00:00:00Z", exit_code=2)
    assert "is in the future" in future.stderr
    assert count_events(db_url) == 0


def test_progress_row_follows_events(run, db_url):
    run("start", "tensor", "--at", "2026-10-01T09:00:00Z")
    run("complete", "tensor", "--at", "2026-10-01T15:30:00Z")
    database = open_database(db_url, sync_catalog=False)
    with database.session() as session:
        row = session.scalars(select(Progress)).one()
        assert row.status == "completed"
        assert row.started_at.isoformat() == "2026-10-01T09:00:00+00:00"
        assert row.completed_at.isoformat() == "2026-10-01T15:30:00+00:00"
    database.dispose()


def test_blank_user_is_rejected(run, db_url):
    result = run("complete", "tensor", "--user", "   ", exit_code=2)
    assert "The learner handle is empty" in result.stderr
    assert count_events(db_url) == 0


def test_unsupported_backend_is_rejected(run):
    result = run("status", "--db", "mysql://someone@127.0.0.1/course", exit_code=2)
    assert "tt-progress runs on SQLite and PostgreSQL" in result.stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url://", "Invalid database URL 'not a url://'."),
        ("", "--db is empty."),
        ("  ", "--db is empty."),
        ("sqlite://", "sqlite:// is an in-memory SQLite database"),
        ("sqlite:///:memory:", "sqlite:///:memory: is an in-memory SQLite database"),
        ("postgresql+nosuchdriver://ana@127.0.0.1/course", "uses the psycopg 3 driver"),
    ],
)
@pytest.mark.parametrize("command", [("status",), ("complete", "tensor")])
def test_unusable_database_url_is_rejected(run, tmp_path, url, message, command):
    result = run(*command, "--db", url, exit_code=2)
    assert message in result.stderr
    assert result.stderr.count("Error:") == 1
    assert not list(tmp_path.rglob("*.db"))


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "soon"])
def test_busy_timeout_must_be_finite_and_not_negative(run, monkeypatch, value):
    monkeypatch.setenv("TT_PROGRESS_BUSY_TIMEOUT", value)
    result = run("complete", "tensor", exit_code=2)
    assert f"TT_PROGRESS_BUSY_TIMEOUT={value!r} is not a number of seconds." in (
        result.stderr
    )


def test_backdated_event_hidden_by_later_one(run, db_url):
    run("complete", "introduction", "--at", "2026-10-01T10:00:00Z")
    run("undo", "introduction")
    status_before = json.loads(run("status", "--json").stdout)
    assert count_events(db_url) == 2
    result = run(
        "complete", "introduction", "--at", "2026-10-02T10:00:00Z", exit_code=2
    )
    assert result.stdout == ""
    assert result.stderr.startswith("Error: 'introduction' was reset at ")
    assert "after the time given (2026-10-02 10:00:00 UTC)" in result.stderr
    assert "completing it at that time would not change its state" in result.stderr
    assert "Leave out --at to record it now" in result.stderr
    assert count_events(db_url) == 2
    assert json.loads(run("status", "--json").stdout) == status_before
    assert states(run)["introduction"] == "ready"


def test_backdated_event_that_changes_state(run, db_url):
    run("start", "setup", "--at", "2026-10-05T10:00:00Z")
    result = run("complete", "setup", "--at", "2026-10-01T10:00:00Z")
    assert result.stdout == "Completed 'setup'.\n"
    assert states(run)["setup"] == "completed"
    assert count_events(db_url) == 2


def test_handle_not_utf8_is_rejected(run, db_url):
    # Bytes 0xff 0xfe from the shell reach Python as surrogate escapes.
    result = run("complete", "tensor", "--user", "\udcff\udcfe", exit_code=2)
    assert result.stderr == (
        "Error: The learner handle '\\udcff\\udcfe' is not valid UTF-8 text. Give "
        "the handle as UTF-8, and check the terminal's character encoding.\n"
    )
    assert count_events(db_url) == 0
