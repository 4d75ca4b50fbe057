"""Re-employment support (N§6): flexible employment seen from the real-name register, each own month's floor
contribution, the hard-to-employ register, social-insurance subsidies with their payees, runs, payments and the
banks' return files, the minimum-living roster; a stop's evidence (R15; N§5).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import insurance_shared.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "flexible_seen",
        sa.Column("flexible_employment_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("agreement_end", sa.Date(), nullable=True),
        sa.Column("document_ref", sa.String(length=60), nullable=True),
        sa.Column("document_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("flexible_employment_id", name=op.f("pk_flexible_seen")),
    )
    with op.batch_alter_table("flexible_seen", schema=None) as batch_op:
        batch_op.create_index("ix_flexible_seen_person", ["id_number", "start_date"], unique=False)

    op.create_table(
        "hard_to_employ",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("categories", sa.String(length=300), nullable=False),
        sa.Column("certified_by", sa.String(length=200), nullable=False),
        sa.Column("certified_on", sa.Date(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=False),
        sa.Column("created_at", insurance_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hard_to_employ")),
    )
    with op.batch_alter_table("hard_to_employ", schema=None) as batch_op:
        batch_op.create_index("ix_hard_to_employ_person", ["id_number", "certified_on"], unique=False)

    op.create_table(
        "living_roster_imports",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", insurance_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_living_roster_imports")),
    )
    with op.batch_alter_table("living_roster_imports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_living_roster_imports_region"), ["region"], unique=False)

    op.create_table(
        "si_subsidies",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("months_left", sa.Integer(), nullable=False),
        sa.Column("first_period", sa.Date(), nullable=False),
        sa.Column("flexible_employment_id", sa.BigInteger(), nullable=True),
        sa.Column("certification_id", sa.BigInteger(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=60), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", insurance_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_si_subsidies")),
    )
    with op.batch_alter_table("si_subsidies", schema=None) as batch_op:
        batch_op.create_index("ix_si_subsidies_person", ["id_number"], unique=False)
        batch_op.create_index("ix_si_subsidies_region_state", ["region", "state"], unique=False)

    op.create_table(
        "si_subsidy_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("awaiting_account", sa.Integer(), nullable=False),
        sa.Column("reissued", sa.Integer(), nullable=False),
        sa.Column("made_by", sa.String(length=200), nullable=False),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("approved_at", insurance_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", insurance_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_si_subsidy_runs")),
        sa.UniqueConstraint("region", "month", name=op.f("uq_si_subsidy_runs_region_month")),
    )
    op.create_table(
        "living_roster",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("import_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"], ["living_roster_imports.id"], name=op.f("fk_living_roster_import_id_living_roster_imports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_living_roster")),
        sa.UniqueConstraint("region", "id_number", name=op.f("uq_living_roster_region_id_number")),
    )
    with op.batch_alter_table("living_roster", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_living_roster_id_number"), ["id_number"], unique=False)

    op.create_table(
        "si_subsidy_payees",
        sa.Column("subsidy_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("bank_code", sa.String(length=20), nullable=False),
        sa.Column("card_number", sa.String(length=19), nullable=False),
        sa.Column("holder_name", sa.String(length=100), nullable=False),
        sa.Column("updated_at", insurance_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["subsidy_id"], ["si_subsidies.id"], name=op.f("fk_si_subsidy_payees_subsidy_id_si_subsidies")
        ),
        sa.PrimaryKeyConstraint("subsidy_id", name=op.f("pk_si_subsidy_payees")),
    )
    op.create_table(
        "si_subsidy_payments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("subsidy_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("floor_fen", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("bank_code", sa.String(length=20), nullable=False),
        sa.Column("card_number", sa.String(length=19), nullable=False),
        sa.Column("holder_name", sa.String(length=100), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failure_code", sa.String(length=10), nullable=True),
        sa.Column("failed_at", insurance_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("return_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["si_subsidy_runs.id"], name=op.f("fk_si_subsidy_payments_run_id_si_subsidy_runs")
        ),
        sa.ForeignKeyConstraint(
            ["subsidy_id"], ["si_subsidies.id"], name=op.f("fk_si_subsidy_payments_subsidy_id_si_subsidies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_si_subsidy_payments")),
        sa.UniqueConstraint("subsidy_id", "period", name=op.f("uq_si_subsidy_payments_subsidy_id_period")),
    )
    with op.batch_alter_table("si_subsidy_payments", schema=None) as batch_op:
        batch_op.create_index("ix_si_subsidy_payments_run", ["run_id"], unique=False)

    op.create_table(
        "si_subsidy_returns",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("paid", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", insurance_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["si_subsidy_runs.id"], name=op.f("fk_si_subsidy_returns_run_id_si_subsidy_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_si_subsidy_returns")),
        sa.UniqueConstraint("run_id", "sha256", name=op.f("uq_si_subsidy_returns_run_id_sha256")),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stop_evidence", sa.String(length=200), nullable=True))

    with op.batch_alter_table("contribution_months", schema=None) as batch_op:
        batch_op.add_column(sa.Column("floor_fen", sa.BigInteger(), nullable=True))

    with op.batch_alter_table("medical_transfers", schema=None) as batch_op:
        batch_op.alter_column(
            "run_id",
            existing_type=sa.BIGINT(),
            type_=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            existing_nullable=False,
        )
        batch_op.drop_constraint(batch_op.f("uq_medical_transfers_region"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_medical_transfers_region_month"), ["region", "month"])

    with op.batch_alter_table("payee_accounts", schema=None) as batch_op:
        batch_op.alter_column(
            "claim_id",
            existing_type=sa.BIGINT(),
            type_=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            existing_nullable=False,
        )

    with op.batch_alter_table("payment_batches", schema=None) as batch_op:
        batch_op.alter_column(
            "run_id",
            existing_type=sa.BIGINT(),
            type_=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            existing_nullable=False,
        )

    with op.batch_alter_table("payment_returns", schema=None) as batch_op:
        batch_op.alter_column(
            "batch_id",
            existing_type=sa.BIGINT(),
            type_=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            existing_nullable=False,
        )
        batch_op.drop_constraint(batch_op.f("uq_payment_returns_batch_id"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_payment_returns_batch_id_sha256"), ["batch_id", "sha256"])


def downgrade() -> None:
    with op.batch_alter_table("payment_returns", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_payment_returns_batch_id_sha256"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_payment_returns_batch_id"), ["batch_id", "sha256"])
        batch_op.alter_column(
            "batch_id",
            existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            type_=sa.BIGINT(),
            existing_nullable=False,
        )

    with op.batch_alter_table("payment_batches", schema=None) as batch_op:
        batch_op.alter_column(
            "run_id",
            existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            type_=sa.BIGINT(),
            existing_nullable=False,
        )

    with op.batch_alter_table("payee_accounts", schema=None) as batch_op:
        batch_op.alter_column(
            "claim_id",
            existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            type_=sa.BIGINT(),
            existing_nullable=False,
        )

    with op.batch_alter_table("medical_transfers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_medical_transfers_region_month"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_medical_transfers_region"), ["region", "month"])
        batch_op.alter_column(
            "run_id",
            existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            type_=sa.BIGINT(),
            existing_nullable=False,
        )

    with op.batch_alter_table("contribution_months", schema=None) as batch_op:
        batch_op.drop_column("floor_fen")

    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_column("stop_evidence")

    op.drop_table("si_subsidy_returns")
    with op.batch_alter_table("si_subsidy_payments", schema=None) as batch_op:
        batch_op.drop_index("ix_si_subsidy_payments_run")

    op.drop_table("si_subsidy_payments")
    op.drop_table("si_subsidy_payees")
    with op.batch_alter_table("living_roster", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_living_roster_id_number"))

    op.drop_table("living_roster")
    op.drop_table("si_subsidy_runs")
    with op.batch_alter_table("si_subsidies", schema=None) as batch_op:
        batch_op.drop_index("ix_si_subsidies_region_state")
        batch_op.drop_index("ix_si_subsidies_person")

    op.drop_table("si_subsidies")
    with op.batch_alter_table("living_roster_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_living_roster_imports_region"))

    op.drop_table("living_roster_imports")
    with op.batch_alter_table("hard_to_employ", schema=None) as batch_op:
        batch_op.drop_index("ix_hard_to_employ_person")

    op.drop_table("hard_to_employ")
    with op.batch_alter_table("flexible_seen", schema=None) as batch_op:
        batch_op.drop_index("ix_flexible_seen_person")

    op.drop_table("flexible_seen")
