"""Partnerships, people and the communication log.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('partnership',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('coordinator_name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('coordinator_user_id', sa.BigInteger(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('can_read_messages', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('chat_id')
    )
    with op.batch_alter_table('partnership', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partnership_coordinator_user_id'), ['coordinator_user_id'], unique=False)

    op.create_table('log_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author_user_id', sa.BigInteger(), nullable=True),
    sa.Column('author_name', sa.String(length=400), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('media_kind', sa.String(length=32), nullable=True),
    sa.Column('channel', sa.String(length=32), nullable=True),
    sa.Column('chat_id', sa.BigInteger(), nullable=True),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('reply_to_message_id', sa.BigInteger(), nullable=True),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('chat_id', 'message_id', name='uq_log_entry_chat_message')
    )
    with op.batch_alter_table('log_entry', schema=None) as batch_op:
        batch_op.create_index('ix_log_entry_partnership_occurred', ['partnership_id', 'occurred_at'], unique=False)

    op.create_table('person',
    sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('first_name', sa.String(length=200), nullable=False),
    sa.Column('last_name', sa.String(length=200), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=True),
    sa.Column('language_code', sa.String(length=16), nullable=True),
    sa.Column('locale', sa.String(length=8), nullable=True),
    sa.Column('current_partnership_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['current_partnership_id'], ['partnership.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('log_entry_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['log_entry.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('log_entry_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_log_entry_revision_entry_id'), ['entry_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('log_entry_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_log_entry_revision_entry_id'))

    op.drop_table('log_entry_revision')
    op.drop_table('person')
    with op.batch_alter_table('log_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_log_entry_partnership_occurred')

    op.drop_table('log_entry')
    with op.batch_alter_table('partnership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partnership_coordinator_user_id'))

    op.drop_table('partnership')
