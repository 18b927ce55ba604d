"""Databases that are missing, empty, damaged or not tt-progress's own.

Commands that only read create no database given with --db. Every message
names the file or URL and the way out.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tracker.cli import cli
from tracker.db import open_database
from tracker.errors import DatabaseError

READ_ONLY_COMMANDS = [
    ("status",),
    ("status", "--json"),
    ("next",),
    ("modules",),
    ("info", "tensor"),
    ("path",),
    ("overview",),
    ("overview", "--json", "--charts", "{out}/charts"),
    ("chart", "graph", "-o", "{out}/graph.png"),
    ("chart", "architecture", "-o", "{out}/architecture.png"),
    ("chart", "roadmap", "-o", "{out}/roadmap.png"),
    ("chart", "components", "-o", "{out}/components.png"),
    ("chart", "cohort", "-o", "{out}/cohort.png"),
    ("chart", "funnel", "-o", "{out}/funnel.png"),
    ("cohort", "list"),
    ("cohort", "status"),
    ("cohort", "learners"),
    ("cohort", "stuck"),
    ("cohort", "export"),
    ("cohort", "export", "--table", "events", "-o", "{out}/events.csv"),
    ("cohort", "report", "-o", "{out}/report.html"),
    ("export", "events"),
    ("export", "events", "-o", "{out}/events.csv"),
]


def with_output(args: tuple[str, ...], folder: Path) -> list[str]:
    """Put the output files of a command into ``folder``."""
    return [arg.replace("{out}", str(folder)) for arg in args]


def invoke(*args: str, exit_code: int = 0) -> Result:
    result = CliRunner().invoke(cli, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert "Traceback" not in result.output
    assert result.exit_code == exit_code, result.output
    return result


def sqlite_path(sqlite_url: str) -> Path:
    return Path(make_url(sqlite_url).database)


def tables(db_url: str) -> set[str]:
    engine = create_engine(db_url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize("args", READ_ONLY_COMMANDS)
def test_read_command_creates_no_missing_file(sqlite_url, args, tmp_path):
    path = sqlite_path(sqlite_url)
    output = tmp_path / "output"
    output.mkdir()
    result = invoke(*with_output(args, output), "--db", str(path), exit_code=1)
    assert f"No database at {path}" in result.stderr
    assert "commands that only read do not create a database given with --db" in (
        result.stderr
    )
    assert f"tt-progress db upgrade --db {path}" in result.stderr
    assert not path.exists()
    assert list(output.iterdir()) == []


@pytest.mark.parametrize("args", READ_ONLY_COMMANDS)
def test_read_command_leaves_empty_file_empty(sqlite_url, args, tmp_path):
    path = sqlite_path(sqlite_url)
    path.touch()
    result = invoke(*with_output(args, tmp_path), "--db", str(path), exit_code=1)
    assert f"An empty file (0 bytes) at {path}" in result.stderr
    assert path.stat().st_size == 0


@pytest.mark.parametrize("args", READ_ONLY_COMMANDS)
def test_read_command_creates_no_schema(run, db_url, args, tmp_path):
    result = run(*with_output(args, tmp_path), "--db", db_url, exit_code=1)
    assert "commands that only read do not create" in result.stderr
    path = make_url(db_url).database
    if make_url(db_url).get_backend_name() == "sqlite":
        assert not Path(path).exists()
    else:
        assert tables(db_url) == set()


def test_db_current_creates_nothing(sqlite_url):
    path = sqlite_path(sqlite_url)
    missing = invoke("db", "current", "--db", str(path))
    assert "revision none" in missing.stdout
    assert "No database file exists there yet." in missing.stdout
    assert not path.exists()
    path.touch()
    empty = invoke("db", "current", "--db", str(path))
    assert "revision none" in empty.stdout
    assert path.stat().st_size == 0


def test_write_command_initialises_empty_file(sqlite_url):
    path = sqlite_path(sqlite_url)
    path.touch()
    invoke("complete", "tensor", "--db", str(path))
    assert '"completed": 1' in invoke("status", "--json", "--db", str(path)).stdout


def test_read_command_opens_existing_database(sqlite_url):
    path = sqlite_path(sqlite_url)
    invoke("complete", "tensor", "--db", str(path))
    assert "1/17 modules completed" in invoke("status", "--db", path.as_posix()).stdout


def test_default_database_is_created_by_status(app_home, sqlite_url):
    result = invoke("status")
    assert "0/17 modules completed" in result.stdout
    assert (app_home / "progress.db").stat().st_size > 0


def test_environment_database_is_created_by_status(sqlite_url, monkeypatch):
    path = sqlite_path(sqlite_url)
    monkeypatch.setenv("TT_PROGRESS_DB", str(path))
    assert "0/17 modules completed" in invoke("status").stdout
    assert path.stat().st_size > 0


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"just some notes\n", "is not a SQLite database"),
        (b"SQLite format", "is truncated: it is 13 bytes"),
        (b"SQLite format 3\x00" + b"\x10" * 40, "is truncated: it is 56 bytes"),
    ],
)
def test_file_that_is_not_a_database(sqlite_url, content, fragment):
    path = sqlite_path(sqlite_url)
    path.write_bytes(content)
    for args in (("status",), ("complete", "tensor")):
        result = invoke(*args, "--db", str(path), exit_code=1)
        assert f"{path}" in result.stderr
        assert fragment in result.stderr
    assert path.read_bytes() == content


def test_truncated_database(sqlite_url):
    path = sqlite_path(sqlite_url)
    invoke("complete", "introduction", "setup", "tensor", "--db", str(path))
    size = path.stat().st_size
    os.truncate(path, size // 2)
    for args in (("status",), ("complete", "layers")):
        result = invoke(*args, "--db", str(path), exit_code=1)
        assert f"The database file {path} is damaged or truncated" in result.stderr
        assert "database disk image is malformed" in result.stderr
    assert path.stat().st_size == size // 2


def test_folder_is_not_a_database(sqlite_url):
    path = sqlite_path(sqlite_url)
    path.mkdir()
    result = invoke("status", "--db", str(path), exit_code=1)
    assert f"{path} is a folder, not a database file." in result.stderr


def create_foreign_table(db_url: str) -> None:
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE grades (student VARCHAR(20))"))
        connection.execute(text("INSERT INTO grades VALUES ('ada')"))
    engine.dispose()


@pytest.mark.parametrize(
    "args", [("status",), ("complete", "tensor"), ("db", "upgrade")]
)
def test_foreign_database_is_refused(run, db_url, args):
    create_foreign_table(db_url)
    result = run(*args, exit_code=1)
    assert "has tables but no tt-progress schema version" in result.stderr
    assert "Point --db at a new database, or at one that tt-progress created." in (
        result.stderr
    )
    assert tables(db_url) == {"grades"}


def test_newer_schema_is_refused(run, db_url):
    run("complete", "tensor")
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    result = run("status", exit_code=1)
    assert "has schema revision '9999', which this tt-progress does not know" in (
        result.stderr
    )
    assert "Upgrade tt-progress" in result.stderr


def test_version_table_alone_counts_as_empty(db_url):
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(
            text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        )
    engine.dispose()
    database = open_database(db_url)
    database.dispose()
    assert "events" in tables(db_url)


def test_open_without_create_writes_nothing(sqlite_url):
    with pytest.raises(DatabaseError) as info:
        open_database(sqlite_url, create=False)
    assert "Check --db, or run a command that records progress" in str(info.value)
    assert not sqlite_path(sqlite_url).exists()


def test_no_table_is_written_to_a_foreign_file(sqlite_url):
    path = sqlite_path(sqlite_url)
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE grades (student TEXT)")
    connection.commit()
    connection.close()
    before = path.read_bytes()
    invoke("next", "--db", str(path), exit_code=1)
    assert path.read_bytes() == before


def test_unreachable_database_is_named(postgres_url):
    missing = postgres_url.rsplit("/", 1)[0] + "/ttp_no_such_database"
    result = invoke("status", "--db", missing, exit_code=1)
    assert "Cannot connect to postgresql+psycopg://" in result.stderr
    assert 'database "ttp_no_such_database" does not exist' in result.stderr
    assert "Check that the server is running" in result.stderr
