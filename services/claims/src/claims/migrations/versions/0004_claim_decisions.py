"""Every decision on a claim, kept: the first at registration and each re-decision beside it (#19: existing claims
are re-decided under corrected rules only when asked, never silently).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import insurance_shared.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claim_decisions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("claim_id", sa.BigInteger(), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("total_months", sa.Integer(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("replaces", sa.BigInteger(), nullable=True),
        sa.Column("created_at", insurance_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_claim_decisions_claim_id_claims")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_decisions")),
    )
    op.create_index("ix_claim_decisions_claim", "claim_decisions", ["claim_id", "id"], unique=False)
    # the decision each existing claim was registered with, so the history is complete from the start
    op.execute(
        "INSERT INTO claim_decisions (claim_id, eligible, total_months, decision, decided_by, reason, created_at) "
        "SELECT id, eligible, total_months, decision, 'system', 'registration', created_at FROM claims"
    )


def downgrade() -> None:
    op.drop_index("ix_claim_decisions_claim", table_name="claim_decisions")
    op.drop_table("claim_decisions")
