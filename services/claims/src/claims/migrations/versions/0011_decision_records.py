"""Decision records and appeals (#23 items 1, 2): every decision about a claim recorded with its reasons, the
claim pointing to its newest, and a month's payment in parts (what an overturned stop withheld is a later part).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from insurance_shared.migrations import create_decision_tables_v1

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_decision_tables_v1(op)
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("last_decision_id", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("benefit_payments") as batch:
        batch.add_column(sa.Column("part", sa.Integer(), server_default="0", nullable=False))
        batch.drop_constraint("uq_benefit_payments_claim_id_month_kind", type_="unique")
        batch.create_unique_constraint(
            "uq_benefit_payments_claim_id_month_kind_part", ["claim_id", "month", "kind", "part"]
        )


def downgrade() -> None:
    with op.batch_alter_table("benefit_payments") as batch:
        batch.drop_constraint("uq_benefit_payments_claim_id_month_kind_part", type_="unique")
        batch.create_unique_constraint("uq_benefit_payments_claim_id_month_kind", ["claim_id", "month", "kind"])
        batch.drop_column("part")
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("last_decision_id")
    op.drop_table("appeals")
    op.drop_table("decision_records")
