"""The workforce keeps no identity number (#25): events name people by keyed hash only, so a hire is known by its
``person_key``; a hiring incentive shows the numbers the unit itself gives with its contracts.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workforce_employments") as t:
        t.drop_column("id_number")


def downgrade() -> None:
    # the numbers are gone for good: a downgraded service shows hires without them (empty)
    with op.batch_alter_table("workforce_employments") as t:
        t.add_column(sa.Column("id_number", sa.Text(), nullable=False, server_default=""))
