"""Credit and closing: recommendation rounds and the partners' answers.

Revision ID: 0011_credit
Revises: 0009_rights
Create Date: 2026-11-29
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011_credit'
down_revision: str | None = '0010_programme'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def upgrade() -> None:
    op.create_table('recommendation_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opened_by_user_id', sa.BigInteger(), nullable=False),
    sa.Column('conclusions', sa.Text(), nullable=False, server_default=''),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=False, server_default=''),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_recommendation_round_partnership_id', 'recommendation_round', ['partnership_id'])
    op.create_table('recommendation_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['recommendation_round.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'partner_id', 'question', name='uq_recommendation_answer')
    )
    op.create_index('ix_recommendation_answer_round_id', 'recommendation_answer', ['round_id'])

def downgrade() -> None:
    op.drop_index('ix_recommendation_answer_round_id', table_name='recommendation_answer')
    op.drop_table('recommendation_answer')
    op.drop_index('ix_recommendation_round_partnership_id', table_name='recommendation_round')
    op.drop_table('recommendation_round')
