"""Re-employment funds (N§6): each region's yearly allocations entered by the province, and the social-insurance
subsidy runs claims paid from them; apart from the unemployment-insurance fund's journal.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import insurance_shared.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reemployment_allocations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("allocated_by", sa.String(length=200), nullable=False),
        sa.Column("allocated_at", insurance_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reemployment_allocations")),
    )
    with op.batch_alter_table("reemployment_allocations", schema=None) as batch_op:
        batch_op.create_index("ix_reemployment_allocations_region_year", ["region", "year"], unique=False)

    op.create_table(
        "si_subsidy_spending",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_si_subsidy_spending")),
    )
    with op.batch_alter_table("si_subsidy_spending", schema=None) as batch_op:
        batch_op.create_index("ix_si_subsidy_spending_region_month", ["region", "month"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("si_subsidy_spending", schema=None) as batch_op:
        batch_op.drop_index("ix_si_subsidy_spending_region_month")

    op.drop_table("si_subsidy_spending")
    with op.batch_alter_table("reemployment_allocations", schema=None) as batch_op:
        batch_op.drop_index("ix_reemployment_allocations_region_year")

    op.drop_table("reemployment_allocations")
