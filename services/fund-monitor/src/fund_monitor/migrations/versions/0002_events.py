"""Event tables: outbox, processed events, consumer cursors, dead letters.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from alembic import op

from insurance_shared.migrations import create_event_tables_v1

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_event_tables_v1(op)


def downgrade() -> None:
    for table in ("dead_letters", "consumer_cursors", "processed_events", "outbox"):
        op.drop_table(table)
