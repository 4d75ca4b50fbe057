"""The basic medical-insurance contributions the fund pays for its beneficiaries from 2011-07-01 (SIL48): one
transfer per region and month, approved by a second officer before the money moves.

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

BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "medical_transfers",
        sa.Column("id", BIGINT_PK, autoincrement=True, nullable=False),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("beneficiaries", sa.Integer(), nullable=False),
        sa.Column("per_person", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("parameter_valid_from", sa.Date(), nullable=False),
        sa.Column("parameter_clause", sa.String(length=200), nullable=False),
        sa.Column("clause", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("made_by", sa.String(length=200), nullable=False),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("approved_at", insurance_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", insurance_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["payment_runs.id"], name=op.f("fk_medical_transfers_run_id_payment_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medical_transfers")),
        sa.UniqueConstraint("region", "month", name=op.f("uq_medical_transfers_region")),
    )


def downgrade() -> None:
    op.drop_table("medical_transfers")
