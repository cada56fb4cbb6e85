"""activities.person_id: each activity carries its person's store id

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 12:20:00

The snapshot read every activity joined to ``platform_records`` on the text pair
(record_type, record_id) each cycle. Identity now keeps the person's id on the activity
rows themselves (set where a record's link moves, filled for rows read since), so the
snapshot reads integer columns with no join. Existing rows take their record's person
(activities known only by an email address keep none: they reach their person through
the address). The column stays nullable, without a foreign key, so that this migration
runs as plain SQL on SQLite too.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
    op.create_index("ix_activities_person_id", "activities", ["person_id"])
    op.execute(
        """
        UPDATE activities SET person_id = (
            SELECT pr.person_id FROM platform_records pr
            WHERE pr.record_type = activities.record_type
              AND pr.record_id = activities.record_id
        )
        WHERE record_type <> 'email_address'
        """
    )


def downgrade() -> None:
    op.drop_index("ix_activities_person_id", table_name="activities")
    with op.batch_alter_table("activities") as batch:
        batch.drop_column("person_id")
