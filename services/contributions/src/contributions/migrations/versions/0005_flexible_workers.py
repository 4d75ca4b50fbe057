"""Flexible workers (N§3(2), N§6 ¶1): the real-name register of flexible employment with its status history, and a
flexible worker as the payer of their own declarations and payments (a declaration or payment names a unit or a
person, never both), with each own month's contributions at the base floor kept for the subsidy.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import insurance_shared.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "flexible_employments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("agreement_no", sa.String(length=60), nullable=True),
        sa.Column("agreement_end", sa.Date(), nullable=True),
        sa.Column("licence_no", sa.String(length=60), nullable=True),
        sa.Column("document_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_on", sa.Date(), nullable=False),
        sa.Column("created_at", insurance_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["id_number"], ["persons.id_number"], name=op.f("fk_flexible_employments_id_number_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flexible_employments")),
    )
    with op.batch_alter_table("flexible_employments", schema=None) as batch_op:
        batch_op.create_index("ix_flexible_employments_person", ["id_number", "start_date"], unique=False)
        batch_op.create_index("ix_flexible_employments_region_status", ["region", "status"], unique=False)

    op.create_table(
        "flexible_status_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("flexible_employment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", insurance_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["flexible_employment_id"],
            ["flexible_employments.id"],
            name=op.f("fk_flexible_status_changes_flexible_employment_id_flexible_employments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flexible_status_changes")),
    )
    with op.batch_alter_table("flexible_status_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_flexible_status_changes_flexible_employment_id"), ["flexible_employment_id"], unique=False
        )

    with op.batch_alter_table("declaration_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("floor_fen", sa.BigInteger(), nullable=True))

    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payer_id_number", sa.String(length=18), nullable=True))
        batch_op.alter_column("unit_credit_code", existing_type=sa.VARCHAR(length=18), nullable=True)
        batch_op.create_index("ix_declarations_payer_period", ["payer_id_number", "period"], unique=False)
        batch_op.create_check_constraint(
            op.f("ck_declarations_one_payer"), "(unit_credit_code IS NULL) <> (payer_id_number IS NULL)"
        )

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payer_id_number", sa.String(length=18), nullable=True))
        batch_op.alter_column("unit_credit_code", existing_type=sa.VARCHAR(length=18), nullable=True)
        batch_op.create_index(batch_op.f("ix_payments_payer_id_number"), ["payer_id_number"], unique=False)
        batch_op.create_check_constraint(
            op.f("ck_payments_one_payer"), "(unit_credit_code IS NULL) <> (payer_id_number IS NULL)"
        )


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_payments_one_payer"), type_="check")
        batch_op.drop_index(batch_op.f("ix_payments_payer_id_number"))
        batch_op.alter_column("unit_credit_code", existing_type=sa.VARCHAR(length=18), nullable=False)
        batch_op.drop_column("payer_id_number")

    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_declarations_one_payer"), type_="check")
        batch_op.drop_index("ix_declarations_payer_period")
        batch_op.alter_column("unit_credit_code", existing_type=sa.VARCHAR(length=18), nullable=False)
        batch_op.drop_column("payer_id_number")

    with op.batch_alter_table("declaration_lines", schema=None) as batch_op:
        batch_op.drop_column("floor_fen")

    with op.batch_alter_table("flexible_status_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flexible_status_changes_flexible_employment_id"))

    op.drop_table("flexible_status_changes")
    with op.batch_alter_table("flexible_employments", schema=None) as batch_op:
        batch_op.drop_index("ix_flexible_employments_region_status")
        batch_op.drop_index("ix_flexible_employments_person")

    op.drop_table("flexible_employments")
