"""Text longer than its column is rejected up front, the same on both backends."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tracker.db import open_database
from tracker.models import Event, Learner, Module
from tracker.paths import bundled_catalog_dir


def count(db_url: str, model: type) -> int:
    database = open_database(db_url, sync_catalog=False)
    with database.session() as session:
        total = session.scalar(select(func.count()).select_from(model))
    database.dispose()
    return total


def test_handle_at_the_limit_is_stored(run, db_url):
    run("complete", "setup", "--user", "a" * 200)
    assert count(db_url, Event) == 1


def test_long_handle_is_rejected(run, db_url):
    result = run("complete", "setup", "--user", "a" * 250, exit_code=2)
    assert result.stderr == (
        f"Error: The learner handle {'a' * 40!r}... is 250 characters long, but "
        "the database stores at most 200. Give a shorter learner handle.\n"
    )
    assert count(db_url, Event) == 0
    assert count(db_url, Learner) == 0


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            f"ana,{'N' * 300},ana@example.org",
            (
                f"line 3: The display name {'N' * 40!r}... is 300 characters long, but "
                "the database stores at most 200. Give a shorter display name."
            ),
        ),
        (
            f"ana,Ana,{'e' * 320}@x.org",
            "line 3: The email",
        ),
        (
            f"{'h' * 201},Ana,",
            "line 3: The learner handle",
        ),
    ],
)
def test_long_roster_cells_are_rejected(run, db_url, tmp_path, row, message):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        f"handle,display_name,email\nben,Ben,ben@example.org\n{row}\n",
        encoding="utf-8",
    )
    run("cohort", "create", "fall")
    result = run("cohort", "add", "fall", "--roster", str(roster), exit_code=2)
    assert f"{roster}, {message}" in result.stderr
    assert count(db_url, Learner) == 0


def module_folder(tmp_path: Path, text: str) -> Path:
    catalog = tmp_path / "catalog"
    shutil.copytree(bundled_catalog_dir(), catalog)
    target = catalog / "17_extra" / "module.yaml"
    target.parent.mkdir()
    target.write_text(text, encoding="utf-8")
    return catalog


@pytest.mark.parametrize(
    ("text", "where", "fragment"),
    [
        (f"name: {'m' * 100}\n", 1, "name 'mmmm"),
        (f"name: extra\ntitle: {'T' * 201}\n", 2, "title 'TTTT"),
        (f"name: extra\ntime_estimate: {'x' * 101}\n", 2, "time_estimate 'xxxx"),
        (f"name: extra\naliases:\n  - old\n  - {'a' * 101}\n", 4, "alias 'aaaa"),
        (f"name: extra\ncomponents:\n  - {'C' * 201}\n", 3, "component name 'CCCC"),
        (
            f"name: extra\ncomponents:\n  - name: Adder\n    type: {'k' * 65}\n",
            3,
            "component type 'kkkk",
        ),
    ],
)
def test_long_metadata_text_is_rejected(run, db_url, tmp_path, text, where, fragment):
    catalog = module_folder(tmp_path, text)
    run("status")
    modules = count(db_url, Module)
    for options in (["--check"], []):
        result = run("sync", *options, str(catalog), exit_code=2)
        assert f"17_extra/module.yaml:{where}: {fragment}" in result.stderr
        assert "but the database stores at most" in result.stderr
        assert "Traceback" not in result.output
    assert count(db_url, Module) == modules


def test_long_folder_name_is_rejected(run, db_url, tmp_path):
    catalog = tmp_path / "catalog"
    shutil.copytree(bundled_catalog_dir(), catalog)
    target = catalog / f"17_{'f' * 100}" / "module.yaml"
    target.parent.mkdir()
    target.write_text("name: extra\n", encoding="utf-8")
    result = run("sync", str(catalog), exit_code=2)
    assert f"folder '17_{'f' * 100}' of 'extra' is 103 characters long" in result.stderr
