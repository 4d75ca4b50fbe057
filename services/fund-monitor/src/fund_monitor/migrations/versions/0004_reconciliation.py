"""Reconciliation alerts: a region's month whose books differ from the sources' totals (#20).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import insurance_shared.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reconciliation_alerts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("differences", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("raised_at", insurance_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("checked_at", insurance_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", insurance_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_alerts")),
    )
    op.create_index(
        "uq_reconciliation_alerts_open",
        "reconciliation_alerts",
        ["region", "month"],
        unique=True,
        postgresql_where=sa.text("state = 'open'"),
        sqlite_where=sa.text("state = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("uq_reconciliation_alerts_open", table_name="reconciliation_alerts")
    op.drop_table("reconciliation_alerts")
