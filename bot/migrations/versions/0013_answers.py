"""Answers to handled updates, kept until they are sent (a redelivery sends what a crash kept back).

Revision ID: 0013_answers
Revises: 0012_overview
Create Date: 2026-11-30
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013_answers'
down_revision: str | None = '0012_overview'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('pending_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('update_id', sa.BigInteger(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('buttons', sa.Text(), nullable=True),
    sa.Column('force_reply', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('state', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_pending_answer_update_id', 'pending_answer', ['update_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_pending_answer_update_id', table_name='pending_answer')
    op.drop_table('pending_answer')
