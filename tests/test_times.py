"""Times given on the command line and in imported files."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tracker.db import open_database
from tracker.models import Event


def count_events(db_url: str) -> int:
    database = open_database(db_url, sync_catalog=False)
    with database.session() as session:
        total = session.scalar(select(func.count()).select_from(Event))
    database.dispose()
    return total


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01",
        "0001-01-01T00:00+05:00",
        "9999-12-31T23:59:59-05:00",
    ],
)
def test_time_outside_years_is_rejected(run, db_url, value):
    result = run("complete", "layers", "--at", value, exit_code=2)
    assert result.stderr == (
        f"Error: --at {value!r} is not a valid time: in UTC it falls outside the "
        "years 1 to 9999. Give a time within those years.\n"
    )
    assert count_events(db_url) == 0


@pytest.mark.parametrize("command", ["start", "complete"])
def test_invalid_time_creates_no_database(run, tmp_path, command):
    target = tmp_path / "new.db"
    result = run(
        command, "layers", "--at", "yesterday", "--db", str(target), exit_code=2
    )
    assert "--at 'yesterday'" in result.stderr
    assert not target.exists()


def test_import_time_outside_years(run, db_url, tmp_path):
    run("status")
    source = tmp_path / "events.csv"
    source.write_text(
        "user,module,kind,time\n"
        "ana,setup,started,2025-01-02T12:00:00Z\n"
        "ana,setup,completed,0001-01-01T00:00+05:00\n",
        encoding="utf-8",
    )
    result = run("import", "events", str(source), exit_code=2)
    assert result.stderr == (
        f"Error: {source}, line 3: time '0001-01-01T00:00+05:00' is not a valid "
        "time: in UTC it falls outside the years 1 to 9999. Give a time within "
        "those years.\n"
    )
    assert count_events(db_url) == 0


def test_tito_time_outside_years(run, db_url, tmp_path):
    run("status")
    source = tmp_path / "progress.json"
    source.write_text(
        json.dumps(
            {
                "completed_modules": ["01_setup"],
                "completion_dates": {"01_setup": "9999-12-31T23:59:59-05:00"},
            }
        ),
        encoding="utf-8",
    )
    result = run("import", "tito", str(source), "--user", "ana", exit_code=2)
    assert "completed_modules[0] ('01_setup'): time" in result.stderr
    assert "is not a valid time" in result.stderr
    assert count_events(db_url) == 0
