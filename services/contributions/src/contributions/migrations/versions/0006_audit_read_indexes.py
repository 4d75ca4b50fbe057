"""The audit log's indexes for GET /audit (#23 item 4): a region's, an officer's and a period's records in order.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from alembic import op

from insurance_shared.migrations import audit_read_indexes_v1, drop_audit_read_indexes_v1

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    audit_read_indexes_v1(op)


def downgrade() -> None:
    drop_audit_read_indexes_v1(op)
