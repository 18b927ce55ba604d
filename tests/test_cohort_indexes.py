"""The revision that indexes the event log and the progress table."""

from __future__ import annotations

from sqlalchemy import inspect, text

from tracker import migrate
from tracker.db import create_tracker_engine

INDEXES = {
    "events": "ix_events_learner_occurred_at",
    "progress": "ix_progress_status_times",
}


def index_names(engine, table: str) -> set[str]:
    return {index["name"] for index in inspect(engine).get_indexes(table)}


def test_upgrade_keeps_rows_and_adds_indexes(db_url):
    engine = create_tracker_engine(db_url)
    migrate.upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO modules (id, slug, title, description, source_path, retired,"
                " dependants) VALUES (1, 'tensor', 'Tensors', '', '', false, 0)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO learners (id, handle, created_at)"
                " VALUES (1, 'ada', '2026-01-01 10:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO events (uid, learner_id, module_id, kind, occurred_at,"
                " recorded_at, source) VALUES ('u-1', 1, 1, 'started',"
                " '2026-01-01 10:00:00', '2026-01-01 10:00:00', 'cli')"
            )
        )
    for table, name in INDEXES.items():
        assert name not in index_names(engine, table)

    migrate.upgrade(engine, "0002")
    for table, name in INDEXES.items():
        assert name in index_names(engine, table)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT uid FROM events")).scalars().all() == [
            "u-1"
        ]

    migrate.downgrade(engine, "0001")
    for table, name in INDEXES.items():
        assert name not in index_names(engine, table)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM events")).scalar() == 1
    engine.dispose()
