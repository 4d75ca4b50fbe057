"""No person's number in the common tables (#25): decision records and appeals name a person by keyed hash, a
stored answer replayed for a repeated request (idempotency keys) is sealed with its path and location, and events
stored in a superseded form naming people in clear (outbox, dead letters) are rewritten in their current form.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from alembic import op

from insurance_shared.migrations import decisions_by_person_key_v1, seal_idempotency_v1, upgrade_stored_events_v1

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    decisions_by_person_key_v1(op)
    seal_idempotency_v1(op)
    upgrade_stored_events_v1(op)


def downgrade() -> None:
    raise NotImplementedError("a keyed hash cannot be turned back into the number: restore the backup instead")
