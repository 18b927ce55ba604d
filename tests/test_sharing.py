"""Offline learners: push local events to a shared database and pull them back.

Each "machine" is a SQLite file; the shared database is the test database,
so with a server configured it is PostgreSQL.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from tracker.catalog import sync_catalog
from tracker.db import open_database
from tracker.errors import CatalogMismatchError
from tracker.models import Event, Learner, Progress
from tracker.paths import bundled_catalog_dir
from tracker.sharing import (
    CatalogShape,
    catalog_differences,
    catalog_fingerprint,
    push_events,
)


def stored_uids(url: str) -> list[str]:
    database = open_database(url, sync_catalog=False)
    with database.session() as session:
        uids = list(session.scalars(select(Event.uid)))
    database.dispose()
    return uids


def progress_rows(url: str) -> list[tuple]:
    database = open_database(url, sync_catalog=False)
    with database.session() as session:
        rows = session.execute(
            select(
                Learner.handle,
                Progress.module_id,
                Progress.status,
                Progress.started_at,
                Progress.completed_at,
            ).join(Learner, Learner.id == Progress.learner_id)
        ).all()
    database.dispose()
    return sorted(tuple(row) for row in rows)


@pytest.fixture
def machines(tmp_path: Path) -> tuple[str, str]:
    """Two laptops' SQLite files; the second began as a copy of the first."""
    return str(tmp_path / "laptop-a.db"), str(tmp_path / "laptop-b.db")


def record_overlapping(run, machine_a: str, machine_b: str) -> None:
    run("complete", "introduction", "--at", "2026-09-01T08:00:00Z", "--db", machine_a)
    run("complete", "setup", "--at", "2026-09-02T08:00:00Z", "--db", machine_a)
    shutil.copy(machine_a, machine_b)
    run("complete", "tensor", "--at", "2026-09-03T08:00:00Z", "--db", machine_a)
    run("start", "activations", "--at", "2026-09-04T08:00:00Z", "--db", machine_b)
    run("complete", "introduction", "--user", "bo", "--db", machine_b)


def test_two_machines_push_the_union(run, db_url, machines):
    machine_a, machine_b = machines
    record_overlapping(run, machine_a, machine_b)
    union = set(stored_uids(machine_a)) | set(stored_uids(machine_b))
    assert len(union) == 5

    first = run("push", "--to", db_url, "--db", machine_a).stdout
    assert "Pushed 3 new events of ada" in first
    second = run("push", "--to", db_url, "--all", "--db", machine_b).stdout
    assert "Pushed 2 new events of ada, bo" in second
    assert "2 were already there" in second

    shared = stored_uids(db_url)
    assert sorted(shared) == sorted(union)
    status = json.loads(run("status", "--json", "--user", "ada").stdout)
    assert status["counts"]["completed"] == 3
    assert status["counts"]["in_progress"] == 1


def test_pushing_twice_adds_nothing(run, db_url, machines):
    machine_a, machine_b = machines
    record_overlapping(run, machine_a, machine_b)
    run("push", "--to", db_url, "--all", "--db", machine_b)
    before = (sorted(stored_uids(db_url)), progress_rows(db_url))

    again = json.loads(
        run("push", "--to", db_url, "--all", "--json", "--db", machine_b).stdout
    )

    assert again["copied"] == 0
    assert again["already_present"] == 4
    assert again["learners"] == ["ada", "bo"]
    assert (sorted(stored_uids(db_url)), progress_rows(db_url)) == before


def test_pull_reproduces_status_on_new_machine(run, db_url, machines, tmp_path):
    machine_a, machine_b = machines
    record_overlapping(run, machine_a, machine_b)
    run("push", "--to", db_url, "--all", "--db", machine_a)
    run("push", "--to", db_url, "--all", "--db", machine_b)
    new_machine = str(tmp_path / "new-laptop.db")

    pulled = run("pull", "--from", db_url, "--db", new_machine).stdout

    assert "Pulled 4 new events of ada" in pulled
    for command in (("status", "--json"), ("next", "--json")):
        shared = run(*command).stdout
        assert run(*command, "--db", new_machine).stdout == shared
    assert run("status", "--json", "--user", "bo", "--db", new_machine).stdout == (
        run("status", "--json", "--user", "nobody").stdout.replace("nobody", "bo")
    )
    again = run("pull", "--from", db_url, "--db", new_machine).stdout
    assert "Pulled 0 new events of ada" in again


def changed_catalog(tmp_path: Path) -> Path:
    """The bundled catalog without capstone, and with spatial needing only layers."""
    folder = tmp_path / "catalog"
    shutil.copytree(bundled_catalog_dir(), folder)
    shutil.rmtree(folder / "16_capstone")
    path = folder / "06_spatial" / "module.yaml"
    text = path.read_text()
    start = text.index("prerequisites:\n")
    end = text.index("components:", start)
    path.write_text(text[:start] + "prerequisites: [layers]\n" + text[end:])
    return folder


def test_different_catalogs_are_named(run, db_url, machines, tmp_path):
    machine_a, _ = machines
    run("complete", "introduction", "--db", machine_a)
    run("sync", str(changed_catalog(tmp_path)))

    result = run("push", "--to", db_url, "--db", machine_a, exit_code=1)

    assert "differ, so no event was copied" in result.stderr
    assert "modules only in sqlite:///" in result.stderr
    assert "laptop-a.db: capstone" in result.stderr
    assert "prerequisites of 'spatial' only in sqlite:///" in result.stderr
    assert "laptop-a.db: activations, dataloader, dense, setup, tensor" in (
        result.stderr
    )
    assert "tt-progress sync DIR --db URL" in result.stderr
    assert stored_uids(db_url) == []


def test_fingerprint_ignores_file_bytes(db_url, tmp_path):
    folder = tmp_path / "catalog"
    shutil.copytree(bundled_catalog_dir(), folder)
    path = folder / "02_tensor" / "module.yaml"
    path.write_text(path.read_text().replace('"4-6 hours"', '"5-7 hours"'))
    bundled = open_database(db_url)
    before = catalog_fingerprint(bundled)
    sync_catalog(bundled, folder)
    assert catalog_fingerprint(bundled) == before
    sync_catalog(bundled, changed_catalog(tmp_path / "other"))
    assert catalog_fingerprint(bundled) != before
    bundled.dispose()


def test_mismatch_lists_differences(db_url, machines, tmp_path):
    machine_a, _ = machines
    local = open_database(machine_a)
    local.dispose()
    shared = open_database(db_url)
    sync_catalog(shared, changed_catalog(tmp_path))
    shared.dispose()
    with pytest.raises(CatalogMismatchError) as info:
        push_events(machine_a, db_url, all_learners=True)
    assert info.value.differences == [
        f"modules only in sqlite:///{machine_a}: capstone",
        (
            f"prerequisites of 'spatial' only in sqlite:///{machine_a}: "
            "activations, dataloader, dense, setup, tensor"
        ),
    ]


def test_event_on_module_the_target_lacks(run, db_url, machines, tmp_path):
    machine_a, _ = machines
    folder = tmp_path / "catalog"
    shutil.copytree(bundled_catalog_dir(), folder)
    extra = folder / "17_extra"
    extra.mkdir()
    (extra / "module.yaml").write_text("name: extra\nprerequisites: [capstone]\n")
    run("sync", str(folder), "--db", machine_a)
    run("complete", "extra", "--db", machine_a)
    run("sync", str(bundled_catalog_dir()), "--db", machine_a)

    result = run("push", "--to", db_url, "--db", machine_a, exit_code=1)

    assert "The target database has no module extra" in result.stderr
    assert stored_uids(db_url) == []


def test_user_and_all_together_are_rejected(run, db_url, machines):
    result = run("push", "--to", db_url, "--all", "--user", "ada", exit_code=2)
    assert "Give either --user or --all, not both." in result.stderr


def test_unknown_learner_is_reported(run, db_url, machines):
    machine_a, _ = machines
    run("complete", "introduction", "--db", machine_a)
    result = run(
        "push", "--to", db_url, "--user", "Zed", "--db", machine_a, exit_code=1
    )
    assert "No learner 'zed' in sqlite:///" in result.stderr
    assert stored_uids(db_url) == []


def test_push_to_itself_is_rejected(run, db_url):
    result = run("push", "--to", db_url, exit_code=2)
    assert "is the local database itself" in result.stderr


def test_pull_creates_no_shared_database(run, db_url, tmp_path):
    missing = tmp_path / "nowhere.db"
    result = run("pull", "--from", str(missing), exit_code=1)
    assert f"No database at {missing}" in result.stderr
    assert not missing.exists()


def test_catalog_differences_in_words():
    first = CatalogShape({"a": 0, "b": 1, "c": 2}, {"a": [], "b": ["a"], "c": ["b"]})
    second = CatalogShape({"a": 0, "b": 5, "d": 2}, {"a": [], "b": [], "d": ["a"]})
    assert catalog_differences(first, second, "local", "shared") == [
        "modules only in local: c",
        "modules only in shared: d",
        "'b' is number 1 in local and 5 in shared",
        "prerequisites of 'b' only in local: a",
    ]
    assert first.fingerprint() != second.fingerprint()
    assert (
        first.fingerprint()
        == CatalogShape(dict(first.modules), first.prerequisites).fingerprint()
    )


def test_push_from_missing_file_creates_nothing(run, db_url, tmp_path):
    missing = tmp_path / "typo.db"
    result = run("push", "--to", db_url, "--db", str(missing), exit_code=1)
    assert f"No database at {missing}" in result.stderr
    assert not missing.exists()


def test_one_event_is_singular(run, db_url, machines):
    machine_a, _ = machines
    run("complete", "introduction", "--db", machine_a)
    result = run("push", "--to", db_url, "--db", machine_a)
    assert "Pushed 1 new event of ada from sqlite:///" in result.stdout
    assert "; 0 were already there." in result.stdout
