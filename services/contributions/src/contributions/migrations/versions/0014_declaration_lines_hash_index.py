"""The declaration lines' person index as a hash index on PostgreSQL (#25 item 6): a keyed hash is random, so each
line of an upload went into a random leaf of a B-tree over 64-character keys. COPY of 100,000 lines into a table
already holding 300,000 took 535 ms with that B-tree, 257 ms with a hash index, 180 ms with the B-tree over the
sequential identity numbers before #25 (bench/README.md). The index only answers equality (a person's months,
an adjustment's earlier lines), which a hash index does; SQLite keeps its B-tree.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_declaration_lines_person", table_name="declaration_lines")
    op.create_index("ix_declaration_lines_person", "declaration_lines", ["person_key"], postgresql_using="hash")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_declaration_lines_person", table_name="declaration_lines")
    op.create_index("ix_declaration_lines_person", "declaration_lines", ["person_key"])
