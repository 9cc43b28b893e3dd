"""People's data rights: privacy notice and retention per partnership, erased flags, erasure requests.

Revision ID: 0009_rights
Revises: 0007_once
Create Date: 2026-11-29
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_rights'
down_revision: str | None = '0008_instances'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def upgrade() -> None:
    with op.batch_alter_table('partnership') as batch:
        batch.add_column(sa.Column('privacy_notice', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('retention_years', sa.Integer(), nullable=False, server_default='3'))
        batch.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('log_entry') as batch:
        batch.add_column(sa.Column('erased', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('checkin_answer') as batch:
        batch.add_column(sa.Column('erased', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table('erasure_request',
    sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('retention_run',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('day')
    )

def downgrade() -> None:
    op.drop_table('retention_run')
    op.drop_table('erasure_request')
    with op.batch_alter_table('checkin_answer') as batch:
        batch.drop_column('erased')
    with op.batch_alter_table('log_entry') as batch:
        batch.drop_column('erased')
    with op.batch_alter_table('partnership') as batch:
        batch.drop_column('deleted_at')
        batch.drop_column('closed_at')
        batch.drop_column('retention_years')
        batch.drop_column('privacy_notice')
