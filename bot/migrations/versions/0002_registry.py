"""Partner organisations, representatives, resources, invitations and flows.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('appointment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('partnership_id', 'user_id', 'role', name='uq_appointment')
    )
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_partnership_id'), ['partnership_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_user_id'), ['user_id'], unique=False)

    op.create_table('draft',
    sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('flow', sa.String(length=32), nullable=False),
    sa.Column('step', sa.String(length=32), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'chat_id')
    )
    op.create_table('partner',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_key', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('join_form', sa.String(length=16), nullable=True),
    sa.Column('target_groups', sa.Text(), server_default='', nullable=False),
    sa.Column('gains', sa.Text(), server_default='', nullable=False),
    sa.Column('obstacles', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('partnership_id', 'name_key', name='uq_partner_name')
    )
    with op.batch_alter_table('partner', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_partnership_id'), ['partnership_id'], unique=False)

    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('created_by_user_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_by_user_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token')
    )
    op.create_table('join_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_user_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('join_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_join_request_partner_id'), ['partner_id'], unique=False)

    op.create_table('partner_status_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('changed_by_user_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('partner_status_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_status_change_partner_id'), ['partner_id'], unique=False)

    op.create_table('representative',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('partner_id', 'user_id', name='uq_representative')
    )
    with op.batch_alter_table('representative', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_representative_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_representative_user_id'), ['user_id'], unique=False)

    op.create_table('resource',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=True),
    sa.Column('availability', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('resource', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resource_partner_id'), ['partner_id'], unique=False)

    with op.batch_alter_table('log_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partner_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_log_entry_partner_id'), ['partner_id'], unique=False)

    with op.batch_alter_table('partnership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stage', sa.String(length=16), server_default='forming', nullable=False))
        batch_op.add_column(sa.Column('leader_partner_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('communication_channels', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('meeting_frequency', sa.String(length=32), server_default='', nullable=False))
        batch_op.add_column(sa.Column('reporting', sa.Text(), server_default='', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('partnership', schema=None) as batch_op:
        batch_op.drop_column('reporting')
        batch_op.drop_column('meeting_frequency')
        batch_op.drop_column('communication_channels')
        batch_op.drop_column('leader_partner_id')
        batch_op.drop_column('stage')

    with op.batch_alter_table('log_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_log_entry_partner_id'))
        batch_op.drop_column('partner_id')

    with op.batch_alter_table('resource', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resource_partner_id'))

    op.drop_table('resource')
    with op.batch_alter_table('representative', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_representative_user_id'))
        batch_op.drop_index(batch_op.f('ix_representative_partner_id'))

    op.drop_table('representative')
    with op.batch_alter_table('partner_status_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_status_change_partner_id'))

    op.drop_table('partner_status_change')
    with op.batch_alter_table('join_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_join_request_partner_id'))

    op.drop_table('join_request')
    op.drop_table('invitation')
    with op.batch_alter_table('partner', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_partnership_id'))

    op.drop_table('partner')
    op.drop_table('draft')
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointment_user_id'))
        batch_op.drop_index(batch_op.f('ix_appointment_partnership_id'))

    op.drop_table('appointment')
