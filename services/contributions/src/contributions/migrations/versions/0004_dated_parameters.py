"""Contributions' run-time parameter values move to the shared dated_parameters table (GET/POST /parameters as
on every service), each with its reference; values set before carry "set by the province".

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import insurance_shared.db
from insurance_shared.migrations import create_dated_parameters_v1

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_dated_parameters_v1(op)
    op.execute(
        "INSERT INTO dated_parameters (name, region, value, valid_from, reference, created_by, created_at) "
        "SELECT name, region, value, valid_from, 'set by the province', created_by, created_at FROM parameter_values"
    )
    op.drop_table("parameter_values")


def downgrade() -> None:
    op.create_table(
        "parameter_values",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("value", sa.String(length=30), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", insurance_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parameter_values")),
        sa.UniqueConstraint("name", "region", "valid_from", name=op.f("uq_parameter_values_name")),
    )
    op.execute(
        "INSERT INTO parameter_values (name, region, value, valid_from, created_by, created_at) "
        "SELECT name, region, value, valid_from, created_by, created_at FROM dated_parameters"
    )
    op.drop_table("dated_parameters")
