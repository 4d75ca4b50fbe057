"""Late fees overturned on appeal (#23): what undoing each did to each declaration it charged.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import insurance_shared

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "late_fee_refunds",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("decision_id", sa.BigInteger(), nullable=False),
        sa.Column("appeal_id", sa.BigInteger(), nullable=False),
        sa.Column("payment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("declaration_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("unit_credit_code", sa.String(length=18), nullable=True),
        sa.Column("payer_id_number", sa.String(length=18), nullable=True),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("home_region", sa.String(length=6), nullable=False),
        sa.Column("via_province", sa.Boolean(), nullable=False),
        sa.Column("cancelled_pension", sa.BigInteger(), nullable=False),
        sa.Column("cancelled_unemployment", sa.BigInteger(), nullable=False),
        sa.Column("credited_pension", sa.BigInteger(), nullable=False),
        sa.Column("credited_unemployment", sa.BigInteger(), nullable=False),
        sa.Column("refunded_on", sa.Date(), nullable=False),
        sa.Column("remittance_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", insurance_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(unit_credit_code IS NULL) <> (payer_id_number IS NULL)", name=op.f("ck_late_fee_refunds_one_payer")
        ),
        sa.ForeignKeyConstraint(
            ["declaration_id"], ["declarations.id"], name=op.f("fk_late_fee_refunds_declaration_id_declarations")
        ),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"], name=op.f("fk_late_fee_refunds_payment_id_payments")),
        sa.ForeignKeyConstraint(
            ["remittance_id"], ["remittances.id"], name=op.f("fk_late_fee_refunds_remittance_id_remittances")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_late_fee_refunds")),
        sa.UniqueConstraint(
            "decision_id", "declaration_id", name=op.f("uq_late_fee_refunds_decision_id_declaration_id")
        ),
    )
    for column in ("unit_credit_code", "payer_id_number", "remittance_id"):
        op.create_index(op.f(f"ix_late_fee_refunds_{column}"), "late_fee_refunds", [column], unique=False)


def downgrade() -> None:
    op.drop_table("late_fee_refunds")
