"""Index the event log and the progress table for the cohort queries.

The learner table reads each learner's latest event. The module table and
stuck learners read completed and in-progress rows with their times and
learner, which the second index covers, so no table row is read.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.create_index(
            "ix_events_learner_occurred_at", ["learner_id", "occurred_at"]
        )
    with op.batch_alter_table("progress") as batch:
        batch.create_index(
            "ix_progress_status_times",
            ["status", "module_id", "started_at", "completed_at", "learner_id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("progress") as batch:
        batch.drop_index("ix_progress_status_times")
    with op.batch_alter_table("events") as batch:
        batch.drop_index("ix_events_learner_occurred_at")
