"""The history other services announce is kept by keyed hash (#25): events name a person by the keyed hash of
their identity number only, so paid months, jobs and flexible spells are stored under ``person_key``; a claim
carries its person's key to find them (its number stays with the claim). Existing rows are converted in batches
(rows already converted are skipped, so an interrupted run is finished by the next).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from insurance_shared.migrations import fill_person_keys

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

KEY = sa.String(64)


def upgrade() -> None:
    for table in ("claims", "contribution_months", "employments_seen", "flexible_seen"):
        with op.batch_alter_table(table) as t:
            t.add_column(sa.Column("person_key", KEY, nullable=True))
        fill_person_keys(op, table)
    op.drop_index("ix_claims_person", table_name="claims")
    with op.batch_alter_table("claims") as t:
        t.alter_column("person_key", existing_type=KEY, nullable=False)
    op.create_index("ix_claims_person", "claims", ["person_key"])

    op.drop_index("ix_employments_seen_person", table_name="employments_seen")
    op.drop_index("ix_flexible_seen_person", table_name="flexible_seen")
    for table in ("employments_seen", "flexible_seen"):
        with op.batch_alter_table(table) as t:
            t.drop_column("id_number")
            t.alter_column("person_key", existing_type=KEY, nullable=False)
    op.create_index("ix_employments_seen_person", "employments_seen", ["person_key", "start_date"])
    op.create_index("ix_flexible_seen_person", "flexible_seen", ["person_key", "start_date"])

    with op.batch_alter_table("contribution_months") as t:
        t.drop_constraint(op.f("pk_contribution_months"), type_="primary")
        t.drop_column("id_number")
        t.alter_column("person_key", existing_type=KEY, nullable=False)
        t.create_primary_key(op.f("pk_contribution_months"), ["person_key", "period", "unit_credit_code"])


def downgrade() -> None:
    raise NotImplementedError("a keyed hash cannot be turned back into the number: restore the backup instead")
