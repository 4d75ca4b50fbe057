"""fund-monitor holds no identity number (#25): people are named by the keyed hash of theirs (HMAC-SHA256 under the
system's lookup key, insurance_shared.pii), which is all counting and matching needs. The stored numbers are
replaced by their hashes in batches; run again after an interruption, it hashes what is left (a hash is 64
characters, a number 18).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from insurance_shared.pii import installed

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLES = ("mon_claims", "mon_insured", "mon_layoff_separations")
INDEXED = ("mon_claims", "mon_layoff_separations")


def upgrade() -> None:
    for table in INDEXED:
        op.drop_index(f"ix_{table}_id_number", table_name=table)
    for table in TABLES:
        with op.batch_alter_table(table) as t:
            t.alter_column(
                "id_number",
                new_column_name="person_key",
                type_=sa.String(64),
                existing_type=sa.String(18),
                existing_nullable=False,
            )
    keyring, bind = installed(), op.get_bind()
    for table in TABLES:
        t = sa.table(table, sa.column("person_key"))
        while True:
            clear = (
                bind.execute(
                    sa.select(t.c.person_key).distinct().where(sa.func.length(t.c.person_key) < 64).limit(1000)
                )
                .scalars()
                .all()
            )
            if not clear:
                break
            bind.execute(
                sa.update(t).where(t.c.person_key == sa.bindparam("old")).values(person_key=sa.bindparam("new")),
                [{"old": v, "new": keyring.lookup(v)} for v in clear],
            )
    for table in INDEXED:
        op.create_index(f"ix_{table}_person_key", table, ["person_key"], unique=False)


def downgrade() -> None:
    raise NotImplementedError("a keyed hash cannot be turned back into the number: restore the backup taken before")
