"""Claims' own people sealed (#25): a claim's, a hard-to-employ certification's and a social-insurance subsidy's
identity number and name are sealed at rest (AES-256-GCM), the people found by ``person_key`` (the keyed hash; a
claim already has it, the others gain it, as does each subsidy payment line); the 低保 roster keeps the keyed hash
alone. Existing rows are converted in batches (keys filled only where empty, values sealed only where clear, so an
interrupted run is finished by the next).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from insurance_shared.migrations import fill_person_keys, seal_existing

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

KEY = sa.String(64)
SEALED = {  # table: the columns sealed
    "claims": ["id_number", "name"],
    "hard_to_employ": ["id_number", "name"],
    "si_subsidies": ["id_number", "name"],
    "si_subsidy_payments": ["id_number"],
}


def upgrade() -> None:
    for table in ("hard_to_employ", "si_subsidies", "si_subsidy_payments", "living_roster"):
        with op.batch_alter_table(table) as t:
            t.add_column(sa.Column("person_key", KEY, nullable=True))
        fill_person_keys(op, table)

    op.drop_index("ix_hard_to_employ_person", table_name="hard_to_employ")
    op.drop_index("ix_si_subsidies_person", table_name="si_subsidies")
    for table in ("hard_to_employ", "si_subsidies", "si_subsidy_payments"):
        with op.batch_alter_table(table) as t:
            t.alter_column("person_key", existing_type=KEY, nullable=False)
    op.create_index("ix_hard_to_employ_person", "hard_to_employ", ["person_key", "certified_on"])
    op.create_index("ix_si_subsidies_person", "si_subsidies", ["person_key"])
    op.create_index("ix_si_subsidy_payments_person", "si_subsidy_payments", ["person_key"])

    op.drop_index("ix_living_roster_id_number", table_name="living_roster")
    with op.batch_alter_table("living_roster") as t:
        t.drop_constraint(op.f("uq_living_roster_region_id_number"), type_="unique")
        t.drop_column("id_number")
        t.alter_column("person_key", existing_type=KEY, nullable=False)
        t.create_unique_constraint(op.f("uq_living_roster_region_person_key"), ["region", "person_key"])
    op.create_index("ix_living_roster_person_key", "living_roster", ["person_key"])

    for table, columns in SEALED.items():
        with op.batch_alter_table(table) as t:
            for c in columns:
                t.alter_column(c, type_=sa.Text(), existing_type=sa.String(18 if c == "id_number" else 100))
        seal_existing(op, table, "id", columns)


def downgrade() -> None:
    raise NotImplementedError("a keyed hash cannot be turned back into the number: restore the backup instead")
