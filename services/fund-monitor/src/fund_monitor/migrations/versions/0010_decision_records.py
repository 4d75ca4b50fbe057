"""Decision records and appeals (#23 items 1, 2): every decision about a person or a unit, explained, and the
appeals against them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from alembic import op

from insurance_shared.migrations import create_decision_tables_v1

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_decision_tables_v1(op)


def downgrade() -> None:
    op.drop_table("appeals")
    op.drop_table("decision_records")
