"""A separation's certificate stored as a document (#23 item 3; R16).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("separations") as batch:
        batch.add_column(sa.Column("certificate_document_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("separations") as batch:
        batch.drop_column("certificate_document_id")
