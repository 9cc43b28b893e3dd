"""Training plan: target groups, periods, targets and revisions, sessions and outcomes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('plan_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('plan_period', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_period_partnership_id'), ['partnership_id'], unique=False)

    op.create_table('target_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('partnership_id', 'key', name='uq_target_group_key')
    )
    with op.batch_alter_table('target_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_target_group_partnership_id'), ['partnership_id'], unique=False)

    op.create_table('target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('target_group_id', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['period_id'], ['plan_period.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_group_id'], ['target_group.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('period_id', 'target_group_id', name='uq_target')
    )
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_target_period_id'), ['period_id'], unique=False)

    op.create_table('target_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('old_count', sa.Integer(), nullable=True),
    sa.Column('new_count', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), server_default='', nullable=False),
    sa.Column('changed_by_user_id', sa.BigInteger(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['target_id'], ['target.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('target_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_target_revision_target_id'), ['target_id'], unique=False)

    op.create_table('training_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('topic', sa.String(length=120), nullable=False),
    sa.Column('target_group_id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=True),
    sa.Column('trainer', sa.String(length=120), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('registered', sa.Integer(), nullable=True),
    sa.Column('outcome_recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['target_group_id'], ['target_group.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.create_index('ix_training_session_partnership_starts', ['partnership_id', 'starts_at'], unique=False)

    op.create_table('recruitment_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['training_session.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('recruitment_source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recruitment_source_session_id'), ['session_id'], unique=False)

    op.create_table('trained_count',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('target_group_id', sa.Integer(), nullable=False),
    sa.Column('trained', sa.Integer(), nullable=False),
    sa.Column('with_disability', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['training_session.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_group_id'], ['target_group.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'target_group_id', name='uq_trained_count')
    )
    with op.batch_alter_table('trained_count', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trained_count_session_id'), ['session_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('trained_count', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trained_count_session_id'))

    op.drop_table('trained_count')
    with op.batch_alter_table('recruitment_source', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recruitment_source_session_id'))

    op.drop_table('recruitment_source')
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.drop_index('ix_training_session_partnership_starts')

    op.drop_table('training_session')
    with op.batch_alter_table('target_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_target_revision_target_id'))

    op.drop_table('target_revision')
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_target_period_id'))

    op.drop_table('target')
    with op.batch_alter_table('target_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_target_group_partnership_id'))

    op.drop_table('target_group')
    with op.batch_alter_table('plan_period', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_period_partnership_id'))

    op.drop_table('plan_period')
