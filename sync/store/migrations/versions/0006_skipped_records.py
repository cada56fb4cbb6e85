"""skipped records: records left out of a read for bad data, for ``reengage errors``

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 03:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "skipped_records",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("object", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("field", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("times", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "object", "record_id", name=op.f("pk_skipped_records")),
    )
    with op.batch_alter_table("skipped_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_skipped_records_last_seen"), ["last_seen"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("skipped_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_skipped_records_last_seen"))
    op.drop_table("skipped_records")
