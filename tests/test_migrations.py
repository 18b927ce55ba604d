"""The Alembic revisions: upgrade from empty, match the models, step down and up."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from tracker import migrate
from tracker.db import SCHEMA_HEAD, create_tracker_engine, open_database
from tracker.errors import DatabaseError
from tracker.models import Base


def test_schema_head_constant_matches_alembic():
    assert SCHEMA_HEAD == migrate.head_revision()


def test_upgrade_from_empty_matches_models(db_url):
    engine = create_tracker_engine(db_url)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        assert compare_metadata(context, Base.metadata) == []
    assert migrate.current_revision(engine) == SCHEMA_HEAD
    engine.dispose()


def test_downgrade_and_upgrade_again(db_url):
    engine = create_tracker_engine(db_url)
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    tables = set(inspect(engine).get_table_names())
    assert tables <= {"alembic_version"}
    migrate.upgrade(engine)
    assert "events" in inspect(engine).get_table_names()
    engine.dispose()


def test_db_commands(run, db_url):
    before = run("db", "current")
    assert "revision none" in before.stdout
    upgraded = run("db", "upgrade")
    assert f"is at revision {SCHEMA_HEAD}" in upgraded.stdout
    after = run("db", "current")
    assert f"revision {SCHEMA_HEAD} (up to date)" in after.stdout


def test_foreign_tables_are_refused(sqlite_url, tmp_path):
    connection = sqlite3.connect(tmp_path / "progress.db")
    connection.execute("CREATE TABLE grades (student TEXT)")
    connection.commit()
    connection.close()
    with pytest.raises(DatabaseError) as info:
        open_database(sqlite_url)
    assert "has tables but no tt-progress schema version" in str(info.value)


def test_not_a_sqlite_file(run, tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("just some notes\n")
    result = run("status", "--db", str(target), exit_code=1)
    assert f"{target} is not a SQLite database" in result.stderr
    assert target.read_text() == "just some notes\n"


def test_sqlite_pragmas(sqlite_url):
    database = open_database(sqlite_url)
    with database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000
    database.dispose()
