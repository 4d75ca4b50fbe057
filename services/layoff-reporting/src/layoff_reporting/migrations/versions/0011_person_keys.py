"""People matched by keyed hashes, identity numbers and names sealed (#25): the workforce, the claims seen, a
filing's people and the rehire offers carry ``person_key`` (HMAC-SHA256 of the number under the system's lookup key)
for every comparison; the numbers and names an answer shows are sealed (AES-256-GCM, the key named in each value);
the workforce keeps no name; a rehire breach's list of people is sealed. Existing rows are converted in batches
(rows already converted are skipped, so an interrupted run is finished by the next).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from insurance_shared.migrations import fill_person_keys, seal_existing
from insurance_shared.pii import installed

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_claims_seen_person", table_name="claims_seen")
    op.drop_index("ix_workforce_employments_person", table_name="workforce_employments")
    op.drop_index("ix_rehire_offers_unit", table_name="rehire_offers")
    for table in ("claims_seen", "workforce_employments", "rehire_offers"):
        with op.batch_alter_table(table) as t:
            t.add_column(sa.Column("person_key", sa.String(64), nullable=True))
    fill_person_keys(op, "claims_seen")
    fill_person_keys(op, "workforce_employments")
    fill_person_keys(op, "rehire_offers")
    with op.batch_alter_table("claims_seen") as t:
        t.drop_column("id_number")
        t.alter_column("person_key", existing_type=sa.String(64), nullable=False)
    for table in ("workforce_employments", "rehire_offers"):
        with op.batch_alter_table(table) as t:
            t.alter_column("person_key", existing_type=sa.String(64), nullable=False)
            t.alter_column("id_number", type_=sa.Text(), existing_type=sa.String(18), existing_nullable=False)
            if table == "workforce_employments":
                t.drop_column("name")
    seal_existing(op, "workforce_employments", "employment_id", ["id_number"])
    seal_existing(op, "rehire_offers", "id", ["id_number"])
    seal_existing(op, "rehire_breaches", "id", ["priority_list"])
    op.create_index("ix_claims_seen_person", "claims_seen", ["person_key"], unique=False)
    op.create_index("ix_workforce_employments_person", "workforce_employments", ["person_key", "start_date"])
    op.create_index("ix_rehire_offers_unit", "rehire_offers", ["unit_credit_code", "person_key"], unique=False)

    # a filing's people: the key moves from the number to its hash, so the table is made anew (few rows a filing)
    bind = op.get_bind()
    old = sa.table(
        "filing_persons",
        sa.column("filing_id"),
        sa.column("id_number"),
        sa.column("name"),
        sa.column("planned"),
        sa.column("separated"),
    )
    rows = bind.execute(sa.select(old)).all()
    op.drop_table("filing_persons")
    new = op.create_table(
        "filing_persons",
        sa.Column("filing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_key", sa.String(length=64), nullable=False),
        sa.Column("id_number", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("planned", sa.Boolean(), nullable=False),
        sa.Column("separated", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["filing_id"], ["filings.id"], name=op.f("fk_filing_persons_filing_id_filings")),
        sa.PrimaryKeyConstraint("filing_id", "person_key", name=op.f("pk_filing_persons")),
    )
    keyring = installed()
    if rows:
        op.bulk_insert(
            new,
            [
                {
                    "filing_id": r.filing_id,
                    "person_key": keyring.lookup(r.id_number),
                    "id_number": keyring.encrypt(r.id_number.encode()),
                    "name": keyring.encrypt(r.name.encode()),
                    "planned": r.planned,
                    "separated": r.separated,
                }
                for r in rows
            ],
        )


def downgrade() -> None:
    raise NotImplementedError("keyed hashes cannot be turned back into numbers: restore the backup taken before")
