"""Shared fixtures: an isolated application folder, fresh databases on every
configured backend, a command-line runner and the upstream metadata."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import Pool

from tracker.cli import cli
from tracker.db import Database, open_database

POSTGRES_ENV = "TT_TEST_POSTGRES_URL"
UPSTREAM = Path(__file__).resolve().parents[2] / "shared" / "fixtures"


@pytest.fixture(autouse=True)
def app_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the application folder at a temporary one; no test reads or writes the real home."""
    home = tmp_path / "app-home"
    monkeypatch.setenv("TT_PROGRESS_HOME", str(home))
    monkeypatch.setenv("TT_PROGRESS_USER", "ada")
    monkeypatch.delenv("TT_PROGRESS_DB", raising=False)
    monkeypatch.delenv("TT_PROGRESS_BUSY_TIMEOUT", raising=False)
    return home


# A test that connects to a database must ask for one of these fixtures, so
# that it runs on every backend (db_url) or says it is about one (the others).
# A test of code that builds a scratch SQLite database of its own says so
# with the scratch_database mark instead.
DATABASE_FIXTURES = {"db_url", "sqlite_url", "postgres_url"}


@pytest.fixture(autouse=True)
def database_fixture_check(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that connects to a database without a database fixture."""
    connections: list[object] = []

    def count(dbapi_connection: object, _record: object) -> None:
        connections.append(dbapi_connection)

    event.listen(Pool, "connect", count)
    yield
    event.remove(Pool, "connect", count)
    declared = DATABASE_FIXTURES & set(
        request.fixturenames
    ) or request.node.get_closest_marker("scratch_database")
    if connections and not declared:
        pytest.fail(
            f"{request.node.nodeid} connected to a database without the db_url, "
            "database or run fixture, so it never runs on PostgreSQL."
        )


def _postgres_admin_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need a server: set {POSTGRES_ENV}.")
    return url


# Many servers sort text by a language's rules (initdb takes the system locale,
# such as en_US.UTF-8), not in the byte order SQLite uses. Test databases use
# such a collation where the server has ICU (PostgreSQL 15 or newer built with
# ICU), so that output that depends on the database's text order shows up.
LINGUISTIC_DATABASE = "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"


def _create_database(admin: Engine, name: str) -> None:
    with admin.connect() as connection:
        try:
            connection.execute(text(f'CREATE DATABASE "{name}" {LINGUISTIC_DATABASE}'))
        except DBAPIError:
            connection.execute(text(f'CREATE DATABASE "{name}"'))


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """Create an empty PostgreSQL database for one test and drop it afterwards."""
    admin_url = make_url(_postgres_admin_url())
    name = f"ttp_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        _create_database(admin, name)
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of a new, empty database: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'progress.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'progress.db'}"


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    """An opened database with the bundled catalog synced, on each backend."""
    db = open_database(db_url)
    yield db
    db.dispose()


@pytest.fixture
def run(db_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run the command line against the test database; assert no traceback."""
    monkeypatch.setenv("TT_PROGRESS_DB", db_url)
    runner = CliRunner()

    def invoke(*args: str, exit_code: int = 0, input: str | None = None) -> Result:
        result = runner.invoke(cli, list(args), input=input, catch_exceptions=True)
        if result.exception is not None and not isinstance(
            result.exception, SystemExit
        ):
            raise result.exception
        assert "Traceback" not in result.output
        assert result.exit_code == exit_code, result.output
        return result

    return invoke


@pytest.fixture
def upstream_catalog() -> Path:
    """The real upstream module.yaml files; the test skips where they are absent."""
    folder = UPSTREAM / "tinytorch-2025-09"
    if not folder.is_dir():
        pytest.skip("The upstream TinyTorch metadata fixtures are not present.")
    return folder


@pytest.fixture
def tito_progress_file() -> Path:
    """The real progress file written by TinyTorch's tito."""
    path = UPSTREAM / "tito-progress.json"
    if not path.is_file():
        pytest.skip("The upstream tito progress fixture is not present.")
    return path
