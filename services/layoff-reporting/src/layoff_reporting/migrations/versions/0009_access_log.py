"""The record of every look at a person (#25 item 4): append-only, like the audit log.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from alembic import op

from insurance_shared.migrations import create_access_log_v1

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_access_log_v1(op)


def downgrade() -> None:
    op.drop_table("access_log")
