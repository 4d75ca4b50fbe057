"""Documents (#23 item 3): the evidence decisions and filings rest on, stored here with the records they support.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from alembic import op

from insurance_shared.migrations import create_documents_v1

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_documents_v1(op)


def downgrade() -> None:
    op.drop_table("documents")
