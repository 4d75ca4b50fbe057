"""A filed separation's person is looked up by keyed hash and their number and name sealed (#25): ``person_key``
(HMAC-SHA256 of the number under the system's lookup key) for the lookup a registration makes, the number and
name shown sealed (AES-256-GCM). Existing rows are converted in batches (rows done are skipped: an interrupted run
is finished by the next).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from insurance_shared.migrations import fill_person_keys, seal_existing

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_separations_person", table_name="separations")
    with op.batch_alter_table("separations") as t:
        t.add_column(sa.Column("person_key", sa.String(64), nullable=True))
    fill_person_keys(op, "separations")
    with op.batch_alter_table("separations") as t:
        t.alter_column("person_key", existing_type=sa.String(64), nullable=False)
        t.alter_column("id_number", type_=sa.Text(), existing_type=sa.String(18), existing_nullable=False)
        t.alter_column("name", type_=sa.Text(), existing_type=sa.String(100), existing_nullable=False)
    seal_existing(op, "separations", "id", ["id_number", "name"])
    op.create_index("ix_separations_person", "separations", ["person_key"], unique=False)


def downgrade() -> None:
    seal_existing(op, "separations", "id", ["id_number", "name"], unseal=True)
    op.drop_index("ix_separations_person", table_name="separations")
    with op.batch_alter_table("separations") as t:
        t.alter_column("id_number", type_=sa.String(18), existing_type=sa.Text(), existing_nullable=False)
        t.alter_column("name", type_=sa.String(100), existing_type=sa.Text(), existing_nullable=False)
        t.drop_column("person_key")
    op.create_index("ix_separations_person", "separations", ["id_number"], unique=False)
