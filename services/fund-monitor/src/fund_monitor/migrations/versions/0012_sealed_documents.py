"""Documents' contents sealed at rest (#25 item 1, part): encrypted with the service's keys (AES-256-GCM, the key
named in each value). Existing contents are sealed in batches; run again after an interruption, it seals what is
left.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from alembic import op

from insurance_shared.migrations import seal_existing

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    seal_existing(op, "documents", "sha256", ["content"], binary=True)


def downgrade() -> None:
    seal_existing(op, "documents", "sha256", ["content"], binary=True, unseal=True)
