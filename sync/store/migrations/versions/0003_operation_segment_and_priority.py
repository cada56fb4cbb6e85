"""operation segment and priority

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 13:52:51.508452
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('operations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('segment', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('priority', sa.String(length=16), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('operations', schema=None) as batch_op:
        batch_op.drop_column('priority')
        batch_op.drop_column('segment')

