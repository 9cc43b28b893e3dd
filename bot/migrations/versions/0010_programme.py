"""Programmes of partnerships: supervisors, assignments, invitation links, visits, practices.

Revision ID: 0010_programme
Revises: 0009_rights
Create Date: 2026-11-29
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010_programme'
down_revision: str | None = '0009_rights'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str = 'id') -> sa.ForeignKey:
    return sa.ForeignKey(f'{table}.{column}', ondelete='CASCADE')


def upgrade() -> None:
    op.create_table('programme',
    sa.Column('id', sa.Integer(), primary_key=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('manager_user_id', sa.BigInteger(), nullable=False),
    sa.Column('manager_name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_programme_manager_user_id', 'programme', ['manager_user_id'])
    op.create_table('programme_member',
    sa.Column('partnership_id', sa.Integer(), _fk('partnership'), primary_key=True),
    sa.Column('programme_id', sa.Integer(), _fk('programme'), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('visit_every_days', sa.Integer(), nullable=True),
    sa.Column('light', sa.Integer(), nullable=True),
    sa.Column('light_since', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_programme_member_programme_id', 'programme_member', ['programme_id'])
    op.create_table('programme_supervisor',
    sa.Column('id', sa.Integer(), primary_key=True),
    sa.Column('programme_id', sa.Integer(), _fk('programme'), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint('programme_id', 'user_id', name='uq_programme_supervisor'),
    )
    op.create_index('ix_programme_supervisor_programme_id', 'programme_supervisor', ['programme_id'])
    op.create_index('ix_programme_supervisor_user_id', 'programme_supervisor', ['user_id'])
    op.create_table('supervisor_assignment',
    sa.Column('supervisor_id', sa.Integer(), _fk('programme_supervisor'), primary_key=True),
    sa.Column('partnership_id', sa.Integer(), _fk('partnership'), primary_key=True),
    )
    op.create_table('programme_invitation',
    sa.Column('id', sa.Integer(), primary_key=True),
    sa.Column('token', sa.String(length=64), nullable=False, unique=True),
    sa.Column('programme_id', sa.Integer(), _fk('programme'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('created_by_user_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_by_user_id', sa.BigInteger(), nullable=True),
    )
    op.create_index('ix_programme_invitation_programme_id', 'programme_invitation', ['programme_id'])
    op.create_table('visit',
    sa.Column('id', sa.Integer(), primary_key=True),
    sa.Column('partnership_id', sa.Integer(), _fk('partnership'), nullable=False),
    sa.Column('by_user_id', sa.BigInteger(), nullable=False),
    sa.Column('by_name', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False, server_default=''),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_visit_partnership_id', 'visit', ['partnership_id'])
    op.create_table('practice',
    sa.Column('id', sa.Integer(), primary_key=True),
    sa.Column('programme_id', sa.Integer(), _fk('programme'), nullable=False),
    sa.Column('partnership_id', sa.Integer(), _fk('partnership'), nullable=False),
    sa.Column('author_user_id', sa.BigInteger(), nullable=False),
    sa.Column('author_name', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('tags', sa.Text(), nullable=False, server_default=''),
    sa.Column('folded', sa.Text(), nullable=False, server_default=''),
    sa.Column('file_id', sa.String(length=200), nullable=True),
    sa.Column('file_kind', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_practice_programme_id', 'practice', ['programme_id'])
    op.create_index('ix_practice_partnership_id', 'practice', ['partnership_id'])
    op.create_index('ix_practice_created_at', 'practice', ['created_at'])
    op.create_table('practice_thanks',
    sa.Column('practice_id', sa.Integer(), _fk('practice'), primary_key=True),
    sa.Column('user_id', sa.BigInteger(), primary_key=True, autoincrement=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ('practice_thanks', 'practice', 'visit', 'programme_invitation', 'supervisor_assignment',
                  'programme_supervisor', 'programme_member', 'programme'):
        op.drop_table(table)
