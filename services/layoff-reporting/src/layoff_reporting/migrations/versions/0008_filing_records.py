"""A filing's decision recorded and its consultation minutes stored as a document (#23 items 1, 3).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("filings") as batch:
        batch.add_column(sa.Column("consultation_document_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("decision_record_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("filings") as batch:
        batch.drop_column("decision_record_id")
        batch.drop_column("consultation_document_id")
