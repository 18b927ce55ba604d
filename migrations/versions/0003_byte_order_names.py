"""Sort module, alias, component, learner and cohort names in byte order.

SQLite compares text byte by byte, but PostgreSQL sorts by the database's
collation, which is often a language's rules. On PostgreSQL the name columns
that tables are ordered by take the "C" collation, so the command line prints
rows in the same order from both backends. SQLite needs no change.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# (table, column, VARCHAR length, nullable)
COLUMNS = [
    ("modules", "slug", 64, False),
    ("module_aliases", "alias", 100, False),
    ("components", "name", 200, False),
    ("learners", "handle", 200, False),
    ("cohorts", "name", 200, False),
]


def _set_collation(collation: str | None) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, length, nullable in COLUMNS:
        # ALTER COLUMN ... TYPE without COLLATE gives the type's default
        # collation back. PostgreSQL rebuilds the column's indexes.
        op.alter_column(
            table,
            column,
            type_=sa.String(length, collation=collation),
            existing_type=sa.String(length),
            existing_nullable=nullable,
        )


def upgrade() -> None:
    _set_collation("C")


def downgrade() -> None:
    _set_collation(None)
