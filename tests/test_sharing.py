"""Offline learners: push local events to a shared database and pull them back.

Each "machine" is a SQLite file; the shared database is the test database,
so with a server configured it is PostgreSQL.
"""

from __future__ import annotations

import json
import multiprocessing
import shutil
import traceback
from pathlib import Path

import pytest
from sqlalchemy import select

from tracker.catalog import sync_catalog
from tracker.db import display_url, open_database
from tracker.errors import CatalogMismatchError
from tracker.models import Event, Learner, Module, Progress
from tracker.paths import bundled_catalog_dir
from tracker.sharing import (
    CatalogShape,
    catalog_differences,
    catalog_fingerprint,
    copy_events,
    push_events,
)

# The bundled modules in course order.
MODULES = [
    "introduction",
    "setup",
    "tensor",
    "activations",
    "layers",
    "dense",
    "spatial",
    "attention",
    "dataloader",
    "autograd",
    "optimizers",
    "training",
]


def stored_uids(url: str) -> list[str]:
    database = open_database(url, sync_catalog=False)
    with database.session() as session:
        uids = list(session.scalars(select(Event.uid)))
    database.dispose()
    return uids


def event_rows(url: str) -> list[tuple]:
    """Every event with all its values, the learner and module by name."""
    database = open_database(url, sync_catalog=False)
    with database.session() as session:
        rows = session.execute(
            select(
                Event.uid,
                Learner.handle,
                Module.slug,
                Event.kind,
                Event.occurred_at,
                Event.recorded_at,
                Event.source,
            )
            .join(Learner, Learner.id == Event.learner_id)
            .join(Module, Module.id == Event.module_id)
        ).all()
    database.dispose()
    return sorted(tuple(row) for row in rows)


def learner_handles(url: str) -> list[str]:
    database = open_database(url, sync_catalog=False)
    with database.session() as session:
        handles = sorted(session.scalars(select(Learner.handle)))
    database.dispose()
    return handles


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
    assert event_rows(db_url) == sorted(
        set(event_rows(machine_a)) | set(event_rows(machine_b))
    )
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


def test_push_sends_one_learner_only(run, db_url, machines):
    machine_a, machine_b = machines
    record_overlapping(run, machine_a, machine_b)

    result = run("push", "--to", db_url, "--json", "--db", machine_b)

    assert json.loads(result.stdout)["learners"] == ["ada"]
    assert learner_handles(db_url) == ["ada"]
    ada = [row for row in event_rows(machine_b) if row[1] == "ada"]
    assert event_rows(db_url) == ada
    run("push", "--to", db_url, "--user", "BO", "--db", machine_b)
    assert learner_handles(db_url) == ["ada", "bo"]
    assert event_rows(db_url) == event_rows(machine_b)


def test_pull_brings_one_learner_only(run, db_url, machines, tmp_path):
    machine_a, machine_b = machines
    record_overlapping(run, machine_a, machine_b)
    run("push", "--to", db_url, "--all", "--db", machine_a)
    run("push", "--to", db_url, "--all", "--db", machine_b)
    new_machine = str(tmp_path / "new-laptop.db")

    result = run("pull", "--from", db_url, "--user", "bo", "--db", new_machine)

    assert "Pulled 1 new event of bo" in result.stdout
    assert learner_handles(new_machine) == ["bo"]
    bo = [row for row in event_rows(db_url) if row[1] == "bo"]
    assert event_rows(new_machine) == bo
    status = json.loads(run("status", "--json", "--db", new_machine).stdout)
    assert status["counts"]["completed"] == 0


def test_pull_merges_with_local_events(run, db_url, machines):
    machine_a, machine_b = machines
    record_overlapping(run, machine_a, machine_b)
    run("push", "--to", db_url, "--db", machine_a)

    result = run("pull", "--from", db_url, "--json", "--db", machine_b)

    report = json.loads(result.stdout)
    assert report["copied"] == 1
    assert report["already_present"] == 2
    ada = sorted(
        {
            row
            for row in event_rows(machine_a) + event_rows(machine_b)
            if row[1] == "ada"
        }
    )
    assert [row for row in event_rows(machine_b) if row[1] == "ada"] == ada
    status = json.loads(run("status", "--json", "--db", machine_b).stdout)
    assert status["counts"]["completed"] == 3
    assert status["counts"]["in_progress"] == 1


def test_pull_with_different_catalogs(run, db_url, machines, tmp_path):
    machine_a, _ = machines
    run("complete", "introduction")
    run("sync", str(changed_catalog(tmp_path)), "--db", machine_a)
    before = event_rows(machine_a)

    result = run("pull", "--from", db_url, "--db", machine_a, exit_code=1)

    shared = display_url(db_url)
    assert "differ, so no event was copied" in result.stderr
    assert f"modules only in {shared}: capstone" in result.stderr
    assert (
        f"prerequisites of 'spatial' only in {shared}: activations, dataloader, "
        "dense, setup, tensor" in result.stderr
    )
    assert event_rows(machine_a) == before


def test_pull_of_unknown_learner(run, db_url, tmp_path):
    run("complete", "introduction")
    new_machine = tmp_path / "new-laptop.db"
    result = run(
        "pull", "--from", db_url, "--user", "zed", "--db", str(new_machine), exit_code=1
    )
    assert "No learner 'zed' in " in result.stderr
    assert "so there are no events to copy" in result.stderr


def class_events(learners: list[str], modules: list[str], day: int) -> str:
    """Return JSON Lines of completions of ``modules`` by each of ``learners``."""
    rows = [
        {
            "user": handle,
            "module": module,
            "kind": "completed",
            "time": f"2026-09-{day:02d}T08:{index % 60:02d}:00.{index:06d}+02:00",
        }
        for index, (handle, module) in enumerate(
            (handle, module) for handle in learners for module in modules
        )
    ]
    return "".join(json.dumps(row) + "\n" for row in rows)


def import_class(run, path: str, tmp_path: Path, text: str) -> None:
    events = tmp_path / "class.jsonl"
    events.write_text(text)
    run("import", "events", str(events), "--db", path)


def push_at_once(local: str, shared: str, start, results) -> None:  # type: ignore[no-untyped-def]
    """Push every learner of ``local`` once all the pushing processes are ready.

    Runs in a spawned process and reports (events copied, traceback or None).
    """
    try:
        source = open_database(local, must_exist=True)
        target = open_database(shared)
        start.wait(timeout=120)
        report = copy_events(source, target, None)
        source.dispose()
        target.dispose()
        results.put((report.copied, None))
    except BaseException:  # noqa: BLE001 - the parent reports every failure
        results.put((0, traceback.format_exc()))


def test_concurrent_pushes_store_the_union(run, db_url, machines, tmp_path):
    # Four processes push at once, two from each machine, into a shared
    # database that has no schema yet.
    machine_a, machine_b = machines
    learners = [f"learner{number:02d}" for number in range(30)]
    import_class(run, machine_a, tmp_path, class_events(learners, MODULES[:6], 1))
    shutil.copy(machine_a, machine_b)
    import_class(run, machine_a, tmp_path, class_events(learners, MODULES[6:9], 2))
    import_class(run, machine_b, tmp_path, class_events(learners[::2], MODULES[6:], 3))
    union = sorted(set(event_rows(machine_a)) | set(event_rows(machine_b)))
    assert len(union) == 30 * 6 + 30 * 3 + 15 * 6

    context = multiprocessing.get_context("spawn")
    start = context.Barrier(4)
    results = context.Queue()
    processes = [
        context.Process(target=push_at_once, args=(machine, db_url, start, results))
        for machine in (machine_a, machine_b, machine_a, machine_b)
    ]
    for process in processes:
        process.start()
    reported = [results.get(timeout=300) for _ in processes]
    for process in processes:
        process.join(timeout=60)

    assert [error for _, error in reported] == [None] * 4
    assert event_rows(db_url) == union
    assert sum(copied for copied, _ in reported) == len(union)
    assert learner_handles(db_url) == learners
