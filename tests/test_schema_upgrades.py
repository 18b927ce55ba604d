"""Schema changes keep data: every Alembic revision on a populated database.

The tests walk whatever revisions migrations/versions contains, so they keep
working as revisions are added. A revision written here on top of the real
ones stands for the next release, to test an upgrade of an existing database.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import MetaData, create_engine, inspect, select, text
from sqlalchemy.engine import Engine, make_url

from tracker import db, migrate, paths
from tracker.cli import cli
from tracker.db import create_tracker_engine, open_database
from tracker.errors import DatabaseError
from tracker.models import Cohort, CohortMember, Learner
from tracker.progress import learner_status, record_events

REVISIONS = migrate.revisions()

Snapshot = dict[str, tuple[list[str], list[tuple]]]


def populate(database: db.Database) -> None:
    """Fill a database at head with learners, events, progress and cohorts."""
    for handle, module, kind, at in [
        ("ada", "introduction", "completed", "2026-09-01T08:00:00.250000+00:00"),
        ("ada", "setup", "started", "2026-09-02T09:00:00+00:00"),
        ("ben", "introduction", "completed", "2026-09-03T10:00:00+00:00"),
        ("ben", "introduction", "reset", "2026-09-04T10:00:00+00:00"),
        ("zoë", "introduction", "started", "2026-09-05T11:00:00+00:00"),
    ]:
        record_events(database, handle, [module], kind, datetime.fromisoformat(at))
    created = datetime(2026, 8, 30, 12, 0, tzinfo=timezone.utc)
    with database.session(write=True) as session:
        ada = session.scalars(select(Learner).where(Learner.handle == "ada")).one()
        ada.display_name, ada.email = "Ada Lovelace", "ada@example.org"
        for name, members in [("autumn", ["ada", "ben"]), ("evening", ["zoë"])]:
            cohort = Cohort(name=name, created_at=created)
            session.add(cohort)
            session.flush()
            for handle in members:
                learner = session.scalars(
                    select(Learner).where(Learner.handle == handle)
                ).one()
                session.add(CohortMember(cohort_id=cohort.id, learner_id=learner.id))


def snapshot(engine: Engine) -> Snapshot:
    """Every row of every table but Alembic's, as read back by reflection."""
    metadata = MetaData()
    metadata.reflect(engine)
    result: Snapshot = {}
    with engine.connect() as connection:
        for name, table in metadata.tables.items():
            if name == "alembic_version":
                continue
            columns = sorted(column.name for column in table.columns)
            rows = connection.execute(select(*(table.c[c] for c in columns))).all()
            result[name] = (columns, sorted((tuple(row) for row in rows), key=repr))
    return result


def restrict(full: Snapshot, shape: Snapshot) -> Snapshot:
    """Keep the tables and columns of ``full`` that ``shape`` has."""
    result: Snapshot = {}
    for name, (columns, _) in shape.items():
        all_columns, rows = full[name]
        indexes = [all_columns.index(column) for column in columns]
        kept = [tuple(row[i] for i in indexes) for row in rows]
        result[name] = (columns, sorted(kept, key=repr))
    return result


def status_json(database: db.Database) -> list[str]:
    return [
        json.dumps(learner_status(database, handle).as_dict())
        for handle in ("ada", "ben", "zoë")
    ]


@pytest.fixture
def populated(db_url: str) -> tuple[Snapshot, list[str]]:
    """A database at head with data; returns its rows and learners' statuses."""
    database = open_database(db_url)
    populate(database)
    rows = snapshot(database.engine)
    statuses = status_json(database)
    database.dispose()
    assert len(rows["events"][1]) == 5
    assert len(rows["cohort_members"][1]) == 3
    return rows, statuses


@pytest.mark.parametrize("revision", REVISIONS)
def test_revision_keeps_data(db_url, populated, revision):
    rows, statuses = populated
    engine = create_tracker_engine(db_url)

    migrate.downgrade(engine, revision)
    assert migrate.current_revision(engine) == revision
    lower = snapshot(engine)
    assert lower == restrict(rows, lower)

    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == REVISIONS[-1]
    again = snapshot(engine)
    assert set(again) == set(rows)
    assert restrict(again, lower) == lower
    for name, (_, table_rows) in rows.items():
        assert len(again[name][1]) == len(table_rows), name
    engine.dispose()

    database = open_database(db_url)
    assert status_json(database) == statuses
    database.dispose()


def test_every_step_down_and_up(db_url, populated):
    engine = create_tracker_engine(db_url)
    for revision in reversed(REVISIONS[:-1]):
        migrate.downgrade(engine, revision)
        assert migrate.current_revision(engine) == revision
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    for revision in REVISIONS:
        migrate.upgrade(engine, revision)
        assert migrate.current_revision(engine) == revision
    engine.dispose()


def test_database_at_base_opens_as_new(db_url, populated):
    engine = create_tracker_engine(db_url)
    migrate.downgrade(engine, "base")
    engine.dispose()
    database = open_database(db_url)
    assert learner_status(database, "ada").completed == 0
    database.dispose()


NEXT_REVISION = '''"""Add a nickname to learners (a test stand-in for the next release)."""

import sqlalchemy as sa
from alembic import op

revision = "9000"
down_revision = {head!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("learners") as batch:
        batch.add_column(sa.Column("nickname", sa.String(50), nullable=True))
    {extra}


def downgrade() -> None:
    with op.batch_alter_table("learners") as batch:
        batch.drop_column("nickname")
'''


def install_next_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: str = "pass"
) -> None:
    """Make tt-progress see one more revision on top of the real ones."""
    folder = tmp_path / "next-migrations"
    shutil.copytree(
        paths.migrations_dir(), folder, ignore=shutil.ignore_patterns("__pycache__")
    )
    source = NEXT_REVISION.format(head=REVISIONS[-1], extra=extra)
    (folder / "versions" / "9000_nickname.py").write_text(source)
    monkeypatch.setattr(paths, "migrations_dir", lambda: folder)
    monkeypatch.setattr(db, "SCHEMA_HEAD", "9000")


def backups(db_url: str) -> list[Path]:
    path = Path(make_url(db_url).database)
    return sorted(path.parent.glob(f"{path.name}.*.bak"))


def test_upgrade_of_existing_database_keeps_data(
    db_url, populated, tmp_path, monkeypatch
):
    rows, statuses = populated
    install_next_release(tmp_path, monkeypatch)

    database = open_database(db_url)
    assert migrate.current_revision(database.engine) == "9000"
    after = snapshot(database.engine)
    assert "nickname" in after["learners"][0]
    assert restrict(after, rows) == rows
    assert status_json(database) == statuses
    database.dispose()


def test_sqlite_backup_before_upgrade(sqlite_url, tmp_path, monkeypatch):
    database = open_database(sqlite_url)
    populate(database)
    rows = snapshot(database.engine)
    database.dispose()
    assert backups(sqlite_url) == []
    install_next_release(tmp_path, monkeypatch)
    before = datetime.now(timezone.utc).replace(microsecond=0)

    open_database(sqlite_url).dispose()

    after = datetime.now(timezone.utc)
    [copy] = backups(sqlite_url)
    match = re.fullmatch(r"progress\.db\.(\d{8}T\d{6}Z)\.bak", copy.name)
    assert match is not None
    stamp = datetime.strptime(match[1], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    assert before <= stamp <= after
    engine = create_engine(f"sqlite:///{copy}")
    assert migrate.current_revision(engine) == REVISIONS[-1]
    assert snapshot(engine) == rows
    engine.dispose()
    open_database(sqlite_url).dispose()
    assert len(backups(sqlite_url)) == 1


@pytest.mark.parametrize("revision", REVISIONS[:-1])
@pytest.mark.parametrize(
    "command", [("status", "--json", "--user", "ada"), ("db", "upgrade")], ids=" ".join
)
def test_command_upgrades_older_revision(db_url, populated, revision, command):
    rows, statuses = populated
    engine = create_tracker_engine(db_url)
    migrate.downgrade(engine, revision)
    lower = snapshot(engine)
    engine.dispose()

    result = CliRunner().invoke(cli, [*command, "--db", db_url])

    assert result.exit_code == 0, result.output
    if command[0] == "status":
        assert json.loads(result.stdout) == json.loads(statuses[0])
    engine = create_tracker_engine(db_url)
    assert migrate.current_revision(engine) == REVISIONS[-1]
    assert snapshot(engine) == rows
    engine.dispose()
    if make_url(db_url).get_backend_name() != "sqlite":
        return
    [copy] = backups(db_url)
    engine = create_engine(f"sqlite:///{copy}")
    assert migrate.current_revision(engine) == revision
    assert snapshot(engine) == lower
    engine.dispose()


@pytest.fixture
def lockable_folder(tmp_path: Path) -> Iterator[Path]:
    """Yield the test's folder, and make it writable again afterwards."""
    yield tmp_path
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(tmp_path)], check=False)
    tmp_path.chmod(0o755)


def lock_folder(folder: Path) -> None:
    """Make ``folder`` refuse new files, even to root."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return
    # Permission bits do not stop root, but the immutable attribute does.
    try:
        done = subprocess.run(
            ["chattr", "+i", str(folder)], capture_output=True, check=False, text=True
        )
    except FileNotFoundError:
        pytest.skip("chattr is not installed, and root ignores permission bits.")
    if done.returncode != 0:
        pytest.skip(f"chattr +i failed on this file system: {done.stderr.strip()}")


def test_failed_backup_leaves_database_as_it_was(
    sqlite_url, lockable_folder, monkeypatch
):
    path = Path(make_url(sqlite_url).database)
    database = open_database(sqlite_url)
    populate(database)
    rows = snapshot(database.engine)
    database.dispose()
    install_next_release(lockable_folder, monkeypatch)
    # An open connection keeps the -wal and -shm files, which SQLite must
    # find beside the database to read it while the folder is locked.
    keeper = sqlite3.connect(path)
    keeper.execute("SELECT count(*) FROM events").fetchall()
    lock_folder(lockable_folder)

    result = CliRunner().invoke(cli, ["complete", "tensor", "--db", str(path)])

    keeper.close()
    assert isinstance(result.exception, SystemExit)
    assert result.exit_code == 1
    assert f"Cannot keep a copy of {path} as progress.db." in result.stderr
    assert "so the database was left as it was." in result.stderr
    assert f"allow writing in {lockable_folder}, then run" in result.stderr
    assert backups(sqlite_url) == []
    engine = create_tracker_engine(sqlite_url)
    assert migrate.current_revision(engine) == REVISIONS[-1]
    assert snapshot(engine) == rows
    engine.dispose()


def test_new_database_gets_no_backup(sqlite_url):
    open_database(sqlite_url).dispose()
    assert backups(sqlite_url) == []


@pytest.mark.parametrize(
    ("statement", "fragment"),
    [
        ("SELECT missing FROM learners", "missing"),
        ("DELETE FROM learners WHERE handle = 'ada'", "events"),
    ],
    ids=["invalid SQL", "broken references"],
)
def test_failed_upgrade_leaves_database_as_it_was(
    db_url, populated, tmp_path, monkeypatch, statement, fragment
):
    rows, _ = populated
    install_next_release(tmp_path, monkeypatch, extra=f"op.execute({statement!r})")

    with pytest.raises(DatabaseError) as info:
        open_database(db_url)

    assert fragment in str(info.value)
    engine = create_tracker_engine(db_url)
    assert migrate.current_revision(engine) == REVISIONS[-1]
    assert snapshot(engine) == rows
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM events")).scalar() == 5
    engine.dispose()


def test_table_rebuild_keeps_rows_that_refer_to_it(
    db_url, populated, tmp_path, monkeypatch
):
    # Dropping a column makes Alembic rebuild the learners table on SQLite
    # (copy, drop, rename), which the events, progress and cohort_members
    # rows refer to by foreign key.
    rows, _ = populated
    install_next_release(tmp_path, monkeypatch)
    open_database(db_url).dispose()
    engine = create_tracker_engine(db_url)

    migrate.downgrade(engine, REVISIONS[-1])

    assert snapshot(engine) == rows
    engine.dispose()
