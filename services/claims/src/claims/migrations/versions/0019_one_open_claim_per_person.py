"""One open claim per person, kept by the database: a partial unique index on ``claims.person_key`` over the open
states. Before it, the check in the registration could be passed by two registrations of the same person at the
same moment (two connections: two offices, two API replicas, a retry), each making a claim.

A database that already holds such a pair cannot take the index: the migration stops and names the claims, for
an officer to close the one made in error (the later one, as a rule) before migrating again.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# as claims.claims.models.OPEN_STATES on this day (a migration keeps the values of its own day)
OPEN = "state IN ('registered', 'verification_requested', 'active', 'suspended')"


def upgrade() -> None:
    pairs = op.get_bind().execute(
        sa.text(
            f"SELECT person_key, min(id), max(id), count(*) FROM claims WHERE {OPEN} "
            "GROUP BY person_key HAVING count(*) > 1 ORDER BY min(id)"
        )
    )
    found = [f"claims {first}..{last} ({n} open)" for _, first, last, n in pairs]
    if found:
        raise RuntimeError(
            "people with more than one open claim (registered at the same moment before this release): "
            + "; ".join(found[:20])
            + (f" and {len(found) - 20} more" if len(found) > 20 else "")
            + ". Close the claim made in error for each, then migrate again."
        )
    op.create_index(
        "uq_claims_open_person",
        "claims",
        ["person_key"],
        unique=True,
        postgresql_where=sa.text(OPEN),
        sqlite_where=sa.text(OPEN),
    )


def downgrade() -> None:
    op.drop_index("uq_claims_open_person", table_name="claims")
