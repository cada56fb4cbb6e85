"""applied_memberships.record_type: each member keeps the record type it was added as

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 06:30:00

A removal must name the right object (a Salesforce lead or contact); the type was
looked up in platform_records and, for a record no longer there, guessed from the id.
It is now stored with the membership (the journal always writes it; the column stays
nullable so that this migration runs as plain SQL on SQLite too). Existing rows take their record's type, else the
one the old code guessed (HubSpot lists hold contacts; a Salesforce id with the
Contact key prefix ``003`` is a contact, any other a lead).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("applied_memberships") as batch:
        batch.add_column(sa.Column("record_type", sa.String(length=32), nullable=True))
    op.execute(
        """
        UPDATE applied_memberships SET record_type = (
            SELECT pr.record_type FROM platform_records pr
            WHERE pr.record_id = applied_memberships.record_id
              AND pr.record_type LIKE applied_memberships.platform || '%'
            ORDER BY pr.record_type LIMIT 1
        )
        """
    )
    op.execute(
        """
        UPDATE applied_memberships SET record_type = CASE
            WHEN platform = 'hubspot' THEN 'hubspot_contact'
            WHEN record_id LIKE '003%' THEN 'salesforce_contact'
            ELSE 'salesforce_lead' END
        WHERE record_type IS NULL
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("applied_memberships") as batch:
        batch.drop_column("record_type")
