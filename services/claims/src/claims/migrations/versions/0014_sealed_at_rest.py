"""Personal information sealed at rest (#25 item 1, part): documents' contents and the bank accounts benefits and
subsidies are paid into (card number and holder, on the accounts and on each payment line), encrypted with the
service's keys (AES-256-GCM, the key named in each value). Existing values are sealed in batches; run again after
an interruption, it seals what is left.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from insurance_shared.migrations import seal_existing

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BANK = (
    ("payee_accounts", "claim_id", False),
    ("si_subsidy_payees", "subsidy_id", False),
    ("benefit_payments", "id", True),
    ("si_subsidy_payments", "id", False),
)


def upgrade() -> None:
    for table, _, nullable in BANK:
        with op.batch_alter_table(table) as t:
            for name, width in (("card_number", 19), ("holder_name", 100)):
                t.alter_column(name, type_=sa.Text(), existing_type=sa.String(width), existing_nullable=nullable)
    for table, key, _ in BANK:
        seal_existing(op, table, key, ["card_number", "holder_name"])
    seal_existing(op, "documents", "sha256", ["content"], binary=True)


def downgrade() -> None:
    seal_existing(op, "documents", "sha256", ["content"], binary=True, unseal=True)
    for table, key, _ in BANK:
        seal_existing(op, table, key, ["card_number", "holder_name"], unseal=True)
    for table, _, nullable in BANK:
        with op.batch_alter_table(table) as t:
            for name, width in (("card_number", 19), ("holder_name", 100)):
                t.alter_column(name, type_=sa.String(width), existing_type=sa.Text(), existing_nullable=nullable)
