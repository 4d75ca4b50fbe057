"""Documents (#23 item 3): the evidence decisions and filings rest on, stored here with the records they support.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from insurance_shared.migrations import create_documents_v1

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_documents_v1(op)
    # the community's verification certificate, stored as a document (N§5 ¶2: paid on that certificate)
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("certificate_document_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("certificate_document_id")
    op.drop_table("documents")
