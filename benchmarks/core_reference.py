"""Reference process for the start-up benchmark: SQLAlchemy Core, no tracker code.

It does what ``tt-progress complete`` and ``tt-progress status`` do at the
least: insert one event for a learner, then compute that learner's state on
every module from the same tables. Usage: core_reference.py DB_FILE HANDLE.
"""

import sys
import uuid
from datetime import datetime, timezone

from sqlalchemy import create_engine, text


def main(path: str, handle: str) -> None:
    engine = create_engine(f"sqlite:///{path}")
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT OR IGNORE INTO learners (handle, created_at) VALUES (:h, :t)"),
            {"h": handle, "t": now},
        )
        learner = connection.execute(
            text("SELECT id FROM learners WHERE handle = :h"), {"h": handle}
        ).scalar_one()
        module = connection.execute(
            text("SELECT id FROM modules WHERE slug = 'tensor'")
        ).scalar_one()
        connection.execute(
            text(
                "INSERT INTO events (uid, learner_id, module_id, kind, occurred_at,"
                " recorded_at, source) VALUES (:u, :l, :m, 'completed', :t, :t, 'cli')"
            ),
            {"u": str(uuid.uuid4()), "l": learner, "m": module, "t": now},
        )
        connection.execute(
            text(
                "INSERT OR REPLACE INTO progress (learner_id, module_id, status,"
                " completed_at, updated_at) VALUES (:l, :m, 'completed', :t, :t)"
            ),
            {"l": learner, "m": module, "t": now},
        )
    with engine.connect() as connection:
        modules = connection.execute(
            text(
                "SELECT id, slug, hours_low, hours_high FROM modules"
                " WHERE retired = 0 ORDER BY position"
            )
        ).all()
        closure = connection.execute(
            text("SELECT module_id, prerequisite_id FROM prerequisite_closure")
        ).all()
        done = {
            row[0]
            for row in connection.execute(
                text(
                    "SELECT module_id FROM progress WHERE learner_id = :l"
                    " AND status = 'completed'"
                ),
                {"l": learner},
            )
        }
    needs: dict[int, set[int]] = {}
    for module_id, prerequisite_id in closure:
        needs.setdefault(module_id, set()).add(prerequisite_id)
    states = []
    for module_id, slug, low, high in modules:
        if module_id in done:
            state = "completed"
        elif needs.get(module_id, set()) <= done:
            state = "ready"
        else:
            state = "locked"
        states.append((slug, state))
    print(f"{len(done)}/{len(modules)} completed")
    for slug, state in states:
        print(slug, state)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
