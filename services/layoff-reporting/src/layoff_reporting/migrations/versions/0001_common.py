"""Audit log and idempotency keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from alembic import op

from insurance_shared.migrations import create_common_tables_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_common_tables_v1(op)


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.drop_table("audit_log")
