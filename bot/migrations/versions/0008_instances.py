"""Several instances on one database: the webhook inbox, chat claims and shared send slots.

Revision ID: 0008_instances
Revises: 0007_once
Create Date: 2026-11-29
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008_instances'
down_revision: str | None = '0007_once'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('inbound_update',
    sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('lane', sa.BigInteger(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('received', sa.Double(), nullable=False),
    sa.Column('handled', sa.Double(), nullable=True),
    sa.PrimaryKeyConstraint('update_id')
    )
    op.create_index('ix_inbound_update_lane', 'inbound_update', ['lane', 'update_id'], unique=False)
    op.create_table('lane_claim',
    sa.Column('lane', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('expires', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('lane')
    )
    op.create_table('send_slot',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('tat', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )


def downgrade() -> None:
    op.drop_table('send_slot')
    op.drop_table('lane_claim')
    op.drop_index('ix_inbound_update_lane', table_name='inbound_update')
    op.drop_table('inbound_update')
