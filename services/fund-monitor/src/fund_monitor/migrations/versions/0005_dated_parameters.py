"""Dated parameters set at run time by the province (GET/POST /parameters).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from alembic import op

from insurance_shared.migrations import create_dated_parameters_v1

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_dated_parameters_v1(op)


def downgrade() -> None:
    op.drop_table("dated_parameters")
