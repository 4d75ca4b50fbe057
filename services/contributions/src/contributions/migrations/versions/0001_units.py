"""Audit log, idempotency keys, units.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from insurance_shared.db import BigIntPK, UTCDateTime
from insurance_shared.migrations import create_common_tables_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_common_tables_v1(op)
    op.create_table(
        "units",
        sa.Column("id", BigIntPK, primary_key=True, autoincrement=True),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("region", sa.String(6), nullable=False),
        sa.Column("home_region", sa.String(6), nullable=True),
        sa.Column("fully_budget_funded", sa.Boolean(), nullable=False),
        sa.Column("provincial_direct", sa.Boolean(), nullable=False),
        sa.Column("declared_staff", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_units"),
        sa.UniqueConstraint("credit_code", name="uq_units_credit_code"),
    )
    op.create_index("ix_units_region", "units", ["region"])


def downgrade() -> None:
    op.drop_table("units")
    op.drop_table("idempotency_keys")
    op.drop_table("audit_log")
