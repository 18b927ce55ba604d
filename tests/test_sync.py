"""Syncing a catalog folder: idempotence, retirement, rollback and --strict."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tracker.catalog import sync_catalog
from tracker.db import open_database
from tracker.errors import MetadataError
from tracker.models import (
    Component,
    Dependency,
    Event,
    Module,
    ModuleAlias,
    PrerequisiteClosure,
    Setting,
)
from tracker.paths import bundled_catalog_dir
from tracker.progress import record_events


def snapshot(database) -> dict[str, list]:
    """Every catalog row, for comparing a database before and after."""

    def rows(session, *columns):
        return sorted(tuple(row) for row in session.execute(select(*columns)))

    with database.session() as session:
        return {
            "modules": rows(
                session,
                Module.slug,
                Module.number,
                Module.title,
                Module.retired,
                Module.position,
                Module.level,
                Module.dependants,
                Module.hours_low,
                Module.hours_high,
            ),
            "dependencies": rows(
                session, Dependency.module_id, Dependency.prerequisite_id
            ),
            "closure": rows(
                session,
                PrerequisiteClosure.module_id,
                PrerequisiteClosure.prerequisite_id,
            ),
            "components": rows(
                session, Component.id, Component.module_id, Component.name
            ),
            "aliases": rows(session, ModuleAlias.alias, ModuleAlias.module_id),
            "settings": rows(session, Setting.key, Setting.value),
        }


def copy_bundled(tmp_path: Path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(bundled_catalog_dir(), target)
    return target


def test_open_syncs_bundled_catalog(database):
    rows = snapshot(database)
    assert len(rows["modules"]) == 17
    assert ("catalog_source", "bundled") in rows["settings"]
    with database.session() as session:
        dense = session.scalars(select(Module).where(Module.slug == "dense")).one()
        assert dense.position == 6
        assert dense.level == 5
        assert dense.dependants == 8
        aliases = set(
            session.scalars(
                select(ModuleAlias.alias).where(ModuleAlias.module_id == dense.id)
            )
        )
        assert aliases == {"05", "05_dense", "networks"}


def test_sync_twice_changes_nothing(database):
    before = snapshot(database)
    report = sync_catalog(database, None)
    assert not report.changed
    assert report.added == []
    assert snapshot(database) == before


def test_sync_updates_and_retires_keeping_history(database, tmp_path):
    folder = copy_bundled(tmp_path)
    record_events(database, "ada", ["capstone"], "completed")
    shutil.rmtree(folder / "16_capstone")
    path = folder / "02_tensor" / "module.yaml"
    path.write_text(path.read_text().replace('"4-6 hours"', '"5-7 hours"'))

    report = sync_catalog(database, folder)

    assert report.retired == ["capstone"]
    # Every module that capstone needed now has one dependant fewer.
    assert "tensor" in report.updated
    assert "capstone" not in report.updated
    with database.session() as session:
        capstone = session.scalars(
            select(Module).where(Module.slug == "capstone")
        ).one()
        assert capstone.retired is True
        events = session.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.module_id == capstone.id)
        )
        assert events == 1
        tensor = session.scalars(select(Module).where(Module.slug == "tensor")).one()
        assert (tensor.hours_low, tensor.hours_high) == (5.0, 7.0)
    again = sync_catalog(database, folder)
    assert not again.changed


def test_retired_module_comes_back(database, tmp_path):
    folder = copy_bundled(tmp_path)
    kept = tmp_path / "kept"
    shutil.move(str(folder / "16_capstone"), kept)
    sync_catalog(database, folder)
    shutil.move(str(kept), folder / "16_capstone")
    report = sync_catalog(database, folder)
    assert report.restored == ["capstone"]


def test_failed_sync_leaves_database_unchanged(database, tmp_path):
    folder = copy_bundled(tmp_path)
    before = snapshot(database)
    (folder / "03_activations" / "module.yaml").write_text("name: [broken\n")
    with pytest.raises(MetadataError):
        sync_catalog(database, folder)
    assert snapshot(database) == before


def test_cycle_leaves_database_unchanged(database, tmp_path):
    folder = copy_bundled(tmp_path)
    before = snapshot(database)
    path = folder / "00_introduction" / "module.yaml"
    path.write_text(
        path.read_text().replace("prerequisites: []", "prerequisites: [capstone]")
    )
    with pytest.raises(MetadataError) as info:
        sync_catalog(database, folder)
    assert "Prerequisite cycle" in str(info.value)
    assert snapshot(database) == before


def test_upstream_sync_warns_and_strict_fails(run, upstream_catalog, db_url):
    result = run("sync", str(upstream_catalog))
    assert "Synced 17 modules" in result.stdout
    for name, folder in [
        ("computer_vision", "06_spatial"),
        ("04_networks", "12_compression"),
        ("05_cnn", "13_kernels"),
        ("cnn", "16_capstone"),
    ]:
        assert f"'{name}' matches no module" in result.stderr
        assert f"{folder}/module.yaml" in result.stderr
    database = open_database(db_url, sync_catalog=False)
    before = snapshot(database)
    failed = run("sync", "--strict", str(upstream_catalog), exit_code=2)
    assert "--strict makes every warning an error" in failed.output
    assert snapshot(database) == before
    database.dispose()


def test_strict_on_new_database_writes_nothing(run, upstream_catalog, tmp_path):
    target = tmp_path / "never.db"
    run("sync", "--strict", "--db", str(target), str(upstream_catalog), exit_code=2)
    assert not target.exists()


def test_sync_check_writes_nothing(run, upstream_catalog, tmp_path):
    target = tmp_path / "never.db"
    result = run("sync", "--check", "--db", str(target), str(upstream_catalog))
    assert "17 modules" in result.stdout
    assert not target.exists()


def test_sync_reports_up_to_date(run):
    run("status")
    result = run("sync")
    assert result.stdout == "17 modules: already up to date, nothing changed.\n"


def test_sync_summaries_count_in_words(run, tmp_path):
    folder = tmp_path / "one"
    (folder / "00_solo").mkdir(parents=True)
    (folder / "00_solo" / "module.yaml").write_text("name: solo\n", encoding="utf-8")
    assert run("sync", "--check", str(folder)).stdout == (
        "1 module, 0 dependencies: valid.\n"
    )
    synced = run("sync", str(folder)).stdout
    assert synced.startswith(f"Synced 1 module from {folder.resolve()}.\n")
    bundled = run("sync").stdout
    assert bundled.startswith("Synced 17 modules from the bundled catalog.\n")


def test_bundled_catalog_resyncs_when_files_change(db_url, monkeypatch, tmp_path):
    folder = copy_bundled(tmp_path)
    monkeypatch.setattr("tracker.paths.bundled_catalog_dir", lambda: folder)
    open_database(db_url).dispose()
    path = folder / "04_layers" / "module.yaml"
    path.write_text(
        path.read_text().replace('title: "Layers"', 'title: "Linear Layers"')
    )
    database = open_database(db_url)
    with database.session() as session:
        title = session.scalar(select(Module.title).where(Module.slug == "layers"))
    database.dispose()
    assert title == "Linear Layers"


@pytest.mark.parametrize(
    ("folder", "text", "fragment"),
    [
        ("01_twin", "name: twin\n", "module number 01 of 'twin' is also the number"),
        (
            "17_extra",
            "name: extra\naliases: ['02']\n",
            "alias '02' of 'extra' is already the number 02 of 'tensor'",
        ),
    ],
)
def test_sync_rejects_shared_names(run, db_url, tmp_path, folder, text, fragment):
    catalog = copy_bundled(tmp_path)
    (catalog / folder).mkdir()
    (catalog / folder / "module.yaml").write_text(text, encoding="utf-8")
    run("status")
    database = open_database(db_url, sync_catalog=False)
    before = snapshot(database)
    for options in (["--check"], []):
        result = run("sync", *options, str(catalog), exit_code=2)
        assert "1 conflicting name.\n" in result.stderr
        assert fragment in result.stderr
        assert f"{folder}/module.yaml" in result.stderr
    assert snapshot(database) == before
    assert "Completed 'setup'." in run("complete", "01").stdout
    database.dispose()
