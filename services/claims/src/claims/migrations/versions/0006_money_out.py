"""Money out (#21): the claimant's payee account, payment batches approved by a second officer, the bank's return
files, and each benefit payment's state from computed to paid (or failed, reissued, returned to the fund).

Existing benefit payments were recorded as paid when computed; they keep that state ("paid", confirmed on their
paid_on) so nothing already booked changes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import insurance_shared.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "payee_accounts",
        sa.Column("claim_id", sa.BigInteger(), nullable=False),
        sa.Column("bank_code", sa.String(length=20), nullable=False),
        sa.Column("card_number", sa.String(length=19), nullable=False),
        sa.Column("holder_name", sa.String(length=100), nullable=False),
        sa.Column("updated_at", insurance_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_payee_accounts_claim_id_claims")),
        sa.PrimaryKeyConstraint("claim_id", name=op.f("pk_payee_accounts")),
    )
    op.create_table(
        "payment_batches",
        sa.Column("id", BIGINT_PK, autoincrement=True, nullable=False),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("bank_code", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("made_by", sa.String(length=200), nullable=False),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("approved_at", insurance_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", insurance_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["payment_runs.id"], name=op.f("fk_payment_batches_run_id_payment_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_batches")),
    )
    op.create_index("ix_payment_batches_region_state", "payment_batches", ["region", "state"])
    op.create_table(
        "payment_returns",
        sa.Column("id", BIGINT_PK, autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("paid", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", insurance_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["payment_batches.id"], name=op.f("fk_payment_returns_batch_id_payment_batches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_returns")),
        sa.UniqueConstraint("batch_id", "sha256", name=op.f("uq_payment_returns_batch_id")),
    )
    with op.batch_alter_table("benefit_payments") as t:
        t.add_column(sa.Column("status", sa.String(length=20), nullable=False, server_default="paid"))
        t.add_column(sa.Column("batch_id", sa.BigInteger(), nullable=True))
        t.add_column(sa.Column("line_no", sa.Integer(), nullable=True))
        t.add_column(sa.Column("bank_code", sa.String(length=20), nullable=True))
        t.add_column(sa.Column("card_number", sa.String(length=19), nullable=True))
        t.add_column(sa.Column("holder_name", sa.String(length=100), nullable=True))
        t.add_column(sa.Column("failure_code", sa.String(length=10), nullable=True))
        t.add_column(sa.Column("failed_at", insurance_shared.db.UTCDateTime(timezone=True), nullable=True))
        t.add_column(sa.Column("return_id", sa.BigInteger(), nullable=True))
        t.add_column(sa.Column("value_date", sa.Date(), nullable=True))
        t.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_benefit_payments_batch", "benefit_payments", ["batch_id", "line_no"])
    op.create_index("ix_benefit_payments_region_status", "benefit_payments", ["region", "status"])


def downgrade() -> None:
    op.drop_index("ix_benefit_payments_region_status", table_name="benefit_payments")
    op.drop_index("ix_benefit_payments_batch", table_name="benefit_payments")
    with op.batch_alter_table("benefit_payments") as t:
        for c in (
            "attempts",
            "value_date",
            "return_id",
            "failed_at",
            "failure_code",
            "holder_name",
            "card_number",
            "bank_code",
            "line_no",
            "batch_id",
            "status",
        ):
            t.drop_column(c)
    op.drop_table("payment_returns")
    op.drop_index("ix_payment_batches_region_state", table_name="payment_batches")
    op.drop_table("payment_batches")
    op.drop_table("payee_accounts")
