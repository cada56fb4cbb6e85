"""person anchors: person keys that survive conversions, new links and merges

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 03:10:00

Every record's current person key is seeded from the persons it is linked to, so
the keys a store already holds (and the task / alert keys hashed from them, which
the platforms' tasks carry) stay exactly what they are.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_anchors",
        sa.Column("record_type", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("anchor", sa.String(length=100), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("record_type", "record_id", "anchor", name=op.f("pk_person_anchors")),
    )
    with op.batch_alter_table("person_anchors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_anchors_anchor"), ["anchor"], unique=False)
    now = datetime.now(UTC)
    seen = now.replace(tzinfo=None) if op.get_context().dialect.name == "sqlite" else now
    # op.execute with bound values (not get_bind().execute): offline, for
    # `reengage db upgrade --sql`, the values are rendered into the SQL.
    op.execute(
        sa.text(
            "INSERT INTO person_anchors (record_type, record_id, anchor, current, seen_at) "
            "SELECT r.record_type, r.record_id, p.person_key, :yes, :seen "
            "FROM platform_records r JOIN persons p ON p.id = r.person_id"
        ).bindparams(
            sa.bindparam("yes", True, type_=sa.Boolean()),
            sa.bindparam("seen", seen, type_=sa.DateTime(timezone=True)),
        )
    )

def downgrade() -> None:
    with op.batch_alter_table("person_anchors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_anchors_anchor"))
    op.drop_table("person_anchors")
