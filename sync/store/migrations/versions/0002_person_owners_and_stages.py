"""person owners and stages

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 13:38:46.036070
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('primary_record', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('hubspot_owner_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('salesforce_owner_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('lifecycle_stage', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('lead_status', sa.String(length=100), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_column('lead_status')
        batch_op.drop_column('lifecycle_stage')
        batch_op.drop_column('salesforce_owner_id')
        batch_op.drop_column('hubspot_owner_id')
        batch_op.drop_column('primary_record')

