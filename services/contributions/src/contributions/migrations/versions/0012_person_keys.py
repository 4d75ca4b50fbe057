"""People named by keyed hashes, their numbers and names sealed (#25): ``persons`` is keyed by ``person_key``
(HMAC-SHA256 of the identity number under the system's lookup key, pii.py) and keeps the number and the name sealed
(AES-256-GCM, the key named in each value); employments, flexible employments and declaration lines name the
person by ``person_key`` only; a flexible worker's declarations, payments and refunds name their payer by
``payer_key``. Existing rows are converted in batches (rows already converted are skipped, so an interrupted run is
finished by the next).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from insurance_shared.migrations import fill_person_keys, seal_existing

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

KEY = sa.String(64)
PAYERS = ("declarations", "payments", "late_fee_refunds")


def upgrade() -> None:
    for table in ("persons", "employments", "flexible_employments", "declaration_lines"):
        with op.batch_alter_table(table) as t:
            t.add_column(sa.Column("person_key", KEY, nullable=True))
        fill_person_keys(op, table)
    for table in PAYERS:
        with op.batch_alter_table(table) as t:
            t.add_column(sa.Column("payer_key", KEY, nullable=True))
        fill_person_keys(op, table, source="payer_id_number", target="payer_key")

    # the people who point at a person by number stop doing so before the number stops being the key
    op.drop_index("uq_employments_open", table_name="employments")
    op.drop_index("ix_flexible_employments_person", table_name="flexible_employments")
    op.drop_index("ix_declaration_lines_person", table_name="declaration_lines")
    with op.batch_alter_table("employments") as t:
        t.drop_constraint(op.f("fk_employments_id_number_persons"), type_="foreignkey")
        t.drop_column("id_number")
        t.alter_column("person_key", existing_type=KEY, nullable=False)
    with op.batch_alter_table("flexible_employments") as t:
        t.drop_constraint(op.f("fk_flexible_employments_id_number_persons"), type_="foreignkey")
        t.drop_column("id_number")
        t.alter_column("person_key", existing_type=KEY, nullable=False)
    with op.batch_alter_table("declaration_lines") as t:
        t.drop_column("id_number")
        t.alter_column("person_key", existing_type=KEY, nullable=False)

    with op.batch_alter_table("persons") as t:
        t.drop_constraint(op.f("pk_persons"), type_="primary")
        t.alter_column("person_key", existing_type=KEY, nullable=False)
        t.create_primary_key(op.f("pk_persons"), ["person_key"])
        t.alter_column("id_number", type_=sa.Text(), existing_type=sa.String(18), existing_nullable=False)
        t.alter_column("name", type_=sa.Text(), existing_type=sa.String(100), existing_nullable=False)
    seal_existing(op, "persons", "person_key", ["id_number", "name"])

    with op.batch_alter_table("employments") as t:
        t.create_foreign_key(op.f("fk_employments_person_key_persons"), "persons", ["person_key"], ["person_key"])
    with op.batch_alter_table("flexible_employments") as t:
        t.create_foreign_key(
            op.f("fk_flexible_employments_person_key_persons"), "persons", ["person_key"], ["person_key"]
        )
    op.create_index(
        "uq_employments_open",
        "employments",
        ["person_key", "unit_credit_code"],
        unique=True,
        postgresql_where=sa.text("end_date IS NULL AND unit_credit_code IS NOT NULL"),
        sqlite_where=sa.text("end_date IS NULL AND unit_credit_code IS NOT NULL"),
    )
    op.create_index("ix_flexible_employments_person", "flexible_employments", ["person_key", "start_date"])
    op.create_index("ix_declaration_lines_person", "declaration_lines", ["person_key"])

    op.drop_index("ix_declarations_payer_period", table_name="declarations")
    op.drop_index("ix_payments_payer_id_number", table_name="payments")
    op.drop_index("ix_late_fee_refunds_payer_id_number", table_name="late_fee_refunds")
    for table in PAYERS:
        with op.batch_alter_table(table) as t:
            t.drop_constraint(op.f(f"ck_{table}_one_payer"), type_="check")
            t.drop_column("payer_id_number")
            t.create_check_constraint(
                op.f(f"ck_{table}_one_payer"), "(unit_credit_code IS NULL) <> (payer_key IS NULL)"
            )
    op.create_index("ix_declarations_payer_period", "declarations", ["payer_key", "period"])
    op.create_index("ix_payments_payer_key", "payments", ["payer_key"])
    op.create_index("ix_late_fee_refunds_payer_key", "late_fee_refunds", ["payer_key"])


def downgrade() -> None:
    raise NotImplementedError("a keyed hash cannot be turned back into the number: restore the backup instead")
