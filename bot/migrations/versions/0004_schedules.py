"""Schedules as rows: check-ins, due deliveries, rounds, answers and paused reminders.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('reminder_pause',
    sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('until', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('schedule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('recurrence', sa.String(length=16), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('day', sa.Integer(), nullable=False),
    sa.Column('at_time', sa.String(length=5), nullable=False),
    sa.Column('cron', sa.String(length=64), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('window_hours', sa.Integer(), nullable=False),
    sa.Column('reminder_after_hours', sa.Integer(), nullable=False),
    sa.Column('is_paused', sa.Boolean(), nullable=False),
    sa.Column('paused_reason', sa.String(length=32), nullable=False),
    sa.Column('next_run_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_user_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('schedule', schema=None) as batch_op:
        batch_op.create_index('ix_schedule_due', ['is_paused', 'next_run_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_schedule_partnership_id'), ['partnership_id'], unique=False)

    op.create_table('checkin_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('schedule_id', sa.Integer(), nullable=True),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=True),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['schedule_id'], ['schedule.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('checkin_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkin_round_partnership_id'), ['partnership_id'], unique=False)

    op.create_table('delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('schedule_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('ref_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.Text(), server_default='{}', nullable=False),
    sa.Column('dedupe_key', sa.String(length=120), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('claimed_by', sa.String(length=64), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['schedule_id'], ['schedule.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedupe_key')
    )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_due', ['status', 'due_at'], unique=False)

    op.create_table('checkin_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('answer', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), server_default='', nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['checkin_round.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'user_id', name='uq_checkin_answer')
    )
    with op.batch_alter_table('checkin_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkin_answer_round_id'), ['round_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('checkin_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkin_answer_round_id'))

    op.drop_table('checkin_answer')
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_due')

    op.drop_table('delivery')
    with op.batch_alter_table('checkin_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkin_round_partnership_id'))

    op.drop_table('checkin_round')
    with op.batch_alter_table('schedule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schedule_partnership_id'))
        batch_op.drop_index('ix_schedule_due')

    op.drop_table('schedule')
    op.drop_table('reminder_pause')
