"""The revision that makes PostgreSQL sort names in SQLite's byte order."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tracker import migrate
from tracker.db import create_tracker_engine, open_database
from tracker.membership import add_members, create_cohort

# In byte order. English rules (ICU en-US) sort "ärger" before "zoë", and
# "zoë" before "zof", and "fall" before "Spring".
HANDLES = ["ann_b", "anna", "zof", "zoë", "ärger"]
COHORTS = ["Spring", "fall", "Ärmel"]
NAME_COLUMNS = [
    ("modules", "slug"),
    ("module_aliases", "alias"),
    ("components", "name"),
    ("learners", "handle"),
    ("cohorts", "name"),
]


def sorted_names(engine, table: str, column: str) -> list[str]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        query = f"SELECT {column} FROM {table} ORDER BY {column}"
        return list(connection.execute(text(query)).scalars())


def linguistic(postgres_url: str) -> bool:
    """Return whether the test database sorts by a language's rules."""
    engine = create_tracker_engine(postgres_url)
    with engine.connect() as connection:
        result = connection.execute(text("SELECT 'ärger' < 'zoe'")).scalar()
    engine.dispose()
    return bool(result)


def test_names_sort_in_byte_order(db_url):
    database = open_database(db_url)
    create_cohort(database, "Spring")
    add_members(database, "Spring", HANDLES)
    for name in COHORTS[1:]:
        create_cohort(database, name)
    engine = database.engine

    assert sorted_names(engine, "learners", "handle") == HANDLES
    assert sorted_names(engine, "cohorts", "name") == COHORTS
    for table, column in NAME_COLUMNS:
        names = sorted_names(engine, table, column)
        assert names == sorted(names), f"{table}.{column}"
    database.dispose()


def test_postgres_collation_of_names(postgres_url):
    if not linguistic(postgres_url):
        pytest.skip("The test database sorts in byte order already: no ICU.")
    database = open_database(postgres_url)
    create_cohort(database, "Spring")
    add_members(database, "Spring", HANDLES)
    engine = database.engine
    collations = """
        SELECT table_name, column_name, collation_name
        FROM information_schema.columns
        WHERE table_schema = 'public' AND collation_name IS NOT NULL
        ORDER BY table_name, column_name
    """

    with engine.connect() as connection:
        at_head = [tuple(row) for row in connection.execute(text(collations))]
    migrate.downgrade(engine, "0002")
    with engine.connect() as connection:
        below = [tuple(row) for row in connection.execute(text(collations))]
    english = sorted_names(engine, "learners", "handle")
    migrate.upgrade(engine)
    again = sorted_names(engine, "learners", "handle")
    database.dispose()

    assert at_head == sorted((table, column, "C") for table, column in NAME_COLUMNS)
    assert below == []
    assert english == ["ann_b", "anna", "ärger", "zoë", "zof"]
    assert again == HANDLES
