"""One current alert level per region: at most one open alert, and a closed alert says why and what replaced it.

Before this, each tier had its own open alert, so a region under two months showed an early warning and a critical
alert for the same month. Existing pairs are resolved here: the less severe of a region's open alerts is closed as
escalated and points at the critical one.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("closed_reason", sa.String(12), nullable=True))  # recovered | escalated | eased
        batch.add_column(sa.Column("replaces_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("superseded_by_id", sa.BigInteger(), nullable=True))
    op.execute(
        """
        UPDATE alerts SET state = 'closed', closed_at = CURRENT_TIMESTAMP, closed_reason = 'escalated',
               closed_capacity_months = (SELECT c.capacity_months FROM alerts c
                                         WHERE c.region = alerts.region AND c.state = 'open' AND c.level = 'critical'),
               superseded_by_id = (SELECT c.id FROM alerts c
                                   WHERE c.region = alerts.region AND c.state = 'open' AND c.level = 'critical')
        WHERE state = 'open' AND level = 'early_warning'
          AND EXISTS (SELECT 1 FROM alerts c WHERE c.region = alerts.region AND c.state = 'open' AND c.level = 'critical')
        """
    )
    op.execute(
        "UPDATE alerts SET replaces_id = (SELECT e.id FROM alerts e WHERE e.superseded_by_id = alerts.id) "
        "WHERE state = 'open' AND level = 'critical'"
    )
    op.execute("UPDATE alerts SET closed_reason = 'recovered' WHERE state = 'closed' AND closed_reason IS NULL")
    op.drop_index("uq_alerts_open_region_level", table_name="alerts")
    op.create_index(
        "uq_alerts_open_region",
        "alerts",
        ["region"],
        unique=True,
        postgresql_where=sa.text("state = 'open'"),
        sqlite_where=sa.text("state = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("uq_alerts_open_region", table_name="alerts")
    op.create_index(
        "uq_alerts_open_region_level",
        "alerts",
        ["region", "level"],
        unique=True,
        postgresql_where=sa.text("state = 'open'"),
        sqlite_where=sa.text("state = 'open'"),
    )
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("superseded_by_id")
        batch.drop_column("replaces_id")
        batch.drop_column("closed_reason")
